"""The schema's history: an ordered list of migrations, each recorded by name once applied.

Add a migration by appending a function decorated with `@migration`; never edit one that has
shipped. Each runs in its own write transaction together with its record. A step is given the
transaction (`bot/core/db.py`); `db.engine` says which engine it runs on, where its SQL must
differ.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.db import Database, Transaction

log = logging.getLogger(__name__)

MigrationStep = Callable[["Transaction"], Awaitable[None]]
MIGRATIONS: list[tuple[str, MigrationStep]] = []


class SchemaTooNewError(Exception):
    """The database was written by a newer Escale than this one."""


def migration(step: MigrationStep) -> MigrationStep:
    """Register `step` as the next migration, under its function name."""
    MIGRATIONS.append((step.__name__, step))
    return step


async def _script(db: Transaction, statements: str) -> None:
    for statement in filter(None, (s.strip() for s in statements.split(";"))):
        await db.execute(statement)


@migration
async def m001_initial(db: Transaction) -> None:
    await _script(
        db,
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            display_name TEXT NOT NULL,
            language TEXT,
            telegram_language TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE workers (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
            invited_by INTEGER NOT NULL,
            joined_at TEXT NOT NULL
        );
        CREATE TABLE people (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            worker_id INTEGER NOT NULL REFERENCES workers(user_id),
            label TEXT,
            joined_at TEXT NOT NULL
        );
        CREATE INDEX people_by_worker ON people(worker_id);
        CREATE TABLE invitations (
            id INTEGER PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('worker', 'person')),
            created_by INTEGER NOT NULL,
            label TEXT,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            claimed_by INTEGER,
            used_by INTEGER,
            used_at TEXT
        );
        CREATE TABLE consents (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            text_version INTEGER NOT NULL,
            language TEXT NOT NULL,
            given_at TEXT NOT NULL
        );
        CREATE TABLE chat_menus (
            chat_id INTEGER PRIMARY KEY,
            signature TEXT NOT NULL
        )
        """,
    )


@migration
async def m002_preparations(db: Transaction) -> None:
    """Preparations and their answers, the person's allies, and the outbox of messages to send."""
    await _script(
        db,
        """
        ALTER TABLE users ADD COLUMN unreachable_since TEXT;
        CREATE TABLE preparations (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            worker_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            status TEXT NOT NULL CHECK (status IN ('open', 'sent', 'kept')),
            step TEXT,
            back_to_review INTEGER NOT NULL DEFAULT 0,
            paused INTEGER NOT NULL DEFAULT 0,
            scratch TEXT NOT NULL DEFAULT '{}',
            message_id INTEGER,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT,
            read_at TEXT
        );
        CREATE UNIQUE INDEX one_open_preparation ON preparations(person_id)
            WHERE status = 'open';
        CREATE INDEX preparations_by_person ON preparations(person_id, id);
        CREATE TABLE answers (
            preparation_id INTEGER NOT NULL REFERENCES preparations(id) ON DELETE CASCADE,
            step TEXT NOT NULL,
            skipped INTEGER NOT NULL DEFAULT 0,
            text TEXT,
            voice_file_id TEXT,
            voice_duration INTEGER,
            hidden INTEGER NOT NULL DEFAULT 0,
            answered_at TEXT NOT NULL,
            PRIMARY KEY (preparation_id, step)
        );
        CREATE TABLE allies (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            relation TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX allies_by_person ON allies(person_id);
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            purpose TEXT NOT NULL,
            preparation_id INTEGER REFERENCES preparations(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('text', 'voice')),
            body TEXT NOT NULL,
            caption TEXT,
            buttons TEXT,
            protect INTEGER NOT NULL DEFAULT 0,
            repeat_note TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'held', 'uncertain')),
            maybe_delivered INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            due_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            message_id INTEGER,
            error TEXT
        );
        CREATE INDEX outbox_due ON outbox(status, due_at);
        CREATE INDEX outbox_by_chat ON outbox(chat_id, status, id)
        """,
    )


@migration
async def m003_meetings(db: Transaction) -> None:
    """Meetings, the reminders before them, the workers' meeting-day lists, typed-input state."""
    await _script(
        db,
        """
        CREATE TABLE meetings (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('planned', 'cancelled')),
            set_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            reminders_off INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX meetings_by_person ON meetings(person_id, status, at);
        CREATE INDEX meetings_by_time ON meetings(status, at);
        ALTER TABLE preparations ADD COLUMN
            meeting_id INTEGER REFERENCES meetings(id) ON DELETE SET NULL;
        CREATE INDEX preparations_by_meeting ON preparations(meeting_id);
        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('invite', 'later')),
            due_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'dropped'))
        );
        CREATE INDEX reminders_due ON reminders(status, due_at);
        CREATE INDEX reminders_by_meeting ON reminders(meeting_id, status);
        CREATE TABLE day_summaries (
            worker_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            due_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'dropped')),
            PRIMARY KEY (worker_id, day)
        );
        CREATE INDEX day_summaries_due ON day_summaries(status, due_at);
        CREATE TABLE awaiting_date (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            person_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            proposed_at TEXT,
            created_at TEXT NOT NULL
        );
        ALTER TABLE outbox ADD COLUMN expires_at TEXT;
        ALTER TABLE outbox ADD COLUMN
            meeting_id INTEGER REFERENCES meetings(id) ON DELETE CASCADE;
        CREATE INDEX outbox_by_meeting ON outbox(meeting_id);
        ALTER TABLE outbox ADD COLUMN
            about_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
        CREATE INDEX outbox_about ON outbox(about_id)
        """,
    )


async def applied(db: Database) -> list[str]:
    """Names of the migrations recorded in `db`, in the order they ran."""
    async with db.transaction() as tx:
        return await _applied(tx)


async def _applied(tx: Transaction) -> list[str]:
    await tx.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    cursor = await tx.execute("SELECT name FROM migrations ORDER BY rowid")
    return [row[0] for row in await cursor.fetchall()]


async def upgrade(db: Database, upto: str | None = None) -> list[str]:
    """Apply the pending migrations (all, or up to and including `upto`); return their names."""
    done = await applied(db)
    known = [name for name, _ in MIGRATIONS]
    unknown = [name for name in done if name not in known]
    if unknown:
        raise SchemaTooNewError(
            f"{db.location} was written by a newer version of Escale (migration {unknown[-1]}); "
            "update Escale before using this database"
        )
    ran: list[str] = []
    for name, step in MIGRATIONS:
        if name not in done:
            async with db.transaction() as tx:
                await step(tx)
                await tx.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                    (name, datetime.now(UTC).isoformat()),
                )
            log.info("migration applied name=%s", name)
            ran.append(name)
        if name == upto:
            break
    return ran


# The invisible characters removed from names at input since m004 (bot/core/invisible.py), copied
# here so that this migration keeps doing what it did when it shipped.
_M004_INVISIBLE = re.compile(
    r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\U000e0000-\U000e007f]"
)


@migration
async def m004_hardening(db: Transaction) -> None:
    """One account, one role: a worker is never followed as a person (nor the reverse), held
    by triggers; names, labels and jokers stored before lose their invisible characters."""
    await db.execute(
        """CREATE TRIGGER people_are_not_workers BEFORE INSERT ON people
           WHEN EXISTS (SELECT 1 FROM workers WHERE user_id = NEW.user_id)
           BEGIN SELECT RAISE(ABORT, 'a worker cannot be followed as a person'); END"""
    )
    await db.execute(
        """CREATE TRIGGER workers_are_not_people BEFORE INSERT ON workers
           WHEN EXISTS (SELECT 1 FROM people WHERE user_id = NEW.user_id)
           BEGIN SELECT RAISE(ABORT, 'a person followed in Escale cannot be a worker'); END"""
    )
    for table, key, column in (
        ("users", "id", "display_name"),
        ("people", "user_id", "label"),
        ("invitations", "id", "label"),
        ("allies", "id", "name"),
    ):
        async with db.execute(f"SELECT {key}, {column} FROM {table}") as cursor:
            rows = list(await cursor.fetchall())
        for row_key, value in rows:
            if value is None:
                continue
            cleaned = " ".join(_M004_INVISIBLE.sub("", value).split()) or value
            if cleaned != value:
                await db.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (cleaned, row_key)
                )


@migration
async def m008_attendance(db: Transaction) -> None:
    """Whether the person said they are coming or cannot come, what they chose to add, the time
    they proposed instead; what a date being typed is for (a meeting date, a proposed time, a
    few words to the worker)."""
    await _script(
        db,
        """
        ALTER TABLE meetings ADD COLUMN
            attendance TEXT CHECK (attendance IN ('coming', 'cannot'));
        ALTER TABLE meetings ADD COLUMN attendance_at TEXT;
        ALTER TABLE meetings ADD COLUMN absence_note TEXT;
        ALTER TABLE meetings ADD COLUMN absence_voice TEXT;
        ALTER TABLE meetings ADD COLUMN proposed_at TEXT;
        ALTER TABLE awaiting_date ADD COLUMN
            purpose TEXT NOT NULL DEFAULT 'date' CHECK (purpose IN ('date', 'propose', 'note'));
        ALTER TABLE awaiting_date ADD COLUMN
            meeting_id INTEGER REFERENCES meetings(id) ON DELETE CASCADE
        """,
    )


@migration
async def m007_running_a_service(db: Transaction) -> None:
    """A person's last activity (retention counts from it) and when they were told their data
    nears its end; departures counted without anyone's id, for the coordinators' numbers."""
    await _script(
        db,
        """
        ALTER TABLE users ADD COLUMN last_active_at TEXT;
        ALTER TABLE users ADD COLUMN retention_warned_at TEXT;
        UPDATE users SET last_active_at = (
            SELECT MAX(p.joined_at, COALESCE(
                (SELECT MAX(updated_at) FROM preparations WHERE person_id = p.user_id), ''))
            FROM people p WHERE p.user_id = users.id)
        WHERE id IN (SELECT user_id FROM people);
        CREATE TABLE departures (
            month TEXT NOT NULL,
            worker_id INTEGER NOT NULL,
            reason TEXT NOT NULL CHECK (reason IN ('left', 'retention', 'moved')),
            count INTEGER NOT NULL,
            PRIMARY KEY (month, worker_id, reason)
        )
        """,
    )


@migration
async def m005_negotiation(db: Transaction) -> None:
    """The negotiation: a question kept to put into words together, the worker's topics and the
    person's answers, what was agreed after a meeting, and what a typed text is awaited for."""
    await _script(
        db,
        """
        ALTER TABLE answers ADD COLUMN together INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE topic_lists (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            worker_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            preparation_id INTEGER REFERENCES preparations(id) ON DELETE SET NULL,
            status TEXT NOT NULL CHECK (status IN ('draft', 'sent')),
            word TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX topic_lists_by_person ON topic_lists(person_id, id);
        CREATE INDEX topic_lists_by_worker ON topic_lists(worker_id, status);
        CREATE TABLE topics (
            id INTEGER PRIMARY KEY,
            list_id INTEGER NOT NULL REFERENCES topic_lists(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT,
            voice_file_id TEXT,
            reply TEXT CHECK (reply IN ('ok', 'not_now', 'comment')),
            comment TEXT,
            replied_at TEXT
        );
        CREATE INDEX topics_by_list ON topics(list_id, position);
        CREATE TABLE agreements (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            worker_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            meeting_id INTEGER REFERENCES meetings(id) ON DELETE SET NULL,
            preparation_id INTEGER REFERENCES preparations(id) ON DELETE SET NULL,
            status TEXT NOT NULL
                CHECK (status IN ('draft', 'proposed', 'accepted', 'rejected')),
            question TEXT,
            plan_b TEXT,
            changed_by_person INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            proposed_at TEXT,
            answered_at TEXT
        );
        CREATE INDEX agreements_by_person ON agreements(person_id, status, id);
        CREATE INDEX agreements_by_worker ON agreements(worker_id, status);
        CREATE UNIQUE INDEX one_agreement_per_meeting ON agreements(meeting_id)
            WHERE meeting_id IS NOT NULL;
        CREATE TABLE agreed_steps (
            id INTEGER PRIMARY KEY,
            agreement_id INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            what TEXT NOT NULL,
            who TEXT NOT NULL CHECK (who IN ('person', 'worker', 'ally')),
            ally_name TEXT,
            by_when TEXT
        );
        CREATE INDEX agreed_steps_by_agreement ON agreed_steps(agreement_id, position);
        ALTER TABLE meetings ADD COLUMN agreement_offered_at TEXT;
        UPDATE meetings SET agreement_offered_at = at
            WHERE at <= strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now');
        CREATE TABLE awaiting_text (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            purpose TEXT NOT NULL,
            target_id INTEGER NOT NULL,
            part TEXT,
            created_at TEXT NOT NULL
        );
        ALTER TABLE outbox ADD COLUMN agreement_id INTEGER
            REFERENCES agreements(id) ON DELETE CASCADE;
        ALTER TABLE outbox ADD COLUMN topic_list_id INTEGER
            REFERENCES topic_lists(id) ON DELETE CASCADE
        """,
    )


@migration
async def m006_attachments(db: Transaction) -> None:
    """A photo or a document can be part of an answer (a letter, a bill), and be sent to the
    worker with the brief: the outbox learns two more kinds of message."""
    await _script(
        db,
        """
        ALTER TABLE answers ADD COLUMN file_id TEXT;
        ALTER TABLE answers ADD COLUMN file_kind TEXT CHECK (file_kind IN ('photo', 'document'));
        ALTER TABLE answers ADD COLUMN file_name TEXT;
        """,
    )
    # SQLite cannot change a CHECK: rebuild the outbox from its own definition, whatever columns
    # later migrations gave it, with the same rows and indexes.
    async with db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
    ) as c:
        found = await c.fetchone()
    table = str(found[0]) if found else ""
    async with db.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'outbox' AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL"
    ) as c:
        extras = [row[0] for row in await c.fetchall()]
    old_check = "CHECK (kind IN ('text', 'voice'))"
    assert old_check in table, "the outbox kinds are the ones m002 wrote"
    rebuilt = table.replace(old_check, "CHECK (kind IN ('text', 'voice', 'photo', 'document'))")
    rebuilt = rebuilt.replace("CREATE TABLE outbox", "CREATE TABLE outbox_m006", 1)
    await db.execute(rebuilt)
    await db.execute("INSERT INTO outbox_m006 SELECT * FROM outbox")
    await db.execute("DROP TABLE outbox")
    await db.execute("ALTER TABLE outbox_m006 RENAME TO outbox")
    for sql in extras:
        await db.execute(sql)


@migration
async def m009_telegram_shapes(db: Transaction) -> None:
    """Where an answer came from (a forwarded message, one composed with another bot), and the
    last album seen in each chat, so an album gets one reply."""
    await _script(
        db,
        """
        ALTER TABLE answers ADD COLUMN
            origin TEXT CHECK (origin IN ('forwarded', 'via_bot'));
        CREATE TABLE albums (
            chat_id INTEGER PRIMARY KEY,
            media_group_id TEXT NOT NULL,
            seen_at TEXT NOT NULL
        )
        """,
    )


@migration
async def m011_notices(db: Transaction) -> None:
    """A message for another user can be queued as a notice — its kind and its data, written
    in words when it is sent — and the name of someone just erased is kept apart, so that it
    can be dropped the moment the notice has to wait. Rows queued before stay as they are and
    are sent as written; a held one naming an erased person loses the name now."""
    await _script(
        db,
        """
        ALTER TABLE outbox ADD COLUMN notice TEXT;
        ALTER TABLE outbox ADD COLUMN data TEXT;
        ALTER TABLE outbox ADD COLUMN erased_name TEXT;
        UPDATE outbox SET notice = 'retention_erased', data = '{}', body = '', repeat_note = ''
            WHERE purpose = 'erased' AND status = 'held'
        """,
    )


@migration
async def m014_instances(db: Transaction) -> None:
    """The updates already handled, by id alone (no content), for a day: with a webhook,
    Telegram posts an update again when its answer never came (an instance killed after the
    update's first commit), and the second post must change nothing."""
    await _script(
        db,
        """
        CREATE TABLE handled_updates (
            update_id INTEGER PRIMARY KEY,
            handled_at TEXT NOT NULL
        );
        CREATE INDEX handled_updates_by_time ON handled_updates(handled_at)
        """,
    )


@migration
async def m010_conversations(db: Transaction) -> None:
    """What each user was asked to type is one row (a meeting date, another time, a few words,
    a part of what was agreed, topics, a word, a comment): the newest question replaces the
    one before. The two tables it replaces could each hold one; the newer of the two is kept."""
    await _script(
        db,
        """
        CREATE TABLE conversations (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            purpose TEXT NOT NULL,
            since TEXT NOT NULL,
            person_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            meeting_id INTEGER REFERENCES meetings(id) ON DELETE CASCADE,
            target_id INTEGER,
            part TEXT,
            proposed_at TEXT
        );
        CREATE INDEX conversations_about ON conversations(person_id);
        INSERT INTO conversations (user_id, purpose, since, person_id, meeting_id, proposed_at)
            SELECT d.user_id, d.purpose, d.created_at, d.person_id, d.meeting_id, d.proposed_at
            FROM awaiting_date d
            WHERE NOT EXISTS (SELECT 1 FROM awaiting_text t
                              WHERE t.user_id = d.user_id AND t.created_at > d.created_at);
        INSERT INTO conversations (user_id, purpose, since, target_id, part)
            SELECT t.user_id, t.purpose, t.created_at, t.target_id, t.part
            FROM awaiting_text t
            WHERE NOT EXISTS (SELECT 1 FROM awaiting_date d
                              WHERE d.user_id = t.user_id AND d.created_at >= t.created_at);
        DROP TABLE awaiting_date;
        DROP TABLE awaiting_text
        """,
    )
