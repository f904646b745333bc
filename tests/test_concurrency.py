"""Many people at once: different chats are handled side by side, each chat in arrival order.

Updates sent `together` reach the bot in one getUpdates, as when people type at the same
moment (or one person types faster than the bot answers); the tests check what each person
sees and what the database holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram import CallbackQuery, Chat, Message, Update, User

from bot.core.config import Settings
from bot.core.processor import PerChatOrder, order_key
from tests.conftest import Escale, running_escale
from tests.fake_telegram import FakeTelegram, TelegramUser, together
from tests.journeys import make_person, make_worker
from tests.test_custom_dialogue import dialogue
from tests.test_meetings import meetings, set_meeting
from tests.test_preparation import answers_row, current_step

# A preparation of free-text questions only: any typed message answers the current one.
TEXT_STEPS = ["problem", "want", "obstacle", "small_step", "plan_b", "expectations"]
ANSWERS = [f"answer {n} to {step}" for n, step in enumerate(TEXT_STEPS, start=1)]


@pytest.fixture
async def text_only(
    telegram: FakeTelegram,
    settings: Settings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[Escale]:
    """Escale on a dialogue of text questions (then the review), as conftest's `escale`."""
    path = tmp_path / "dialogue.toml"
    path.write_text(dialogue([*TEXT_STEPS, "review"]), encoding="utf-8")
    async with AsyncExitStack() as stack:
        custom = replace(settings, dialogue_path=path)
        yield await stack.enter_async_context(running_escale(telegram, custom, caplog))


def processor(escale: Escale) -> PerChatOrder:
    found = escale.app.update_processor
    assert isinstance(found, PerChatOrder)
    return found


def questions(person: TelegramUser) -> list[str]:
    return [m.text.split("\n")[0] for m in person.messages if m.text.startswith("Question ")]


async def test_answers_typed_faster_than_the_bot_replies_are_stored_in_order(
    text_only: Escale,
) -> None:
    escale = text_only
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await person.send("/prepare")

    async with together(person):
        for answer in ANSWERS:
            await person.send(answer)

    stored = await answers_row(escale, person)
    assert {step: row[1] for step, row in stored.items()} == dict(
        zip(TEXT_STEPS, ANSWERS, strict=True)
    )
    assert await current_step(escale, person) == "review"
    total = len(TEXT_STEPS)
    assert questions(person) == [f"Question {n} of {total}" for n in range(1, total + 1)]
    assert "Here is what your social worker will read" in "\n".join(person.texts()[-4:])
    assert processor(escale).lines == 0, "a chat's line outlived its updates"


async def test_many_people_answering_at_once_lose_nothing_and_double_nothing(
    text_only: Escale,
) -> None:
    escale = text_only
    worker = await make_worker(escale, "Alice", "en")
    people = [await make_person(escale, worker, f"P{n}", f"P{n}", "en") for n in range(20)]
    async with together(*people):
        for person in people:
            await person.send("/prepare")

    async with together(*people):
        for answer in ANSWERS:  # everyone's first answer, then everyone's second…
            for person in people:
                await person.send(f"{person.first_name}: {answer}")

    total = len(TEXT_STEPS)
    for person in people:
        stored = await answers_row(escale, person)
        assert {step: row[1] for step, row in stored.items()} == {
            step: f"{person.first_name}: {answer}"
            for step, answer in zip(TEXT_STEPS, ANSWERS, strict=True)
        }, person
        assert questions(person) == [f"Question {n} of {total}" for n in range(1, total + 1)]
    rows = await escale.db.fetchone(
        """SELECT COUNT(*) AS n, COUNT(DISTINCT person_id) AS people FROM preparations
           WHERE status = 'open'"""
    )
    assert rows is not None and tuple(rows) == (20, 20)
    assert processor(escale).lines == 0


async def test_a_reply_waiting_out_a_429_holds_up_only_its_own_chat(
    escale: Escale, telegram: FakeTelegram
) -> None:
    slow, other = escale.user("Sam", "en"), escale.user("Jo", "en")
    telegram.fail_next(
        "sendMessage",
        status=429,
        description="Too Many Requests: retry after 5",
        retry_after=5,
        chat_id=slow.user_id,
    )
    answered = asyncio.Event()
    telegram.observe(lambda _: answered.set() if len(other.messages) >= 2 else None)
    async with together(slow, other):
        await slow.send("/help")
        await slow.send("/privacy")  # waits behind /help, in its own chat only
        try:
            await escale.clock.someone_sleeps_until(escale.clock.now() + timedelta(seconds=5))
            assert slow.messages == []
            await other.send("/help")
            await other.send("/privacy")
            async with asyncio.timeout(10):
                await answered.wait()
            assert slow.messages == [], "the slow chat's next update must wait for its first"
        finally:
            escale.clock.advance(timedelta(seconds=5))  # else the bot never stops

    help_text, privacy_text = (m.text for m in other.messages)
    assert [m.text for m in slow.messages] == [help_text, privacy_text], "in the order sent"
    assert processor(escale).lines == 0


async def test_a_worker_moves_the_meeting_while_the_person_answers(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en-GB")
    person = await make_person(escale, worker, "Léa", "Léa", "en-GB")
    await set_meeting(escale, worker, "tuesday 2pm")
    await person.send("/prepare")
    await worker.send("/meeting")
    await worker.press("Léa · Tuesday 1 December at 14:00")
    await worker.press("📅 Change the date")
    await worker.send("03/12 16:00")
    assert worker.last.text == "Thursday 3 December at 16:00, with Léa. Is that right?"

    async with together(worker, person):
        await worker.press("✔ Yes")
        await person.send("My rent is late again")

    await escale.deliveries()
    assert worker.last.text.startswith("Moved. The meeting with Léa is now on Thursday")
    assert any("It is now on Thursday 3 December at 16:00." in text for text in person.texts()), (
        person.texts()
    )
    assert (await answers_row(escale, person))["problem"][1] == "My rent is late again"
    assert await current_step(escale, person) == "for_whom"
    [(_, moment, status, *_)] = await meetings(escale)
    assert (moment, status) == ("2026-12-03T15:00:00+00:00", "planned")


# -- the processor alone -----------------------------------------------------------------------


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat))


def test_the_key_is_the_chat_else_the_user() -> None:
    assert order_key(update(1, 42)) == 42
    assert order_key(Update(2)) is None
    assert order_key(object()) is None
    user = User(7, "Jo", is_bot=False)
    inline = Update(3, callback_query=CallbackQuery("q", user, "instance", inline_message_id="i"))
    assert order_key(inline) == 7


async def test_a_busy_chat_holds_one_running_place_and_its_order() -> None:
    order = PerChatOrder(running=2, accepted=100)
    release = asyncio.Event()
    done: list[tuple[int, int]] = []

    async def handle(chat_id: int, n: int, *, blocked: bool = False) -> None:
        if blocked:
            await release.wait()
        done.append((chat_id, n))

    busy = [
        asyncio.create_task(order.process_update(update(n, 1), handle(1, n, blocked=n == 0)))
        for n in range(10)
    ]
    await asyncio.sleep(0)  # every task has joined its line
    others = [
        asyncio.create_task(order.process_update(update(100 + n, 2 + n), handle(2 + n, 0)))
        for n in range(5)
    ]
    async with asyncio.timeout(5):
        await asyncio.gather(*others)
    assert sorted(done) == [(2 + n, 0) for n in range(5)], "other chats ran beside the busy one"
    assert order.lines == 1
    release.set()
    async with asyncio.timeout(5):
        await asyncio.gather(*busy)
    assert [n for chat, n in done if chat == 1] == list(range(10))
    assert order.lines == 0


async def test_an_update_cancelled_while_waiting_leaves_no_line() -> None:
    order = PerChatOrder(running=1, accepted=10)
    release = asyncio.Event()

    async def handle() -> None:
        await release.wait()

    first = asyncio.create_task(order.process_update(update(1, 1), handle()))
    waiting = asyncio.create_task(order.process_update(update(2, 1), handle()))
    await asyncio.sleep(0)
    waiting.cancel()
    release.set()
    await first
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert order.lines == 0
