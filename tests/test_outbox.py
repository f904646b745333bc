"""The outbox sender against the fake Telegram: what recipients see, and what the database keeps."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from telegram import Bot

from bot.core.db import Database
from bot.core.engines import open_database
from bot.core.rows import to_db_time
from bot.core.sqlite_db import SqliteDatabase
from bot.outbox.sender import Sender
from bot.outbox.store import Buttons, OutboxRow, OutboxStore, Outgoing, enqueue
from tests.conftest import START, FakeClock
from tests.fake_telegram import FakeTelegram, TelegramUser

LEA = 5001
COORDINATOR = 5900
NOTE = "<i>Possible repeat: this may have reached you already.</i>"
NOTE_TEXT = "Possible repeat: this may have reached you already."
SECRET = "PRIVATE"  # in every body; must never reach the logs
RETRY_AFTER_WARNING = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def no_settle(update_id: int) -> None:
    """Nothing polls the fake here: the sender talks to it directly."""


@dataclass
class Outbox:
    """The sender under test, with what the test needs around it."""

    db: Database
    store: OutboxStore
    clock: FakeClock
    bot: Bot
    unreachable: list[int] = field(default_factory=list)
    sender: Sender = field(init=False)

    async def start(self) -> None:
        """Start a fresh sender, as the application does at each start-up."""
        self.sender = Sender(self.bot, self.store, self.clock, self._on_unreachable)
        await self.sender.start()

    async def _on_unreachable(self, chat_id: int) -> list[Outgoing]:
        """Asked at each refusal; what it returns is queued only the first time."""
        self.unreachable.append(chat_id)
        return [text(f"{chat_id} cannot be reached", chat_id=COORDINATOR)]

    async def queue(self, *messages: Outgoing) -> None:
        async with self.db.transaction() as tx:
            await enqueue(tx, messages, purpose="brief", now=self.clock.now())

    async def settle(self, after: timedelta = timedelta()) -> None:
        """Let `after` pass on the clock, then wait until the sender has nothing left to do now."""
        if after:
            self.clock.advance(after)
        self.sender.wake()
        await self.sender.drained()

    async def rows(self) -> list[OutboxRow]:
        ids = await self.db.fetchall("SELECT id FROM outbox ORDER BY id")
        found = [await self.store.get(row["id"]) for row in ids]
        return [row for row in found if row is not None]


def text(
    body: str, *, chat_id: int = LEA, buttons: Buttons = (), protect: bool = False
) -> Outgoing:
    return Outgoing(
        chat_id=chat_id,
        kind="text",
        body=body,
        repeat_note=NOTE,
        buttons=buttons,
        protect=protect,
    )


@pytest.fixture
async def db(database: str | Path) -> AsyncIterator[Database]:
    opened = await open_database(database)
    yield opened
    await opened.close()


@pytest.fixture
async def lea(telegram: FakeTelegram) -> TelegramUser:
    """A person who has written to the bot, so their private chat exists."""
    person = TelegramUser(telegram, no_settle, user_id=LEA, first_name="Léa")
    await person.send("/start")
    return person


@pytest.fixture
async def outbox(
    db: Database, bot: Bot, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Outbox]:
    caplog.set_level(logging.DEBUG, logger="bot")
    outbox = Outbox(db, OutboxStore(db), FakeClock(), bot)
    await outbox.start()
    yield outbox
    await outbox.sender.stop()
    assert SECRET not in caplog.text, "a message's words reached the logs"
    assert telegram.token not in caplog.text


async def test_parts_arrive_in_order_with_buttons_and_protection(
    outbox: Outbox, lea: TelegramUser
) -> None:
    await outbox.queue(
        text(f"<b>Part 1</b> {SECRET}", protect=True),
        text("Part 2 &amp; more", protect=True),
        text("Part 3", protect=True, buttons=[[("Read", "read:1")], [("Later", "later:1")]]),
    )
    await outbox.settle()

    assert lea.texts() == [f"Part 1 {SECRET}", "Part 2 & more", "Part 3"]
    assert [m.protect_content for m in lea.messages] == [True, True, True]
    assert [m.parse_mode for m in lea.messages] == ["HTML"] * 3
    assert lea.buttons() == ["Read", "Later"]
    assert lea.messages[-1].buttons[1][0].callback_data == "later:1"
    rows = await outbox.rows()
    assert [(r.status, r.attempts, r.sent_at) for r in rows] == [("sent", 1, START)] * 3
    assert [r.message_id for r in rows] == [m.message_id for m in lea.messages]
    assert {(r.body, r.caption, r.buttons) for r in rows} == {("", None, ())}  # no copies kept


async def test_voice_is_sent_by_file_id_with_its_caption(
    outbox: Outbox, lea: TelegramUser, telegram: FakeTelegram
) -> None:
    file_id, _ = telegram.new_file_ids("voice")
    await outbox.queue(
        Outgoing(
            chat_id=LEA,
            kind="voice",
            body=file_id,
            caption=f"<b>Léa</b> said {SECRET}",
            repeat_note=NOTE,
            protect=True,
        )
    )
    await outbox.settle()

    (voice,) = lea.messages
    assert (voice.kind, voice.file, voice.text) == ("voice", file_id, f"Léa said {SECRET}")
    assert voice.protect_content
    (row,) = await outbox.rows()
    assert (row.status, row.body, row.caption) == ("sent", "", None)


@RETRY_AFTER_WARNING
async def test_flood_control_waits_as_told_and_is_not_a_repeat(
    outbox: Outbox, lea: TelegramUser, telegram: FakeTelegram
) -> None:
    telegram.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 5", retry_after=5
    )
    await outbox.queue(text(f"Brief {SECRET}"))
    await outbox.settle()
    assert lea.messages == []
    (row,) = await outbox.rows()
    assert (row.status, row.due_at, row.error) == (
        "pending",
        START + timedelta(seconds=5),
        "RetryAfter",
    )

    await outbox.settle(timedelta(seconds=4))
    assert lea.messages == []
    await outbox.settle(timedelta(seconds=1))
    assert lea.texts() == [f"Brief {SECRET}"]
    (row,) = await outbox.rows()
    assert (row.status, row.maybe_delivered) == ("sent", False)


async def test_server_errors_are_retried_with_growing_delays(
    outbox: Outbox, lea: TelegramUser, telegram: FakeTelegram
) -> None:
    telegram.fail_next("sendMessage", status=500, description="Internal Server Error", times=3)
    await outbox.queue(text(f"Brief {SECRET}"))
    await outbox.settle()
    due = START
    for delay in (2, 4, 8):  # seconds, doubling
        (row,) = await outbox.rows()
        due += timedelta(seconds=delay)
        assert (row.status, row.due_at, row.error) == ("pending", due, "NetworkError")
        calls = len(telegram.calls_to("sendMessage"))
        await outbox.settle(timedelta(seconds=delay - 1))
        assert len(telegram.calls_to("sendMessage")) == calls  # not yet
        await outbox.settle(timedelta(seconds=1))
        assert len(telegram.calls_to("sendMessage")) == calls + 1

    assert lea.texts() == [f"Brief {SECRET}"]
    assert [call.status for call in telegram.calls_to("sendMessage")] == [500, 500, 500, 200]
    (row,) = await outbox.rows()
    assert (row.status, row.attempts, row.maybe_delivered) == ("sent", 4, False)


async def test_refused_html_is_sent_once_as_plain_text(outbox: Outbox, lea: TelegramUser) -> None:
    await outbox.queue(text(f"<b>Plan {SECRET}</i> &amp; &lt;more&gt;"))
    await outbox.settle()

    (message,) = lea.messages
    assert (message.text, message.parse_mode) == (f"Plan {SECRET} & <more>", None)
    (row,) = await outbox.rows()
    assert (row.status, row.attempts) == ("sent", 1)


async def test_too_long_text_is_split_with_the_buttons_on_the_last_part(
    outbox: Outbox, lea: TelegramUser
) -> None:
    lines = [f"<b>{index:04d}</b> {'x' * 95}" for index in range(60)]  # 100 visible + newline each
    await outbox.queue(text("\n".join(lines), buttons=[[("Read", "read:1")]]))
    await outbox.settle()

    first, second = lea.messages
    assert first.text.startswith("0000 ") and first.text.rstrip().endswith("x")
    assert len(first.text) <= 4096 and second.text.startswith("0040 ")
    assert (first.buttons, lea.buttons(second)) == ([], ["Read"])
    assert first.text + second.text == "\n".join(line[3:7] + line[11:] for line in lines)
    (row,) = await outbox.rows()
    assert (row.status, row.message_id) == ("sent", second.message_id)


async def test_a_message_refused_twice_fails(
    outbox: Outbox, lea: TelegramUser, telegram: FakeTelegram
) -> None:
    await outbox.queue(
        Outgoing(chat_id=LEA, kind="voice", body="no-such-file", caption=SECRET, repeat_note=NOTE),
        text("Next part"),
    )
    await outbox.settle()

    assert [call.status for call in telegram.calls_to("sendVoice")] == [400, 400]
    assert lea.texts() == ["Next part"]
    failed, sent = await outbox.rows()
    assert (failed.status, failed.error) == ("failed", "BadRequest")
    assert sent.status == "sent"


async def test_a_blocked_chat_is_held_reported_once_and_released(
    outbox: Outbox, lea: TelegramUser, telegram: FakeTelegram
) -> None:
    coordinator = TelegramUser(telegram, no_settle, user_id=COORDINATOR, first_name="Camille")
    await coordinator.send("/start")
    async with outbox.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO users (id, display_name, created_at) VALUES (?, 'Léa', ?)",
            (LEA, to_db_time(START)),
        )
    telegram.block(LEA)
    await outbox.queue(text(f"Part 1 {SECRET}"), text("Part 2"))
    await outbox.settle()

    assert [call.status for call in telegram.calls_to("sendMessage")] == [403, 200]
    assert coordinator.texts() == [f"{LEA} cannot be reached"]
    assert [row.status for row in await outbox.rows()] == ["held", "held", "sent"]
    user = await outbox.db.fetchone("SELECT unreachable_since FROM users WHERE id = ?", (LEA,))
    assert user is not None and user[0] == to_db_time(START)

    telegram.unblock(LEA)
    outbox.clock.advance(timedelta(hours=1))
    assert await outbox.store.release_chat(LEA, outbox.clock.now())
    await outbox.settle()
    assert lea.texts() == [f"Part 1 {SECRET}", "Part 2"]
    assert [row.status for row in await outbox.rows()] == ["sent", "sent", "sent"]
    user = await outbox.db.fetchone("SELECT unreachable_since FROM users WHERE id = ?", (LEA,))
    assert user is not None and user[0] is None
    assert not await outbox.store.release_chat(LEA, outbox.clock.now())

    telegram.block(LEA)  # blocked again later: told again, once
    await outbox.queue(text("Part 3"))
    await outbox.settle()
    await outbox.queue(text("Part 4"))
    await outbox.settle()
    assert coordinator.texts() == [f"{LEA} cannot be reached"] * 2


async def test_an_unknown_outcome_is_resent_once_headed_by_the_repeat_note(
    outbox: Outbox, lea: TelegramUser, telegram: FakeTelegram
) -> None:
    telegram.drop_next("sendMessage")
    await outbox.queue(text(f"<b>Brief</b> {SECRET}", buttons=[[("Read", "read:1")]]))
    await outbox.settle()
    assert lea.texts() == [f"Brief {SECRET}"]  # it arrived, but the bot could not know
    (row,) = await outbox.rows()
    assert (row.status, row.maybe_delivered) == ("pending", True)
    assert row.error == "NetworkError(ServerDisconnectedError)"

    await outbox.settle(timedelta(seconds=2))
    assert lea.texts() == [f"Brief {SECRET}", f"{NOTE_TEXT}\n\nBrief {SECRET}"]
    assert lea.buttons() == ["Read"]
    (row,) = await outbox.rows()
    assert (row.status, row.attempts, row.message_id) == ("sent", 2, lea.last.message_id)


async def test_a_second_unknown_outcome_stops_the_resends(
    outbox: Outbox, lea: TelegramUser, telegram: FakeTelegram
) -> None:
    telegram.drop_next("sendMessage", times=2)
    await outbox.queue(text(f"Brief {SECRET}"), text("After"))
    await outbox.settle()
    await outbox.settle(timedelta(seconds=2))
    await outbox.settle(timedelta(hours=1))

    assert lea.texts() == [f"Brief {SECRET}", f"{NOTE_TEXT}\n\nBrief {SECRET}", "After"]
    uncertain, after = await outbox.rows()
    assert (uncertain.status, uncertain.attempts) == ("uncertain", 2)
    assert after.status == "sent"


async def test_an_attempt_cut_by_a_crash_is_resent_once_after_restart(
    outbox: Outbox, lea: TelegramUser
) -> None:
    await outbox.sender.stop()
    await outbox.queue(text(f"Cut {SECRET}"), text(f"Cut again {SECRET}", chat_id=LEA + 1))
    async with outbox.db.transaction() as tx:  # as a kill -9 mid-call leaves them
        await tx.execute("UPDATE outbox SET status = 'sending', attempts = 1")
        await tx.execute("UPDATE outbox SET maybe_delivered = 1 WHERE id = 2")

    await outbox.start()
    await outbox.settle()

    assert lea.texts() == [f"{NOTE_TEXT}\n\nCut {SECRET}"]
    resent, uncertain = await outbox.rows()
    assert (resent.status, resent.attempts, resent.maybe_delivered) == ("sent", 2, True)
    assert (uncertain.status, uncertain.attempts) == ("uncertain", 1)


async def test_a_retrying_part_holds_back_its_chat_only(
    outbox: Outbox, lea: TelegramUser, telegram: FakeTelegram
) -> None:
    sam = TelegramUser(telegram, no_settle, user_id=LEA + 1, first_name="Sam")
    await sam.send("/start")
    telegram.fail_next("sendMessage", status=502, description="Bad Gateway")
    await outbox.queue(
        text(f"Part 1 {SECRET}"), text("Part 2"), text("For Sam", chat_id=sam.user_id)
    )
    await outbox.settle()
    assert (lea.texts(), sam.texts()) == ([], ["For Sam"])

    await outbox.settle(timedelta(seconds=2))
    assert lea.texts() == [f"Part 1 {SECRET}", "Part 2"]


async def test_a_refused_connection_is_retried_as_never_sent(
    outbox: Outbox, lea: TelegramUser, telegram: FakeTelegram
) -> None:
    await telegram.stop()
    await outbox.queue(text(f"Brief {SECRET}"))
    await outbox.settle()

    (row,) = await outbox.rows()
    assert (row.status, row.maybe_delivered, row.error) == (
        "pending",
        False,
        "NetworkError(ClientConnectorError)",
    )
    assert row.due_at == START + timedelta(seconds=2)


async def test_a_row_queued_without_a_wake_goes_within_a_minute(
    outbox: Outbox, lea: TelegramUser, telegram: FakeTelegram
) -> None:
    await outbox.queue(text(f"Queued elsewhere {SECRET}"))  # by another process, say
    outbox.clock.advance(timedelta(minutes=1))
    await telegram.wait_for_call("sendMessage")
    await outbox.settle()
    assert lea.texts() == [f"Queued elsewhere {SECRET}"]
    (row,) = await outbox.rows()
    assert row.status == "sent"


async def test_a_failing_producer_holds_nothing_back(
    outbox: Outbox, lea: TelegramUser, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(now: datetime) -> datetime | None:
        raise ValueError("a translation with a broken placeholder")

    await outbox.sender.stop()
    outbox.sender = Sender(
        outbox.bot, outbox.store, outbox.clock, outbox._on_unreachable, producers=[broken]
    )
    await outbox.sender.start()
    await outbox.queue(text("The brief"))
    await outbox.settle()
    assert lea.texts() == ["The brief"]
    assert "outbox producer failed error=ValueError" in caplog.text


@pytest.mark.sqlite_only  # on PostgreSQL, see README "Erasure on PostgreSQL"
async def test_a_sent_body_is_gone_from_the_database_and_its_wal(
    outbox: Outbox, lea: TelegramUser
) -> None:
    await outbox.queue(text(f"{SECRET} Canarybriefbody"))
    await outbox.settle()
    assert lea.last.text == f"{SECRET} Canarybriefbody"
    assert isinstance(outbox.db, SqliteDatabase), "a test of SQLite's files"
    path = outbox.db.path
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        assert not part.exists() or b"Canarybriefbody" not in part.read_bytes(), suffix


def test_the_outbox_spreads_its_sends_and_leaves_every_free_place_to_replies() -> None:
    from bot.core.request import Pace

    pace = Pace(per_second=8)  # one outbox send in each eighth of a second
    slice_ = timedelta(seconds=1) / 8
    assert pace.next_slot(START, outbox=True) == START
    pace.answered(pace.sent(START, outbox=True), START)
    assert pace.next_slot(START, outbox=True) == START + slice_, "spread over the second"
    for _ in range(7):
        assert pace.next_slot(START) == START, "replies take any free place"
        pace.answered(pace.sent(START), START)
    assert pace.next_slot(START) == START + timedelta(seconds=1), "eight in the second"
    later = START + timedelta(seconds=1)
    with pace.reply_waiting():
        assert pace.next_slot(later, outbox=True) > later, "a reply waits: it goes first"
        assert pace.next_slot(later) == later
    assert pace.next_slot(later, outbox=True) == later


def test_a_send_counts_from_its_answer() -> None:
    from bot.core.request import Pace

    pace = Pace(per_second=1)
    sending = pace.sent(START)
    late = START + timedelta(milliseconds=300)
    assert pace.next_slot(START + timedelta(seconds=2)) > START + timedelta(seconds=2), (
        "unanswered, it may still be on its way"
    )
    pace.answered(sending, late)
    assert pace.next_slot(START + timedelta(seconds=1)) == late + timedelta(seconds=1)


def test_one_chat_gets_about_one_outbox_message_a_second() -> None:
    from bot.core.request import CHAT_BURST, ChatPace

    chats = ChatPace()
    for _ in range(CHAT_BURST):  # a short burst is fine (a brief and its voice answers)
        assert chats.next_slot(1, START) == START
        chats.sent(1, START)
    assert chats.next_slot(1, START) == START + timedelta(seconds=CHAT_BURST)
    assert chats.next_slot(2, START) == START, "other chats are not held"
