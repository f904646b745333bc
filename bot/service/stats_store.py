"""Counts for the coordinators: how many, per worker and per month; never a word anyone wrote."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.db import Database
from bot.core.rows import from_db_time, to_db_time

# Each query yields (month, worker_id) rows to count; months are UTC, `YYYY-MM`.
_COUNTS = {
    "joined": "SELECT substr(joined_at, 1, 7), worker_id FROM people",
    "left": """SELECT month, worker_id, count FROM departures
               WHERE reason IN ('left', 'retention')""",
    "moved": "SELECT month, worker_id, count FROM departures WHERE reason = 'moved'",
    "started": """SELECT substr(p.started_at, 1, 7), COALESCE(p.worker_id, pe.worker_id)
                  FROM preparations p LEFT JOIN people pe ON pe.user_id = p.person_id""",
    "sent": """SELECT substr(finished_at, 1, 7), worker_id FROM preparations
               WHERE status = 'sent'""",
    "read": """SELECT substr(read_at, 1, 7), worker_id FROM preparations
               WHERE status = 'sent' AND read_at IS NOT NULL""",
    "kept": """SELECT substr(p.finished_at, 1, 7), COALESCE(p.worker_id, pe.worker_id)
               FROM preparations p LEFT JOIN people pe ON pe.user_id = p.person_id
               WHERE p.status = 'kept'""",
    "reminders": """SELECT substr(r.due_at, 1, 7), pe.worker_id FROM reminders r
                    JOIN meetings m ON m.id = r.meeting_id
                    JOIN people pe ON pe.user_id = m.person_id
                    WHERE r.status = 'queued'""",
    "meetings": """SELECT substr(m.at, 1, 7), pe.worker_id FROM meetings m
                   JOIN people pe ON pe.user_id = m.person_id
                   WHERE m.status = 'planned' AND m.at <= ?""",
    "prepared": """SELECT substr(m.at, 1, 7), pe.worker_id FROM meetings m
                   JOIN people pe ON pe.user_id = m.person_id
                   WHERE m.status = 'planned' AND m.at <= ? AND EXISTS
                         (SELECT 1 FROM preparations p
                          WHERE p.meeting_id = m.id AND p.status = 'sent')""",
}

# A sent preparation and the first invitation to prepare its meeting, for the delay between.
_DELAYS = """SELECT p.finished_at, p.worker_id, MIN(r.due_at) AS invited
             FROM preparations p
             JOIN reminders r ON r.meeting_id = p.meeting_id AND r.status = 'queued'
             WHERE p.status = 'sent'
             GROUP BY p.id"""
# (A correlated MIN() here let SQLite walk the reminders_due index for every preparation:
# a minute for 20,000 of them. The join and GROUP BY use reminders_by_meeting.)


@dataclass(frozen=True)
class Counts:
    """`counts[metric][(month, worker_id)]`; `delays` in hours by (month, worker_id)."""

    counts: dict[str, Counter[tuple[str, int | None]]]
    delays: dict[tuple[str, int | None], list[float]] = field(default_factory=dict)
    followed: dict[int, int] = field(default_factory=dict)

    def get(self, metric: str, month: str, worker_id: int | None = None) -> int:
        """One worker's count, or the service's (None)."""
        found = self.counts.get(metric, Counter())
        if worker_id is not None:
            return found[(month, worker_id)]
        return sum(n for (m, _), n in found.items() if m == month)

    def delays_of(self, month: str, worker_id: int | None = None) -> list[float]:
        if worker_id is not None:
            return self.delays.get((month, worker_id), [])
        return [d for (m, _), values in self.delays.items() if m == month for d in values]


class StatsStore:
    def __init__(self, db: Database):
        self.db = db

    async def counts(self, now: datetime) -> Counts:
        counts: dict[str, Counter[tuple[str, int | None]]] = {}
        for metric, sql in _COUNTS.items():
            counter: Counter[tuple[str, int | None]] = Counter()
            for row in await self.db.fetchall(sql, (to_db_time(now),) * sql.count("?")):
                if row[0] is None:
                    continue
                counter[(row[0], row[1])] += row[2] if len(row) > 2 else 1
            counts[metric] = counter
        delays: dict[tuple[str, int | None], list[float]] = {}
        for row in await self.db.fetchall(_DELAYS):
            if row["invited"] is None:
                continue
            hours = (
                from_db_time(row["finished_at"]) - from_db_time(row["invited"])
            ).total_seconds() / 3600
            if hours >= 0:
                delays.setdefault((row["finished_at"][:7], row["worker_id"]), []).append(hours)
        followed = {
            row[0]: row[1]
            for row in await self.db.fetchall(
                "SELECT worker_id, COUNT(*) FROM people GROUP BY worker_id"
            )
        }
        return Counts(counts, delays, followed)
