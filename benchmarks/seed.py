"""A burst of reminders written straight into Escale's database, for the test and the benchmark.

One worker follows `count` people; each person has one planned meeting and one pending
'invite' reminder, all due at the same moment. The fake Telegram is told each person's private
chat exists, as if they had written to the bot before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.db import Database
from bot.core.rows import to_db_time
from tests.fake_telegram import FakeTelegram

WORKER_ID = 10_000_000
FIRST_PERSON_ID = WORKER_ID + 1  # far from the tests' admin and users, whatever the count
WORKER_NAME = "Alice Martin"
MEETING_AHEAD = timedelta(days=2)


@dataclass(frozen=True)
class Burst:
    """What was seeded: who should get one invitation each, and when."""

    worker_id: int
    person_ids: list[int]
    due_at: datetime
    meeting_at: datetime


async def seed_burst(
    db: Database, telegram: FakeTelegram, count: int, due_at: datetime, *, invited_by: int
) -> Burst:
    """Write the worker, `count` people, their meetings and reminders in one transaction."""
    if count < 1:
        raise ValueError("count must be at least 1")
    meeting_at = due_at + MEETING_AHEAD
    person_ids = list(range(FIRST_PERSON_ID, FIRST_PERSON_ID + count))
    created = to_db_time(due_at - timedelta(days=30))
    at, due = to_db_time(meeting_at), to_db_time(due_at)
    async with db.transaction() as tx:
        await tx.execute(
            """INSERT INTO users (id, display_name, language, telegram_language, created_at)
               VALUES (?, ?, 'fr', 'fr', ?)""",
            (WORKER_ID, WORKER_NAME, created),
        )
        await tx.execute(
            """INSERT INTO workers (user_id, status, invited_by, joined_at)
               VALUES (?, 'active', ?, ?)""",
            (WORKER_ID, invited_by, created),
        )
        await tx.executemany(
            """INSERT INTO users (id, display_name, language, telegram_language, created_at)
               VALUES (?, ?, NULL, 'fr', ?)""",
            [(person, f"Person {person - WORKER_ID}", created) for person in person_ids],
        )
        await tx.executemany(
            "INSERT INTO people (user_id, worker_id, label, joined_at) VALUES (?, ?, NULL, ?)",
            [(person, WORKER_ID, created) for person in person_ids],
        )
        await tx.executemany(
            """INSERT INTO meetings (person_id, at, status, set_by, created_at, updated_at)
               VALUES (?, ?, 'planned', ?, ?, ?)""",
            [(person, at, WORKER_ID, created, created) for person in person_ids],
        )
        await tx.execute(
            """INSERT INTO reminders (meeting_id, kind, due_at, status)
               SELECT id, 'invite', ?, 'pending' FROM meetings
               WHERE person_id BETWEEN ? AND ?""",
            (due, person_ids[0], person_ids[-1]),
        )
    for person in person_ids:
        telegram.add_private_chat(person, f"Person {person - WORKER_ID}")
    return Burst(WORKER_ID, person_ids, due_at, meeting_at)
