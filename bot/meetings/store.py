"""Meetings, the reminders that invite a person to prepare, and the workers' meeting-day lists.

A reminder is a row until it is due; then, in one transaction, it becomes a message in the
outbox (or is dropped because the meeting moved, passed or was prepared for). Never twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.core.db import Database, Row, Transaction
from bot.core.rows import from_db_time, maybe_time, one, to_db_time
from bot.general import conversation_store
from bot.outbox.store import Queued, enqueue


@dataclass(frozen=True)
class Meeting:
    id: int
    person_id: int
    at: datetime
    reminders_off: bool
    attendance: str | None = None  # 'coming' or 'cannot', as the person said; None if not said
    proposed_at: datetime | None = None  # another time the person proposed, once they cannot come
    has_note: bool = False  # the person added a few words (or a voice message) for their worker
    cancelled: bool = False

    @property
    def cannot_come(self) -> bool:
        return self.attendance == CANNOT

    @property
    def coming(self) -> bool:
        return self.attendance == COMING


COMING = "coming"
CANNOT = "cannot"


@dataclass(frozen=True)
class DueReminder:
    """A reminder come due, with what decides whether and how it is sent."""

    id: int
    meeting: Meeting
    planned: bool  # not cancelled
    person_language: str | None
    person_telegram_language: str | None
    unreachable: bool
    worker_name: str | None  # None unless the person's worker is there and active
    prepared: bool  # a preparation for this meeting was sent


@dataclass(frozen=True)
class DaySummary:
    worker_id: int
    day: date


@dataclass(frozen=True)
class DayMeeting:
    """One line of a worker's meeting-day list: who, when, whether they prepared, and what the
    person said about coming (or that the meeting is cancelled)."""

    person_name: str
    at: datetime
    prepared: bool
    attendance: str | None = None
    proposed_at: datetime | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Schedule:
    """The reminders and meeting-day list that go with a meeting's time."""

    invitations: Sequence[datetime]
    worker_id: int
    day: date
    summary_at: datetime | None  # None when that day's list time has already passed


def _meeting(row: Row) -> Meeting:
    return Meeting(
        id=row["id"],
        person_id=row["person_id"],
        at=from_db_time(row["at"]),
        reminders_off=bool(row["reminders_off"]),
        attendance=row["attendance"],
        proposed_at=maybe_time(row["proposed_at"]),
        has_note=row["absence_note"] is not None or row["absence_voice"] is not None,
        cancelled=row["status"] == "cancelled",
    )


_PREPARED = """EXISTS (SELECT 1 FROM preparations pr
                       WHERE pr.meeting_id = m.id AND pr.status = 'sent')"""


class MeetingStore:
    """The SQL of meetings and reminders; each method is one transaction or one read."""

    def __init__(self, db: Database):
        self.db = db

    async def next_for(self, person_id: int, now: datetime) -> Meeting | None:
        """The person's next planned meeting still ahead."""
        row = await self.db.fetchone(
            """SELECT * FROM meetings WHERE person_id = ? AND status = 'planned' AND at > ?
               ORDER BY at LIMIT 1""",
            (person_id, to_db_time(now)),
        )
        return None if row is None else _meeting(row)

    async def get(self, meeting_id: int, now: datetime) -> Meeting | None:
        """A planned meeting still ahead (an old button must not act on a past one)."""
        row = await self.db.fetchone(
            "SELECT * FROM meetings WHERE id = ? AND status = 'planned' AND at > ?",
            (meeting_id, to_db_time(now)),
        )
        return None if row is None else _meeting(row)

    async def planned(self, meeting_id: int) -> Meeting | None:
        """A planned meeting, even one whose time has passed (a time proposed instead of it
        can still be confirmed)."""
        row = await self.db.fetchone(
            "SELECT * FROM meetings WHERE id = ? AND status = 'planned'", (meeting_id,)
        )
        return None if row is None else _meeting(row)

    async def absence(self, meeting_id: int) -> tuple[str | None, str | None]:
        """The few words and the voice message the person added to their "I cannot come"."""
        row = await self.db.fetchone(
            "SELECT absence_note, absence_voice FROM meetings WHERE id = ?", (meeting_id,)
        )
        return (None, None) if row is None else (row["absence_note"], row["absence_voice"])

    async def prepared_for(self, meeting_id: int) -> bool:
        """Whether a preparation for this meeting was sent (its invitations are then done)."""
        row = await self.db.fetchone(
            f"SELECT {_PREPARED} AS prepared FROM meetings m WHERE m.id = ?", (meeting_id,)
        )
        return row is not None and bool(row["prepared"])

    async def set(
        self,
        person_id: int,
        at: datetime,
        *,
        by: int,
        move: bool,
        schedule: Schedule,
        notices: Sequence[Queued],
        now: datetime,
        addendum: Queued | None = None,
    ) -> tuple[Meeting, datetime | None] | None:
        """Set the person's next meeting, or move the one ahead if `move` (otherwise refuse:
        None). Its reminders are planned anew, what was queued for the old time withdrawn,
        what the person said about coming to the old time cleared, `notices` queued and the
        date `by` was typing settled, all in one transaction; `addendum` too, if the worker's
        list for the meeting's day has already gone out. Returns the meeting and the time it
        had before, if it moved."""
        async with self.db.transaction() as tx:
            current = await one(
                tx,
                """SELECT * FROM meetings WHERE person_id = ? AND status = 'planned' AND at > ?
                   ORDER BY at LIMIT 1""",
                (person_id, to_db_time(now)),
            )
            if current is not None and not move:
                return None
            if current is None:
                row = await one(
                    tx,
                    """INSERT INTO meetings (person_id, at, status, set_by, created_at,
                                             updated_at)
                       VALUES (?, ?, 'planned', ?, ?, ?) RETURNING *""",
                    (person_id, to_db_time(at), by, to_db_time(now), to_db_time(now)),
                )
            else:
                row = await one(
                    tx,
                    """UPDATE meetings SET at = ?, set_by = ?, reminders_off = 0, updated_at = ?,
                           attendance = NULL, attendance_at = NULL, absence_note = NULL,
                           absence_voice = NULL, proposed_at = NULL
                       WHERE id = ? RETURNING *""",
                    (to_db_time(at), by, to_db_time(now), current["id"]),
                )
            assert row is not None
            meeting = _meeting(row)
            await withdraw_reminders(tx, meeting.id)
            await tx.executemany(
                """INSERT INTO reminders (meeting_id, kind, due_at, status)
                   VALUES (?, 'invite', ?, 'pending')""",
                [(meeting.id, to_db_time(due)) for due in schedule.invitations],
            )
            if schedule.summary_at is not None:
                await tx.execute(
                    """INSERT INTO day_summaries (worker_id, day, due_at, status)
                       VALUES (?, ?, ?, 'pending') ON CONFLICT DO NOTHING""",
                    (
                        schedule.worker_id,
                        schedule.day.isoformat(),
                        to_db_time(schedule.summary_at),
                    ),
                )
            await enqueue(tx, notices, purpose="meeting", now=now, about=person_id)
            if addendum is not None and await one(
                tx,
                """SELECT 1 FROM day_summaries
                   WHERE worker_id = ? AND day = ? AND status = 'queued'""",
                (schedule.worker_id, schedule.day.isoformat()),
            ):
                await enqueue(tx, [addendum], purpose="day_summary", now=now, about=person_id)
            await conversation_store.end(tx, by, conversation_store.DATES)
        return meeting, None if current is None else from_db_time(current["at"])

    async def attend(
        self,
        meeting_id: int,
        person_id: int,
        attendance: str,
        *,
        invitations: Sequence[datetime],
        notices: Sequence[Queued],
        now: datetime,
    ) -> tuple[Meeting, bool] | None:
        """The person says they are coming, or cannot come, to a meeting still ahead. Cannot
        come: its invitations are withdrawn. Coming after all: `invitations` are planned again.
        Returns the meeting and whether this changed what they had said (nothing is queued
        when it did not); None when the meeting is not theirs, not planned or past."""
        async with self.db.transaction() as tx:
            before = await one(
                tx,
                """SELECT * FROM meetings
                   WHERE id = ? AND person_id = ? AND status = 'planned' AND at > ?""",
                (meeting_id, person_id, to_db_time(now)),
            )
            if before is None:
                return None
            if before["attendance"] == attendance:
                return _meeting(before), False
            row = await one(
                tx,
                """UPDATE meetings SET attendance = ?, attendance_at = ?, updated_at = ?
                   WHERE id = ? RETURNING *""",
                (attendance, to_db_time(now), to_db_time(now), meeting_id),
            )
            assert row is not None
            await conversation_store.end(tx, person_id, ("propose", "note"))
            if attendance == CANNOT:
                await withdraw_reminders(tx, meeting_id)
            elif before["attendance"] == CANNOT:
                await tx.execute(
                    """UPDATE meetings SET absence_note = NULL, absence_voice = NULL,
                           proposed_at = NULL
                       WHERE id = ?""",
                    (meeting_id,),
                )
                row = await one(tx, "SELECT * FROM meetings WHERE id = ?", (meeting_id,))
                assert row is not None
                if not row["reminders_off"]:
                    await tx.executemany(
                        """INSERT INTO reminders (meeting_id, kind, due_at, status)
                           VALUES (?, 'invite', ?, 'pending')""",
                        [(meeting_id, to_db_time(due)) for due in invitations],
                    )
            await enqueue(tx, notices, purpose="meeting", now=now, about=person_id)
            return _meeting(row), True

    async def add_absence_note(
        self,
        meeting_id: int,
        person_id: int,
        *,
        text: str | None,
        voice_file_id: str | None,
        notices: Sequence[Queued],
        now: datetime,
    ) -> Meeting | None:
        """The few words (or the voice message) the person chose to add to their "I cannot
        come"; what they add replaces what they added before."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE meetings SET absence_note = ?, absence_voice = ?, updated_at = ?
                   WHERE id = ? AND person_id = ? AND status = 'planned' AND attendance = ?
                   RETURNING *""",
                (text, voice_file_id, to_db_time(now), meeting_id, person_id, CANNOT),
            )
            await conversation_store.end(tx, person_id, conversation_store.DATES)
            if row is None:
                return None
            await enqueue(tx, notices, purpose="meeting", now=now, about=person_id)
            return _meeting(row)

    async def propose_time(
        self,
        meeting_id: int,
        person_id: int,
        at: datetime,
        notices: Sequence[Queued],
        now: datetime,
    ) -> Meeting | None:
        """Another time the person proposes for a meeting they cannot come to."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE meetings SET proposed_at = ?, updated_at = ?
                   WHERE id = ? AND person_id = ? AND status = 'planned' AND attendance = ?
                   RETURNING *""",
                (to_db_time(at), to_db_time(now), meeting_id, person_id, CANNOT),
            )
            await conversation_store.end(tx, person_id, conversation_store.DATES)
            if row is None:
                return None
            await enqueue(tx, notices, purpose="meeting", now=now, about=person_id)
            return _meeting(row)

    async def cancel(
        self, meeting_id: int, person_id: int, notices: Sequence[Queued], now: datetime
    ) -> bool:
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE meetings SET status = 'cancelled', updated_at = ?
                   WHERE id = ? AND person_id = ? AND status = 'planned' AND at > ?
                   RETURNING id""",
                (to_db_time(now), meeting_id, person_id, to_db_time(now)),
            )
            if row is None:
                return False
            await withdraw_reminders(tx, meeting_id)
            await enqueue(tx, notices, purpose="meeting", now=now, about=person_id)
            return True

    async def stop_reminders(self, meeting_id: int, person_id: int) -> bool:
        """*Not this time*: no more invitations for this meeting."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE meetings SET reminders_off = 1
                   WHERE id = ? AND person_id = ? AND status = 'planned' RETURNING id""",
                (meeting_id, person_id),
            )
            if row is None:
                return False
            await withdraw_reminders(tx, meeting_id)
            return True

    async def remind_again(
        self, meeting_id: int, person_id: int, due_at: datetime, now: datetime
    ) -> bool:
        """*Later*: the next invitation at `due_at` (none sooner), if the meeting is still
        ahead of it."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                f"""UPDATE meetings AS m SET reminders_off = 0
                    WHERE id = ? AND person_id = ? AND status = 'planned' AND at > ?
                      AND COALESCE(attendance, '') <> 'cannot' AND NOT {_PREPARED} RETURNING id""",
                (meeting_id, person_id, to_db_time(due_at)),
            )
            if row is None:
                return False
            await tx.execute(
                """UPDATE reminders SET status = 'dropped'
                   WHERE meeting_id = ? AND status = 'pending'
                     AND (kind = 'later' OR due_at < ?)""",
                (meeting_id, to_db_time(due_at)),
            )
            await tx.execute(
                """INSERT INTO reminders (meeting_id, kind, due_at, status)
                   VALUES (?, 'later', ?, 'pending')""",
                (meeting_id, to_db_time(due_at)),
            )
            return True

    # -- the scheduler's side ------------------------------------------------------------------

    async def next_due(self) -> datetime | None:
        """When the earliest pending reminder or meeting-day list comes due."""
        row = await self.db.fetchone(
            """SELECT MIN(due_at) FROM (
                   SELECT MIN(due_at) AS due_at FROM reminders WHERE status = 'pending'
                   UNION ALL
                   SELECT MIN(due_at) FROM day_summaries WHERE status = 'pending') AS due"""
        )
        return maybe_time(row[0] if row else None)

    async def due_reminders(self, now: datetime, limit: int) -> list[DueReminder]:
        rows = await self.db.fetchall(
            f"""SELECT r.id AS reminder_id, m.*, u.language, u.telegram_language,
                       u.unreachable_since,
                       CASE WHEN ws.status = 'active' THEN w.display_name END AS worker_name,
                       {_PREPARED} AS prepared
                FROM reminders r
                JOIN meetings m ON m.id = r.meeting_id
                JOIN users u ON u.id = m.person_id
                LEFT JOIN people p ON p.user_id = m.person_id
                LEFT JOIN users w ON w.id = p.worker_id
                LEFT JOIN workers ws ON ws.user_id = p.worker_id
                WHERE r.status = 'pending' AND r.due_at <= ?
                ORDER BY r.due_at, r.id LIMIT ?""",
            (to_db_time(now), limit),
        )
        return [
            DueReminder(
                id=row["reminder_id"],
                meeting=_meeting(row),
                planned=row["status"] == "planned",
                person_language=row["language"],
                person_telegram_language=row["telegram_language"],
                unreachable=row["unreachable_since"] is not None,
                worker_name=row["worker_name"],
                prepared=bool(row["prepared"]),
            )
            for row in rows
        ]

    async def settle_reminders(
        self, sent: Sequence[tuple[DueReminder, Queued]], dropped: Sequence[int], now: datetime
    ) -> int:
        """Queue each reminder's message and drop the others, in one transaction; a reminder
        no longer pending is left alone. Returns how many were queued."""
        queued = 0
        async with self.db.transaction() as tx:
            for reminder, message in sent:
                reminder_id, meeting_id = reminder.id, reminder.meeting.id
                meeting_at = reminder.meeting.at
                row = await one(
                    tx,
                    """UPDATE reminders SET status = 'queued'
                       WHERE id = ? AND status = 'pending' RETURNING id""",
                    (reminder_id,),
                )
                if row is not None:
                    await enqueue(
                        tx,
                        [message],
                        purpose="reminder",
                        now=now,
                        meeting_id=meeting_id,
                        expires_at=meeting_at,
                    )
                    queued += 1
            await tx.executemany(
                "UPDATE reminders SET status = 'dropped' WHERE id = ? AND status = 'pending'",
                [(reminder_id,) for reminder_id in dropped],
            )
        return queued

    async def due_summaries(self, now: datetime) -> list[DaySummary]:
        rows = await self.db.fetchall(
            """SELECT worker_id, day FROM day_summaries
               WHERE status = 'pending' AND due_at <= ? ORDER BY due_at""",
            (to_db_time(now),),
        )
        return [DaySummary(row["worker_id"], date.fromisoformat(row["day"])) for row in rows]

    async def meetings_of_worker(
        self, worker_id: int, start: datetime, end: datetime
    ) -> list[DayMeeting]:
        """The meetings between `start` and `end` of the people `worker_id` follows, planned or
        cancelled."""
        rows = await self.db.fetchall(
            f"""SELECT COALESCE(p.label, u.display_name) AS name, m.at, m.status, m.attendance,
                       m.proposed_at, {_PREPARED} AS prepared
                FROM meetings m
                JOIN people p ON p.user_id = m.person_id
                JOIN users u ON u.id = m.person_id
                WHERE p.worker_id = ? AND m.status IN ('planned', 'cancelled')
                  AND m.at >= ? AND m.at < ?
                ORDER BY m.at, name""",
            (worker_id, to_db_time(start), to_db_time(end)),
        )
        return [
            DayMeeting(
                row["name"],
                from_db_time(row["at"]),
                bool(row["prepared"]),
                attendance=row["attendance"],
                proposed_at=maybe_time(row["proposed_at"]),
                cancelled=row["status"] == "cancelled",
            )
            for row in rows
        ]

    async def settle_summary(
        self, summary: DaySummary, message: Queued | None, now: datetime
    ) -> None:
        """Queue the worker's list for the day, or drop it when there is nothing to list."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE day_summaries SET status = ?
                   WHERE worker_id = ? AND day = ? AND status = 'pending' RETURNING worker_id""",
                ("queued" if message else "dropped", summary.worker_id, summary.day.isoformat()),
            )
            if row is not None and message is not None:
                await enqueue(tx, [message], purpose="day_summary", now=now)

    async def export(self, person_id: int) -> dict[str, Any]:
        """The person's meetings and the reminders planned for them, for /mydata."""
        meetings = await self.db.fetchall(
            """SELECT id, at, status, attendance, attendance_at, absence_note,
                      CASE WHEN absence_voice IS NULL THEN 0 ELSE 1 END AS absence_voice_message,
                      proposed_at, created_at, updated_at
               FROM meetings WHERE person_id = ? ORDER BY at""",
            (person_id,),
        )
        reminders = await self.db.fetchall(
            """SELECT r.meeting_id, r.kind, r.due_at, r.status FROM reminders r
               JOIN meetings m ON m.id = r.meeting_id WHERE m.person_id = ? ORDER BY r.due_at""",
            (person_id,),
        )
        return {
            "meetings": [dict(m) for m in meetings],
            "reminders": [dict(r) for r in reminders],
        }


async def withdraw_reminders(tx: Transaction, meeting_id: int) -> None:
    """The meeting moved, was cancelled, declined or prepared for: its pending reminders are
    dropped, and an invitation already queued but not sent is withdrawn."""
    await tx.execute(
        "UPDATE reminders SET status = 'dropped' WHERE meeting_id = ? AND status = 'pending'",
        (meeting_id,),
    )
    await tx.execute(
        """UPDATE outbox SET status = 'failed', error = 'withdrawn'
           WHERE meeting_id = ? AND purpose = 'reminder' AND status IN ('pending', 'held')""",
        (meeting_id,),
    )
