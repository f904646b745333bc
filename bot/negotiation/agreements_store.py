"""What a worker and a person agreed after a meeting, and what a typed text is awaited for.

An agreement is the worker's proposal until the person accepts it; only then does it count
(in the logbook, in the next preparation). Every change checks who makes it and the status it
expects, so a late or forged press changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.core.db import Database, Row
from bot.core.rows import from_db_time, maybe_time, one, to_db_time
from bot.outbox.store import Outgoing, Queued, enqueue

AgreementStatus = Literal["draft", "proposed", "accepted", "rejected"]
Who = Literal["person", "worker", "ally"]
MAX_STEPS = 5


@dataclass(frozen=True)
class AgreedStep:
    what: str
    who: Who
    ally_name: str | None = None
    by_when: str | None = None


@dataclass(frozen=True)
class Agreement:
    id: int
    person_id: int
    worker_id: int | None
    meeting_id: int | None
    preparation_id: int | None
    status: AgreementStatus
    question: str | None
    plan_b: str | None
    changed_by_person: bool
    created_at: datetime
    answered_at: datetime | None
    steps: tuple[AgreedStep, ...] = field(default_factory=tuple)


def _agreement(row: Row, steps: Sequence[Row]) -> Agreement:
    return Agreement(
        id=row["id"],
        person_id=row["person_id"],
        worker_id=row["worker_id"],
        meeting_id=row["meeting_id"],
        preparation_id=row["preparation_id"],
        status=row["status"],
        question=row["question"],
        plan_b=row["plan_b"],
        changed_by_person=bool(row["changed_by_person"]),
        created_at=from_db_time(row["created_at"]),
        answered_at=maybe_time(row["answered_at"]),
        steps=tuple(AgreedStep(s["what"], s["who"], s["ally_name"], s["by_when"]) for s in steps),
    )


class AgreementStore:
    """The SQL of agreements and awaited texts; each method is one transaction or one read."""

    def __init__(self, db: Database):
        self.db = db

    async def _load(self, where: str, params: tuple[Any, ...]) -> list[Agreement]:
        rows = await self.db.fetchall(f"SELECT * FROM agreements WHERE {where}", params)
        found = []
        for row in rows:
            steps = await self.db.fetchall(
                "SELECT * FROM agreed_steps WHERE agreement_id = ? ORDER BY position, id",
                (row["id"],),
            )
            found.append(_agreement(row, steps))
        return found

    async def get(self, agreement_id: int) -> Agreement | None:
        found = await self._load("id = ?", (agreement_id,))
        return found[0] if found else None

    async def of_person(self, person_id: int) -> list[Agreement]:
        """All of a person's agreements and proposals, oldest first."""
        return await self._load("person_id = ? ORDER BY id", (person_id,))

    async def latest_accepted(self, person_id: int) -> Agreement | None:
        found = await self._load(
            "person_id = ? AND status = 'accepted' ORDER BY answered_at DESC, id DESC LIMIT 1",
            (person_id,),
        )
        return found[0] if found else None

    async def start(
        self,
        person_id: int,
        worker_id: int,
        now: datetime,
        *,
        meeting_id: int | None,
        preparation_id: int | None,
        question: str | None,
        plan_b: str | None,
        steps: Sequence[AgreedStep],
    ) -> Agreement | None:
        """The worker's draft for this person: their open one if there is one (or the one they
        made for this meeting), else a new one prefilled with what is given. None when the
        meeting's agreement is another worker's (the person was moved since): not theirs."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """SELECT id FROM agreements
                   WHERE person_id = ? AND worker_id = ?
                     AND (status = 'draft' OR (meeting_id IS NOT NULL AND meeting_id = ?))
                   ORDER BY id DESC LIMIT 1""",
                (person_id, worker_id, meeting_id),
            )
            if row is None and meeting_id is not None:
                taken = await one(
                    tx, "SELECT 1 FROM agreements WHERE meeting_id = ?", (meeting_id,)
                )
                if taken is not None:
                    return None
            if row is None:
                row = await one(
                    tx,
                    """INSERT INTO agreements (person_id, worker_id, meeting_id, preparation_id,
                                               status, question, plan_b, created_at)
                       VALUES (?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING id""",
                    (
                        person_id,
                        worker_id,
                        meeting_id,
                        preparation_id,
                        question,
                        plan_b,
                        to_db_time(now),
                    ),
                )
                assert row is not None
                for position, step in enumerate(steps[:MAX_STEPS]):
                    await _insert_step(tx, row["id"], position, step)
        found = await self.get(row["id"])
        assert found is not None
        return found

    async def set_text(
        self, agreement_id: int, status: AgreementStatus, part: str, value: str | None
    ) -> bool:
        """Change the question or plan B while the agreement has `status` (a person's change
        to a proposal is marked as theirs)."""
        column = {"question": "question", "plan_b": "plan_b"}[part]
        mark = ", changed_by_person = 1" if status == "proposed" else ""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                f"""UPDATE agreements SET {column} = ?{mark}
                    WHERE id = ? AND status = ? RETURNING id""",
                (value, agreement_id, status),
            )
            return row is not None

    async def set_step_what(
        self, agreement_id: int, status: AgreementStatus, index: int, what: str
    ) -> bool:
        """The person rewords one step of a proposal, in their words."""
        async with self.db.transaction() as tx:
            step = await one(
                tx,
                """SELECT s.id FROM agreed_steps s JOIN agreements a ON a.id = s.agreement_id
                   WHERE a.id = ? AND a.status = ? ORDER BY s.position, s.id LIMIT 1 OFFSET ?""",
                (agreement_id, status, index),
            )
            if step is None or index < 0:
                return False
            await tx.execute("UPDATE agreed_steps SET what = ? WHERE id = ?", (what, step["id"]))
            await tx.execute(
                "UPDATE agreements SET changed_by_person = 1 WHERE id = ?", (agreement_id,)
            )
            return True

    async def set_step_when(self, agreement_id: int, index: int, by_when: str) -> bool:
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE agreed_steps SET by_when = ? WHERE id = (
                       SELECT s.id FROM agreed_steps s JOIN agreements a ON a.id = s.agreement_id
                       WHERE a.id = ? AND a.status = 'draft'
                       ORDER BY s.position, s.id LIMIT 1 OFFSET ?) RETURNING id""",
                (by_when, agreement_id, index),
            )
            return row is not None

    async def meeting_person(self, meeting_id: int) -> int | None:
        """The person a meeting was with (a planned one, past or ahead)."""
        row = await self.db.fetchone(
            "SELECT person_id FROM meetings WHERE id = ? AND status = 'planned'", (meeting_id,)
        )
        return None if row is None else int(row["person_id"])

    async def add_step(self, agreement_id: int, step: AgreedStep) -> bool:
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """SELECT COUNT(s.id) AS steps FROM agreements a
                   LEFT JOIN agreed_steps s ON s.agreement_id = a.id
                   WHERE a.id = ? AND a.status = 'draft' GROUP BY a.id""",
                (agreement_id,),
            )
            if row is None or row["steps"] >= MAX_STEPS:
                return False
            await _insert_step(tx, agreement_id, row["steps"], step)
            return True

    async def remove_step(self, agreement_id: int, index: int) -> bool:
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """DELETE FROM agreed_steps WHERE id = (
                       SELECT s.id FROM agreed_steps s JOIN agreements a ON a.id = s.agreement_id
                       WHERE a.id = ? AND a.status = 'draft'
                       ORDER BY s.position, s.id LIMIT 1 OFFSET ?) RETURNING id""",
                (agreement_id, index),
            )
            return row is not None

    async def drop_draft(self, agreement_id: int, worker_id: int) -> bool:
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """DELETE FROM agreements WHERE id = ? AND worker_id = ? AND status = 'draft'
                   RETURNING id""",
                (agreement_id, worker_id),
            )
            return row is not None

    async def propose(
        self, agreement_id: int, worker_id: int, messages: Sequence[Outgoing], now: datetime
    ) -> bool:
        """The worker sends the draft: the person's messages are queued in the same step."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE agreements SET status = 'proposed', proposed_at = ?
                   WHERE id = ? AND worker_id = ? AND status = 'draft' RETURNING person_id""",
                (to_db_time(now), agreement_id, worker_id),
            )
            if row is None:
                return False
            await _queue(tx, messages, "agreement", now, agreement_id, row["person_id"])
            return True

    async def answer(
        self,
        agreement_id: int,
        person_id: int,
        accepted: bool,
        notices: Sequence[Outgoing],
        now: datetime,
    ) -> bool:
        """The person accepts or rejects a proposal, once; the worker's notice goes with it."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE agreements SET status = ?, answered_at = ?
                   WHERE id = ? AND person_id = ? AND status = 'proposed' RETURNING id""",
                (
                    "accepted" if accepted else "rejected",
                    to_db_time(now),
                    agreement_id,
                    person_id,
                ),
            )
            if row is None:
                return False
            await _queue(tx, notices, "agreement", now, agreement_id, person_id)
            return True

    # -- the meetings whose time has passed -----------------------------------------------------

    async def passed_meetings(self, now: datetime, limit: int) -> list[Row]:
        """Planned meetings whose time has passed, not yet offered to their worker."""
        return await self.db.fetchall(
            """SELECT m.id, m.person_id, m.at, m.attendance, p.worker_id FROM meetings m
               LEFT JOIN people p ON p.user_id = m.person_id
               WHERE m.status = 'planned' AND m.at <= ? AND m.agreement_offered_at IS NULL
               ORDER BY m.at LIMIT ?""",
            (to_db_time(now), limit),
        )

    async def next_passing(self) -> datetime | None:
        row = await self.db.fetchone(
            """SELECT MIN(at) FROM meetings
               WHERE status = 'planned' AND agreement_offered_at IS NULL"""
        )
        return maybe_time(row[0] if row else None)

    async def offer(
        self, meeting_id: int, message: Queued | None, person_id: int, now: datetime
    ) -> bool:
        """Mark a passed meeting as offered, queueing the worker's offer with it (once)."""
        async with self.db.transaction() as tx:
            row = await one(
                tx,
                """UPDATE meetings SET agreement_offered_at = ?
                   WHERE id = ? AND agreement_offered_at IS NULL RETURNING id""",
                (to_db_time(now), meeting_id),
            )
            if row is None:
                return False
            if message is not None:
                await enqueue(
                    tx,
                    [message],
                    purpose="agreement",
                    now=now,
                    about=person_id,
                    meeting_id=meeting_id,
                )
            return True

    async def export(self, person_id: int) -> dict[str, Any]:
        """The person's agreements and proposals as plain data, for /mydata."""
        return {
            "agreements": [
                {
                    "status": a.status,
                    "question": a.question,
                    "steps": [
                        {"what": s.what, "who": s.who, "joker": s.ally_name, "by_when": s.by_when}
                        for s in a.steps
                    ],
                    "plan_b": a.plan_b,
                    "changed_by_me": a.changed_by_person,
                    "created_at": a.created_at.isoformat(),
                    "answered_at": a.answered_at.isoformat() if a.answered_at else None,
                }
                for a in await self.of_person(person_id)
            ]
        }


async def _insert_step(tx: Any, agreement_id: int, position: int, step: AgreedStep) -> None:
    await tx.execute(
        """INSERT INTO agreed_steps (agreement_id, position, what, who, ally_name, by_when)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (agreement_id, position, step.what, step.who, step.ally_name, step.by_when),
    )


async def _queue(
    tx: Any,
    messages: Sequence[Outgoing],
    purpose: str,
    now: datetime,
    agreement_id: int,
    person_id: int,
) -> None:
    ids = await enqueue(tx, messages, purpose=purpose, now=now, about=person_id)
    await tx.executemany(
        "UPDATE outbox SET agreement_id = ? WHERE id = ?", [(agreement_id, i) for i in ids]
    )
