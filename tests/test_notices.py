"""Notices to another user: queued as a kind and its data, written when the outbox sends them.

So a notice speaks the recipient's language of the moment it goes out, names nobody erased
while it waited, and keeps on disk no name of someone erased (the one it had to carry is
dropped the moment the notice has to wait). Rows queued before notices existed are sent as
they were written.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core import migrations
from bot.core.config import Settings
from bot.core.engines import open_database
from bot.core.notices import NoticeKind
from bot.core.rows import to_db_time
from bot.outbox.notices import RENDERERS
from bot.outbox.store import Notice, OutboxStore, Outgoing, enqueue
from bot.service.retention_store import RetentionStore
from tests.conftest import Escale, running_escale
from tests.engines import postgres_pages
from tests.fake_telegram import FakeTelegram
from tests.journeys import make_person, make_worker
from tests.test_meetings import advance_to, invitations, pair, set_meeting, utc

CANARY = "Zorglub-canary-5678"
SATURDAY_3PM = utc(2026, 11, 28, 14, 0)
FIRST_INVITATION = utc(2026, 11, 26, 14, 0)


async def on_disk(settings: Settings, needle: str) -> list[str]:
    """Where the database still holds `needle`: SQLite's files, or PostgreSQL's pages."""
    if settings.database_url:
        return ["pages"] if needle.encode() in await postgres_pages(settings.database_url) else []
    return _in_files(settings.database_path, needle)


def _in_files(database: Path, needle: str) -> list[str]:
    found = []
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{database}{suffix}")
        if path.exists() and needle.encode() in path.read_bytes():
            found.append(suffix or "main")
    return found


def test_every_kind_of_notice_can_be_written() -> None:
    assert set(RENDERERS) == set(NoticeKind)


async def test_a_notice_is_written_in_the_language_its_reader_has_when_it_goes(
    escale: Escale,
) -> None:
    worker, person = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    await advance_to(escale, FIRST_INVITATION)
    worker.block()
    await person.press("✖ I can't come")
    await escale.deliveries()  # refused: held until the worker writes again
    held = await escale.db.fetchone(
        "SELECT status, notice, body FROM outbox WHERE notice = ?", ("cannot_come",)
    )
    assert held is not None and tuple(held) == ("held", "cannot_come", "")
    async with escale.db.transaction() as tx:  # the worker's language changed meanwhile
        await tx.execute("UPDATE users SET language = 'fr' WHERE id = ?", (worker.user_id,))

    worker.unblock()
    await worker.send("/help")
    await escale.deliveries()
    (told,) = [m for m in worker.messages if m.text.startswith("Léa ne peut pas venir")]
    assert told.text.startswith("Léa ne peut pas venir au rendez-vous du samedi 28 novembre")
    assert worker.buttons(told) == ["📅 Fixer une autre date", "✖ Annuler le rendez-vous"]


async def test_a_day_list_waiting_for_its_worker_names_nobody_erased_meanwhile(
    escale: Escale,
) -> None:
    worker = await make_worker(escale, "Alice", "en-GB")
    person = await make_person(escale, worker, CANARY, CANARY, "en-GB")
    other = await make_person(escale, worker, "Bob", "Bob", "en-GB")
    await set_meeting(escale, worker, "saturday 3pm", name=CANARY)
    await set_meeting(escale, worker, "saturday 4pm", name="Bob")
    worker.block()
    await advance_to(escale, SATURDAY_3PM - timedelta(hours=5))  # the day's list is held
    held = await escale.db.fetchone(
        "SELECT status FROM outbox WHERE chat_id = ? AND purpose = 'day_summary'",
        (worker.user_id,),
    )
    assert held is not None and held["status"] == "held"

    await person.send("/forget")
    await person.press("Yes, erase everything")
    assert await escale.repo.account(person.user_id) is None
    assert await on_disk(escale.settings, CANARY) == [], "no queued row names them"

    worker.unblock()
    await worker.send("/help")
    await escale.deliveries()
    (day_list,) = [text for text in worker.texts() if text.startswith("Your meetings today")]
    assert "Bob" in day_list and CANARY not in day_list
    assert invitations(other), "Bob was invited as usual"


async def test_a_retention_notice_held_for_a_worker_who_blocked_escale_loses_the_name(
    escale: Escale,
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, CANARY, CANARY, "en")
    escale.clock.advance(timedelta(days=703))
    await escale.deliveries()  # the person is told a month ahead
    worker.block()
    escale.clock.advance(timedelta(days=31))
    await escale.deliveries()  # erased; the worker's notice is refused, and held
    assert await escale.repo.account(person.user_id) is None
    row = await escale.db.fetchone(
        "SELECT status, erased_name FROM outbox WHERE notice = 'retention_erased'"
    )
    assert row is not None and tuple(row) == ("held", None)
    assert await on_disk(escale.settings, CANARY) == []

    escale.clock.advance(timedelta(hours=2))  # the next sweep keeps it for the worker
    await escale.deliveries()
    worker.unblock()
    await worker.send("/help")
    await escale.deliveries()
    told = [text for text in worker.texts() if "keeping period" in text]
    assert told == [
        "The data of a person you accompanied reached the end of its keeping period. "
        "Escale erased it. This person is no longer in your list."
    ]


async def test_rows_queued_before_notices_are_sent_as_written(tmp_path: Path) -> None:
    path = tmp_path / "escale.sqlite3"
    names = [name for name, _ in migrations.MIGRATIONS]
    before = names[names.index("m011_notices") - 1]
    old_db = await open_database(path, upto=before)
    try:
        async with old_db.transaction() as tx:
            for purpose, body, status in [
                ("meeting", "<b>Old</b> words", "pending"),
                ("erased", f"The data of {CANARY} reached…", "held"),
            ]:
                await tx.execute(
                    """INSERT INTO outbox (chat_id, purpose, kind, body, repeat_note, status,
                                           due_at, created_at)
                       VALUES (7, ?, 'text', ?, 'Maybe twice', ?, '2026-11-25T09:00:00+00:00',
                               '2026-11-25T09:00:00+00:00')""",
                    (purpose, body, status),
                )
    finally:
        await old_db.close()
    db = await open_database(path)
    try:
        store = OutboxStore(db)
        old, erased = await store.get(1), await store.get(2)
        assert old is not None and erased is not None
        assert (old.notice, old.body, old.repeat_note) == (None, "<b>Old</b> words", "Maybe twice")
        assert (erased.notice, erased.body, erased.erased_name) == ("retention_erased", "", None)
        assert [row.id for row in await store.due(utc(2026, 11, 25, 10))] == [1]
    finally:
        await db.close()


async def test_a_notice_written_before_notices_and_held_after_loses_the_name(
    tmp_path: Path,
) -> None:
    """A row naming someone erased, queued (in words) before m011 and still on its way then,
    is refused later (its worker blocked Escale): the next sweep keeps no name of it on disk,
    and the worker is still told, without the name, once they can be reached."""
    path = tmp_path / "escale.sqlite3"
    names = [name for name, _ in migrations.MIGRATIONS]
    old_db = await open_database(path, upto=names[names.index("m011_notices") - 1])
    try:
        async with old_db.transaction() as tx:
            await tx.execute(
                """INSERT INTO outbox (chat_id, purpose, kind, body, repeat_note, status,
                                       due_at, created_at)
                   VALUES (7, 'erased', 'text', ?, 'Maybe twice', 'pending',
                           '2026-11-25T09:00:00+00:00', '2026-11-25T09:00:00+00:00')""",
                (f"The data of {CANARY} reached the end of its keeping period.",),
            )
    finally:
        await old_db.close()
    db = await open_database(path)
    try:
        store = OutboxStore(db)
        now = utc(2026, 11, 25, 10)
        assert await store.begin_attempt(1) is not None
        await store.hold_chat(7, now)  # 403: the worker blocked Escale
        await RetentionStore(db).sweep(now, now - timedelta(days=730))
        held = await store.get(1)
        assert held is not None and held.status == "held", "kept for the worker"
        assert CANARY not in held.body
        assert (held.notice, held.data, held.erased_name) == ("retention_erased", {}, None)
        await db.scrub()
        assert _in_files(path, CANARY) == []
    finally:
        await db.close()


async def test_a_notice_with_nothing_left_to_say_is_dropped_and_one_unknown_fails_alone(
    telegram: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The unknown kind is logged as an error (its row fails alone), and only that."""
    async with running_escale(
        telegram, settings, caplog, expected_errors=("outbox notice not written",)
    ) as escale:
        worker = await make_worker(escale, "Alice", "en")
        now = escale.clock.now()
        async with escale.db.transaction() as tx:
            gone = Notice(worker.user_id, NoticeKind.MEETING_GIVEN, {"person": 424242, "at": "x"})
            await enqueue(tx, [gone], purpose="meeting", now=now)
            await tx.execute(  # a kind this Escale does not know (a newer one queued it)
                """INSERT INTO outbox (chat_id, purpose, kind, body, repeat_note, notice, data,
                                status, due_at, created_at)
                VALUES (?, 'meeting', 'text', '', '', 'from_the_future', '{}', 'pending', ?, ?)""",
                (worker.user_id, to_db_time(now), to_db_time(now)),
            )
            await enqueue(
                tx, [Outgoing(worker.user_id, "text", "Still here", "")], purpose="x", now=now
            )
        seen = len(worker.messages)
        await escale.deliveries()
        assert worker.texts()[seen:] == ["Still here"], "the others go out as usual"
        rows = await escale.db.fetchall(
            "SELECT status, error, data FROM outbox WHERE chat_id = ? ORDER BY id DESC LIMIT 3",
            (worker.user_id,),
        )
        assert [tuple(row) for row in rows] == [
            ("sent", None, None),
            ("failed", "unwritten:ValueError", None),
            ("failed", "obsolete", None),
        ]


async def test_a_day_list_that_waited_past_its_day_is_not_sent(escale: Escale) -> None:
    worker, _ = await pair(escale)
    await set_meeting(escale, worker, "saturday 3pm")
    worker.block()
    await advance_to(escale, SATURDAY_3PM - timedelta(hours=5))  # the list is held
    await advance_to(escale, SATURDAY_3PM + timedelta(days=1))  # Sunday
    worker.unblock()
    await worker.send("/help")
    await escale.deliveries()
    assert not any(text.startswith("Your meetings today") for text in worker.texts())
    row = await escale.db.fetchone(
        "SELECT status, error FROM outbox WHERE notice = 'day_list'",
    )
    assert row is not None and tuple(row) == ("failed", "obsolete")
