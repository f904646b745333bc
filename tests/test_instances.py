"""Several instances on one database: one elected outbox sender at a time, which recovers what
its predecessor cut short; on PostgreSQL (ESCALE_TEST_POSTGRES), two Escale processes behind a
proxy, in webhook mode, one of them killed with SIGKILL."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from telegram import Bot

from bot.core.db import Database
from bot.core.engines import open_database
from bot.outbox.sender import Sender
from bot.outbox.store import OutboxStore, Outgoing, enqueue
from bot.service.receiving import RecordingDatabase
from tests.conftest import ADMIN_ID, FakeClock
from tests.engines import fresh_schema
from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.instances import TOKEN, cluster
from tests.journeys import person_token, token_in
from tests.walk import Reading, first_preparation

LEA = 5001
NOTE = "<i>Possible repeat: this may have reached you already.</i>"


class Standby(RecordingDatabase):
    """A database shared with other instances, whose election this test decides."""

    def __init__(self, inner: Database, clock: FakeClock) -> None:
        super().__init__(inner, clock)
        self.sole_instance = False
        self.elected = False

    async def lead(self, role: str) -> bool:
        return self.elected


async def _nobody(update_id: int) -> None:
    """Nothing polls the emulator here: the sender talks to it directly."""


def _text(body: str) -> Outgoing:
    return Outgoing(chat_id=LEA, kind="text", body=body, repeat_note=NOTE)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "shared.sqlite3")
    yield database
    await database.close()


async def test_only_the_elected_sender_sends_and_it_recovers_its_predecessors_work(
    db: Database, telegram: FakeTelegram
) -> None:
    clock = FakeClock()
    shared = Standby(db, clock)
    store = OutboxStore(shared)
    lea = TelegramUser(telegram, _nobody, user_id=LEA, first_name="Léa")
    await lea.send("/start")
    async with db.transaction() as tx:
        await enqueue(tx, [_text("cut short"), _text("waiting")], purpose="brief", now=clock.now())
    cut_short = await store.begin_attempt(1)  # the previous sender died during this call
    assert cut_short is not None
    async with Bot(telegram.token, base_url=telegram.base_url) as bot:

        async def nobody_unreachable(chat_id: int) -> list[Outgoing]:
            return []

        sender = Sender(bot, store, clock, nobody_unreachable)
        await sender.start()
        try:
            sender.wake()
            await sender.drained()
            assert not sender.leading
            assert lea.texts() == [], "a sender that is not elected sent"
            row = await store.get(1)
            assert row is not None and row.status == "sending", "recovered under a live sender"

            shared.elected = True  # the other instance is gone
            sender.wake()
            await sender.drained()
            assert sender.leading
            assert lea.texts() == [
                "Possible repeat: this may have reached you already.\n\ncut short",
                "waiting",
            ]

            shared.elected = False  # another instance leads now
            async with db.transaction() as tx:
                await enqueue(tx, [_text("later")], purpose="brief", now=clock.now())
            sender.wake()
            await sender.drained()
            assert not sender.leading
            assert lea.texts()[-1] == "waiting", "a sender no longer elected went on sending"
        finally:
            await sender.stop()


# ---------------------------------------------------------------------- on PostgreSQL


@pytest.mark.postgresql
async def test_the_lead_goes_to_one_instance_and_moves_when_it_closes() -> None:
    async with fresh_schema() as url:
        first = await open_database(url)
        second = await open_database(url)
        try:
            assert await first.lead("outbox-sender")
            assert not await second.lead("outbox-sender")
            assert await first.lead("outbox-sender"), "the holder keeps it"
            assert await second.lead("another-role"), "each role is its own"
        finally:
            await first.close()
        try:
            assert await second.lead("outbox-sender"), "the lead did not move"
        finally:
            await second.close()


PEOPLE = 8
BURST = ["/help", "/logbook", "/help", "/logbook", "/help", "/logbook"]
REMINDED = "Do you want to prepare it now?"
REFERENCE = re.compile(r"ESC-\d+")
REPEAT = "Possible repeat"


def _handled_by(telegram: FakeTelegram) -> Callable[[int], Awaitable[None]]:
    async def handled(update_id: int) -> None:
        await telegram.wait_fetched(update_id, timeout=90)

    return handled


async def _until(telegram: FakeTelegram, done: Callable[[], bool], what: str) -> None:
    """Wait, call after call the bot makes, until `done()` (never a sleep)."""
    async with asyncio.timeout(90):
        while not done():
            try:
                await telegram.wait_for_call("sendMessage", timeout=90)
            except AssertionError:
                raise AssertionError(f"never: {what}") from None


async def _replies_in_order(person: TelegramUser, telegram: FakeTelegram) -> list[str]:
    """Send BURST without waiting between commands (as fast thumbs do); the replies' texts."""
    before = len(person.messages)
    ids = [telegram.push_update({"message": person.message_dict(command)}) for command in BURST]
    for update_id in ids:
        await telegram.wait_fetched(update_id, timeout=90)
    return [m.text for m in person.messages[before:]]


@pytest.mark.postgresql
async def test_two_instances_share_the_work_and_one_killed_loses_nothing(tmp_path: Path) -> None:
    """Two `python -m bot` on one PostgreSQL, behind a proxy, in webhook mode: people prepare at
    once, each chat's replies come in order, each reminder and brief arrives once; the instance
    that leads the outbox is killed with SIGKILL halfway, and the other carries everything on."""
    async with (
        fresh_schema() as url,
        FakeTelegram(token=TOKEN) as telegram,
        cluster(
            telegram, url, 2, tmp_path, ESCALE_REMINDER_OFFSETS="400h", ESCALE_QUIET_HOURS=""
        ) as (proxy, (first, second)),
    ):
        await first.logged("outbox sender elected")
        handled = _handled_by(telegram)
        admin = TelegramUser(telegram, handled, user_id=ADMIN_ID, first_name="Camille")
        admin.language_code = "en"
        worker = TelegramUser(
            telegram, handled, user_id=2000, first_name="Alice", language_code="en"
        )
        await admin.send("/newworker")
        await worker.send(f"/start {token_in(admin.last.text)}")
        people = []
        for number in range(PEOPLE):
            link = await person_token(worker, f"P{number}")
            person = TelegramUser(
                telegram,
                handled,
                user_id=3000 + number,
                first_name=f"P{number}",
                language_code="en",
            )
            await person.send(f"/start {link}")
            await person.press("I agree")
            await worker.send("/meeting")
            await worker.press(
                next(b for b in worker.buttons() if b.split(" · ")[0] == f"P{number}")
            )
            await worker.send("next thursday at 9.30am")
            await worker.press("✔ Yes")
            people.append(person)
        await _until(
            telegram,
            lambda: all(any(REMINDED in m.text for m in p.messages) for p in people),
            "every person invited to prepare",
        )
        # What each command answers alone, to compare with the replies to a burst.
        lone = people[0]
        expected: dict[str, list[str]] = {}
        for command in dict.fromkeys(BURST):
            before = len(lone.messages)
            await lone.send(command)
            expected[command] = [m.text for m in lone.messages[before:]]

        async def one_person(person: TelegramUser) -> list[str]:
            replies = await _replies_in_order(person, telegram)
            await first_preparation(person, Reading())
            return replies

        started = len(telegram.delivered)
        tasks = [asyncio.create_task(one_person(person)) for person in people]
        await _until(
            telegram,
            lambda: len(telegram.delivered) >= started + PEOPLE * 10,
            "halfway through the preparations",
        )
        assert await first.end(signal.SIGKILL) == -signal.SIGKILL
        killed_at = len(second.lines)
        forwarded_to_second = proxy.forwarded[second.port]
        bursts = await asyncio.gather(*tasks)

        await second.logged("outbox sender elected")
        assert "outbox sender elected" in "\n".join(second.lines[killed_at:])
        assert proxy.forwarded[second.port] > forwarded_to_second, "the second took nothing over"
        await _until(
            telegram,
            lambda: len({r for m in worker.messages for r in REFERENCE.findall(m.text)}) >= PEOPLE,
            "every brief at the worker",
        )

    for person, replies in zip(people, bursts, strict=True):
        assert replies == [text for command in BURST for text in expected[command]], (
            f"{person}: replies out of order"
        )
        assert sum(REMINDED in m.text for m in person.messages) == 1, f"{person}: reminders"
    briefs: dict[str, list[bool]] = {}
    for message in worker.messages:
        for reference in set(REFERENCE.findall(message.text)):
            briefs.setdefault(reference, []).append(REPEAT in message.text)
    assert len(briefs) == PEOPLE
    for reference, repeats in briefs.items():
        assert repeats.count(False) == 1, f"{reference} arrived {repeats.count(False)} times"
    # Only a brief being sent at the very moment of the kill may come once more, marked.
    assert sum(repeats.count(True) for repeats in briefs.values()) <= 1
    assert all(a.with_secret for a in telegram.webhook_attempts)
    assert telegram.calls_to("getUpdates") == []
