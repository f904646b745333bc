"""Updates and answers real Telegram sends and a simple fake would not: business customers,
guest mentions, forwards, albums, repeated block events, refusals at start-up, a QR code that
does not arrive, the entities of sent messages, buttons of inline-mode messages.

Every test also relies on the `telegram` fixture's rule: the bot never writes to a private chat
that did not write to it first (real Telegram refuses it with 403).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.core.config import Settings
from bot.core.updates import ALLOWED_UPDATES
from tests.conftest import ADMIN_ID, Escale, running_escale
from tests.fake_telegram import BusinessAccount, FakeTelegram, SentMessage, TelegramUser
from tests.journeys import make_person, make_worker, token_in
from tests.test_preparation import briefs, first_preparation, prepared_pair

LEA = "\u2068Léa\u2069"  # a name is set apart from the words around it
QUESTION_AGAIN = "I can only take a written answer or a voice message here."


def sends_to(telegram: FakeTelegram, chat_id: int) -> int:
    """How many messages the bot tried to send to a chat, refused ones included."""
    return sum(
        1
        for call in telegram.calls
        if call.method in ("sendMessage", "sendPhoto", "sendVoice", "sendDocument")
        and str(call.params.get("chat_id")) == str(chat_id)
    )


# ------------------------------------------------------------------ 1. only Escale's own updates


async def test_escale_asks_telegram_only_for_the_updates_it_handles(escale: Escale) -> None:
    assert (
        escale.telegram.allowed_updates
        == frozenset(ALLOWED_UPDATES)
        == {
            "message",
            "edited_message",
            "channel_post",
            "callback_query",
            "my_chat_member",
        }
    )
    worker = await make_worker(escale, "Alice", "en")
    shop = BusinessAccount(escale.telegram, escale.settle, worker, "biz-1")
    customer = escale.user("Client", "en")
    message = {
        "business_connection_id": "biz-1",
        "message_id": 1,
        "date": escale.telegram.now(),
        "chat": customer.chat_dict,
        "from": customer.user_dict,
        "text": "hello",
    }
    shop_update = escale.telegram.push_update({"business_message": message})
    assert [u["update_id"] for u in escale.telegram.withheld] == [shop_update]
    await shop.customer_writes(customer, "still there?")  # an update from before the list
    assert sends_to(escale.telegram, customer.user_id) == 0


async def test_a_business_customer_who_edits_a_message_is_never_answered(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    shop = BusinessAccount(escale.telegram, escale.settle, worker, "biz-1")
    customer = escale.user("Client", "en")
    before = len(escale.telegram.calls_to("sendMessage"))
    await shop.connect()
    sent = await shop.customer_writes(customer, "/start")
    await shop.customer_edits(customer, sent, "/help please")
    await shop.customer_deletes(customer, sent)
    assert len(escale.telegram.calls_to("sendMessage")) == before, "nobody was written to"
    assert sends_to(escale.telegram, customer.user_id) == 0
    assert await escale.repo.account(customer.user_id) is None


async def test_a_guest_mention_in_someone_elses_chat_is_not_answered(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    stranger = escale.user("Sam", "en")
    before = len(escale.telegram.calls)
    await stranger.calls_as_guest("@escale_test_bot /help", person)
    await person.calls_as_guest("@escale_test_bot /prepare", stranger)
    assert [c.method for c in escale.telegram.calls[before:] if c.method != "getUpdates"] == []
    assert await escale.repo.account(stranger.user_id) is None
    assert await escale.db.fetchone("SELECT id FROM preparations") is None


async def test_an_edit_in_escales_own_chat_still_gets_its_explanation(escale: Escale) -> None:
    visitor = escale.user("Zoé", "en")
    await visitor.send("hello")
    await visitor.edit("hello", "hello again")
    assert visitor.last.text == ("I don't read changed messages. Please send a new message.")


# ------------------------------------------------------------------ 2. forwarded words


async def test_a_forwarded_answer_is_marked_in_the_review_and_in_the_brief(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send_forwarded("Your rent goes up by 80 euros in January.", author="M. Roux")
    answered = person.messages[-2]
    assert "✔ ↪️ Your rent goes up by 80 euros" in answered.text
    await person.press("For me")
    await person.send_via_bot("Housing benefit: how to appeal a decision", "wiki")  # want
    await person.send("Call the CAF on Monday")  # what blocks: typed, their own words
    while "Question" in person.last.text:  # every other question skipped, up to the review
        await person.press("I'd rather not")

    review = "\n".join(person.texts()[-3:])
    assert f"↪️ Forwarded message: {LEA} did not write it\nYour rent goes up by 80 euros" in review
    assert f"🤖 Made with another bot: {LEA} did not write it\nHousing benefit" in review
    assert "Call the CAF on Monday" in review
    assert review.count("did not write it") == 2, "typed answers are not marked"
    rows = await escale.db.fetchall("SELECT step, origin FROM answers ORDER BY answered_at")
    origins = {row["step"]: row["origin"] for row in rows}
    assert origins["problem"] == "forwarded"
    assert origins["want"] == "via_bot"
    assert origins["obstacle"] is None

    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert (
        f"↪️ Forwarded message: {LEA} did not write it\nYour rent goes up by 80 euros" in brief.text
    )
    assert f"🤖 Made with another bot: {LEA} did not write it" in brief.text
    assert f"<i>Forwarded message: {LEA} did not write it</i>" in (brief.html or "")


async def test_a_forwarded_command_is_not_the_persons_command(escale: Escale) -> None:
    _, person = await prepared_pair(escale)
    await person.send_forwarded("/forget", author="Sam")
    assert "Erase" not in " ".join(person.buttons(person.last))
    assert person.last.text.startswith("Alice supports you in Escale."), "help"
    await person.send("/prepare")
    await person.send_forwarded("/logbook", author="Sam")
    assert "✔ ↪️ /logbook" in person.messages[-2].text, "taken as a (forwarded) answer"


async def test_a_forwarded_voice_message_is_marked_with_the_voice(escale: Escale) -> None:
    worker, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send_forwarded(voice=True, author="Maman")
    assert "✔ ↪️ 🎤 voice message" in person.messages[-2].text
    while "Question" in person.last.text:  # every other question skipped, up to the review
        await person.press("I'd rather not")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    assert f"↪️ Forwarded message: {LEA} did not write it\n🎤 Voice message" in brief.text
    [voice] = [m for m in worker.messages if m.kind == "voice"]
    assert f"↪️ Forwarded message: {LEA} did not write it" in voice.text


async def test_erasing_a_person_erases_their_albums(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await person.send_album(2)
    assert await escale.db.fetchone("SELECT 1 FROM albums WHERE chat_id = ?", (person.user_id,))
    await person.send("/forget")
    await person.press(person.buttons()[0])
    assert (
        await escale.db.fetchone("SELECT 1 FROM albums WHERE chat_id = ?", (person.user_id,))
        is None
    )


# ------------------------------------------------------------------ 3. albums


async def test_an_album_gets_one_notice_and_the_question_once(escale: Escale) -> None:
    _, person = await prepared_pair(escale)
    await person.send("/prepare")
    await person.send("My rent is late")
    assert "Who is it a problem for?" in person.last.text
    before = len(person.messages)
    await person.send_album(3, caption="my letters")  # where buttons are asked for
    new = person.texts()[before:]
    assert len(new) == 2, new
    assert new[0] == "For this question, please press a button below it."
    assert "Who is it a problem for?" in new[1]
    row = await escale.db.fetchone("SELECT step FROM preparations WHERE status = 'open'")
    assert row is not None and row["step"] == "for_whom"

    await person.send_album(2)  # another album: answered again, once
    assert len(person.texts()) == before + 4


async def test_an_album_on_the_problem_question_is_one_answer(escale: Escale) -> None:
    _, person = await prepared_pair(escale)
    await person.send("/prepare")
    before = len(person.messages)
    await person.send_album(3, caption="my letters")  # a photo is an answer here
    new = person.texts()[before:]
    assert len(new) == 1 and "Who is it a problem for?" in new[0], "the next question, once"
    rows = await escale.db.fetchall("SELECT step, file_kind FROM answers")
    assert [tuple(row) for row in rows] == [("problem", "photo")]


async def test_an_album_outside_a_preparation_gets_one_reply(escale: Escale) -> None:
    visitor = escale.user("Zoé", "en")
    await visitor.send("/start")
    before = len(visitor.messages)
    await visitor.send_album(4)
    assert len(visitor.messages) == before + 1


# ------------------------------------------------------------------ 4. repeated block events


async def test_a_repeated_block_releases_nothing_and_tells_the_coordinators_once(
    escale: Escale,
) -> None:
    worker, person = await prepared_pair(escale)
    admin = escale.admin("en")
    await first_preparation(escale, person)
    await worker.blocks_bot()
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    told = [text for text in admin.texts() if "Alice" in text and "ne peut plus" in text]
    assert len(told) == 1
    tries = sends_to(escale.telegram, worker.user_id)

    await worker.blocks_bot()  # Telegram sends the same "kicked" update again
    await worker.blocks_bot()
    await escale.deliveries()
    assert sends_to(escale.telegram, worker.user_id) == tries, "nothing released"
    assert [text for text in admin.texts() if "ne peut plus" in text] == told
    account = await escale.repo.account(worker.user_id)
    assert account is not None and account.unreachable

    await worker.unblocks_bot()  # restarting the bot is being reachable again
    await escale.deliveries()
    [brief] = briefs(worker)
    assert "Call the CAF on Monday" in brief.text
    account = await escale.repo.account(worker.user_id)
    assert account is not None and not account.unreachable
    assert admin.user_id == ADMIN_ID


# ------------------------------------------------------------------ 5. menus at start-up


async def _step_through(escale: Escale, waits: list[timedelta]) -> None:
    """Each time the bot waits (a 429, a backoff), the clock moves on by exactly that much."""
    for wait in waits:
        moment = escale.clock.now() + wait
        await escale.clock.someone_sleeps_until(moment)
        escale.clock.advance(wait)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(
    ("status", "description", "retry_after", "times", "waits"),
    [
        # Flood control: the wait Telegram asks for.
        (429, "Too Many Requests: retry after 7", 7, 1, [timedelta(seconds=7)]),
        # Server errors: the request layer's three retries, then the menus' own pause.
        (500, "Internal Server Error", None, 4, [timedelta(seconds=s) for s in (1, 2, 4, 5)]),
        (502, "Bad Gateway", None, 4, [timedelta(seconds=s) for s in (1, 2, 4, 5)]),
    ],
)
async def test_a_refused_menu_at_start_up_is_set_later_and_escale_answers_meanwhile(
    telegram: FakeTelegram,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    status: int,
    description: str,
    retry_after: int | None,
    times: int,
    waits: list[timedelta],
) -> None:
    telegram.fail_next(
        "setMyCommands",
        status=status,
        description=description,
        retry_after=retry_after,
        times=times,
    )
    async with running_escale(telegram, settings, caplog, menus_settled=False) as escale:
        visitor = escale.user("Zoé", "en")
        await visitor.send("/start")
        assert visitor.last.text.startswith("Hello! I am Escale.")
        assert visitor.menu() == []

        await _step_through(escale, waits[:-1])
        moment = escale.clock.now() + waits[-1]
        await escale.clock.someone_sleeps_until(moment)
        assert visitor.menu() == [], "not before the wait is over"
        assert len(telegram.calls_to("setMyCommands")) == times
        escale.clock.advance(waits[-1])

        startup_menus = escale.app.bot_data.services.startup_menus
        assert startup_menus is not None
        await startup_menus.settled()
        assert visitor.menu() == ["start", "help", "language", "privacy"]
    assert "Traceback" not in caplog.text


async def test_a_menu_refused_as_a_bad_request_is_logged_as_a_bug_and_not_retried(
    telegram: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.fail_next(
        "setMyCommands", status=400, description="Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
    )
    expected = "a mistake in Escale's commands, not a network problem"
    async with running_escale(telegram, settings, caplog, expected_errors=[expected]) as escale:
        visitor = escale.user("Zoé", "en")
        await visitor.send("/start")
        assert visitor.last.text.startswith("Hello! I am Escale.")
        visitor_menus = [
            c
            for c in telegram.calls_to("setMyCommands")
            if c.params.get("scope") == {"type": "all_private_chats"}
        ]
        statuses = [c.status for c in visitor_menus]  # one menu per catalog, and the default
        assert statuses == [400] + [200] * (len(statuses) - 1) and len(statuses) > 2, (
            "the others are set"
        )
        escale.clock.advance(timedelta(hours=1))
        await visitor.send("/help")
        assert len(telegram.calls_to("setMyCommands")) == len(visitor_menus) + 1  # the admin's
    [line] = [r.getMessage() for r in caplog.records if expected in r.getMessage()]
    assert "bot_command_description_invalid" in line.lower()


# ------------------------------------------------------------------ 6. half-done /invite


@pytest.mark.parametrize(
    ("status", "times", "waits"),
    [
        (400, 1, []),  # refused: not tried again
        (500, 4, [timedelta(seconds=s) for s in (1, 2, 4)]),  # still failing after retries
    ],
)
async def test_the_invitation_link_counts_even_when_its_qr_code_fails(
    escale: Escale, status: int, times: int, waits: list[timedelta]
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    escale.telegram.fail_next(
        "sendPhoto", status=status, description="Bad Request: wrong photo", times=times
    )
    task = asyncio.create_task(worker.send("/invite Léa"))
    await _step_through(escale, waits)
    await asyncio.wait_for(task, 10)
    link_text, note = worker.texts()[-2:]
    assert link_text.startswith("Here is a link for Léa.")
    assert note == "The QR code could not be sent this time. The link above works all the same."
    assert not any("something went wrong" in text for text in worker.texts())

    person = escale.user("Léa", "en")
    await person.send(f"/start {token_in(link_text)}")
    await person.press("I agree")
    assert "Alice now knows that you are here" in person.last.text


async def test_a_qr_code_refused_once_by_the_server_is_sent_again(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    escale.telegram.fail_next("sendPhoto", status=500, description="Internal Server Error")
    task = asyncio.create_task(worker.send("/invite"))
    await _step_through(escale, [timedelta(seconds=1)])
    await asyncio.wait_for(task, 10)
    assert [m.kind for m in worker.messages[-2:]] == ["text", "photo"]


async def test_a_qr_code_whose_answers_were_lost_gets_no_note(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    escale.telegram.drop_next("sendPhoto", times=4)  # it arrives; the bot never hears back
    task = asyncio.create_task(worker.send("/invite"))
    await _step_through(escale, [timedelta(seconds=s) for s in (1, 2, 4)])
    await asyncio.wait_for(task, 10)
    assert worker.messages[-1].kind == "photo", "it may be on the screen: nothing said"
    assert not any("QR code could not be sent" in text for text in worker.texts())


# ------------------------------------------------------------------ 7. entities echoed


async def test_a_pressed_message_keeps_its_formatting_and_its_text(escale: Escale) -> None:
    worker = await make_worker(escale, "Zoé <3 & Cie", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    consent = next(m for m in person.messages if m.text.startswith("Hello! Zoé"))
    assert consent.edits == 1, "the buttons were replaced by what was chosen"
    assert consent.text.startswith("Hello! Zoé <3 & Cie invites you to use Escale.")
    assert (consent.html or "").startswith(
        "Hello! Zoé &lt;3 &amp; Cie invites you to use <b>Escale</b>."
    )
    assert {"type": "bold", "offset": 39, "length": 6} in consent.entities
    assert consent.entities[-1]["type"] == "italic", "the footer under it"
    assert consent.buttons == []


async def test_a_pressed_message_that_cannot_be_rewritten_still_loses_its_buttons(
    escale: Escale,
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    token = token_in((await _invite(worker)).text)
    person = escale.user("Léa", "en")
    await person.send(f"/start {token}")
    consent = person.last
    escale.telegram.fail_next(
        "editMessageText", status=400, description="Bad Request: can't parse entities"
    )
    await person.press("I agree")
    assert consent.buttons == [], "no button left to press twice"
    assert consent.edits == 1
    assert "Alice now knows that you are here" in person.last.text


async def _invite(worker: TelegramUser) -> SentMessage:
    await worker.send("/invite")
    return [m for m in worker.messages if m.kind == "text"][-1]


# ------------------------------------------------------------------ 8. inline-mode buttons


async def test_a_button_of_an_inline_mode_message_gets_a_quiet_answer(
    escale: Escale, caplog: pytest.LogCaptureFixture
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    stranger = escale.user("Sam", "en")
    before = len(escale.telegram.calls_to("sendMessage"))
    assert await stranger.press_inline("prep:1:problem:s") is None
    assert await worker.press_inline("anything") is None
    answers = list(escale.telegram.callback_answers.values())[-2:]
    assert [answer.get("text") for answer in answers] == [None, None]
    assert len(escale.telegram.calls_to("sendMessage")) == before
    assert await escale.repo.account(stranger.user_id) is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
