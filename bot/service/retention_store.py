"""Retention: whose data nears its end, erasing it, and the rules for everything else kept."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.accounts.store import forget_person_in
from bot.core.db import Database
from bot.core.notices import NoticeKind
from bot.core.rows import from_db_time, one, to_db_time
from bot.outbox.store import Notice, enqueue

OUTBOX_KEPT = timedelta(days=30)  # a delivered message's row: long enough to prove delivery
ERASED_NOTICE = "erased"  # the notice naming someone erased: its row goes once it ended

# A person's last activity: their own last message or press, or a meeting still planned.
_ACTIVITY = """GREATEST(COALESCE(u.last_active_at, p.joined_at),
                   COALESCE((SELECT MAX(m.at) FROM meetings m
                             WHERE m.person_id = u.id AND m.status = 'planned'), ''))"""


@dataclass(frozen=True)
class Ageing:
    """A person whose data reaches, or nears, the end of its retention period."""

    user_id: int
    worker_id: int
    display_name: str
    label: str | None
    language: str | None
    telegram_language: str | None
    last_active: datetime

    @property
    def known_as(self) -> str:
        return self.label or self.display_name


@dataclass(frozen=True)
class Swept:
    invitations: int
    outbox: int
    preparations: int
    meetings: int

    @property
    def total(self) -> int:
        return self.invitations + self.outbox + self.preparations + self.meetings


class RetentionStore:
    def __init__(self, db: Database):
        self.db = db

    async def _ageing(self, where: str, params: tuple[object, ...]) -> list[Ageing]:
        rows = await self.db.fetchall(
            f"""SELECT * FROM (
                  SELECT u.id, p.worker_id, u.display_name, p.label, u.language,
                         u.telegram_language, u.retention_warned_at, {_ACTIVITY} AS active
                  FROM people p JOIN users u ON u.id = p.user_id) AS ageing
                WHERE {where} ORDER BY active LIMIT 500""",
            params,
        )
        return [
            Ageing(
                r["id"],
                r["worker_id"],
                r["display_name"],
                r["label"],
                r["language"],
                r["telegram_language"],
                from_db_time(r["active"]),
            )
            for r in rows
        ]

    async def to_warn(self, active_before: datetime) -> list[Ageing]:
        """People inactive since `active_before` and not told since their last activity."""
        return await self._ageing(
            "active <= ? AND (retention_warned_at IS NULL OR retention_warned_at <= active)",
            (to_db_time(active_before),),
        )

    async def to_erase(self, active_before: datetime, warned_before: datetime) -> list[Ageing]:
        """People inactive since `active_before`, told (after it) no later than `warned_before`."""
        return await self._ageing(
            "active <= ? AND retention_warned_at > active AND retention_warned_at <= ?",
            (to_db_time(active_before), to_db_time(warned_before)),
        )

    async def warn(self, person: Ageing, message: Notice, now: datetime) -> None:
        """Record that the person is told, and queue the telling, in one transaction."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE users SET retention_warned_at = ? WHERE id = ?",
                (to_db_time(now), person.user_id),
            )
            await enqueue(tx, [message], purpose="retention", now=now, about=person.user_id)

    async def erase(
        self,
        person: Ageing,
        notice: Notice | None,
        active_before: datetime,
        now: datetime,
    ) -> bool:
        """Erase the person as /forget does, if they are still inactive; tell the worker.

        A suspended worker's messages are held until they come back: a notice naming the
        person would keep the name that long, so it goes without the name (as it would if it
        were held later: the outbox drops an erased name from any row it holds)."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                f"""SELECT 1 FROM people p JOIN users u ON u.id = p.user_id
                    WHERE u.id = ? AND {_ACTIVITY} <= ?""",
                (person.user_id, to_db_time(active_before)),
            ) as cursor:
                if await cursor.fetchone() is None:
                    return False  # they came back meanwhile
            if await forget_person_in(tx, person.user_id, now, "retention") is None:
                return False
            suspended = await one(
                tx,
                "SELECT 1 FROM workers WHERE user_id = ? AND status = 'suspended'",
                (person.worker_id,),
            )
            if notice is None:
                pass
            elif suspended is None:
                await enqueue(tx, [notice], purpose=ERASED_NOTICE, now=now)
            else:
                paused = replace(notice, erased_name=None, data={"paused": True})
                await enqueue(tx, [paused], purpose="retention", now=now)
            return True

    async def notices_in_flight(self) -> bool:
        """Whether a notice naming an erased person is about to be sent (a held one is not:
        it lost the name when it was held)."""
        row = await self.db.fetchone(
            "SELECT 1 FROM outbox WHERE purpose = ? AND status IN ('pending', 'sending')",
            (ERASED_NOTICE,),
        )
        return row is not None

    async def sweep(self, now: datetime, finished_before: datetime) -> Swept:
        """The other rules: expired links (with whoever opened them) go at once; delivered
        messages' rows after OUTBOX_KEPT; preparations and past meetings `finished_before`.
        A notice that named someone erased goes once it ended (delivered or given up); one
        held (its worker suspended or refusing the bot since) lost the name when it was held,
        and waits for the worker without it."""
        async with self.db.transaction() as tx:
            invitations = await tx.execute(
                "DELETE FROM invitations WHERE expires_at <= ?", (to_db_time(now),)
            )
            # One written in words before notices existed (m011) and held since carries the
            # name in its words: it becomes the notice without the name, as m011 made those
            # already held then.
            renamed = await tx.execute(
                """UPDATE outbox SET notice = ?, data = '{}', body = '', repeat_note = ''
                   WHERE purpose = ? AND status = 'held' AND notice IS NULL""",
                (str(NoticeKind.RETENTION_ERASED), ERASED_NOTICE),
            )
            outbox = await tx.execute(
                """DELETE FROM outbox WHERE (status IN ('sent', 'failed')
                       AND COALESCE(sent_at, created_at) <= ?)
                   OR (purpose = ? AND status IN ('sent', 'failed', 'uncertain'))""",
                (to_db_time(now - OUTBOX_KEPT), ERASED_NOTICE),
            )
            preparations = await tx.execute(
                """DELETE FROM preparations WHERE status IN ('sent', 'kept')
                   AND finished_at <= ?""",
                (to_db_time(finished_before),),
            )
            meetings = await tx.execute(
                "DELETE FROM meetings WHERE at <= ?", (to_db_time(finished_before),)
            )
            return Swept(
                invitations.rowcount,
                outbox.rowcount + renamed.rowcount,
                preparations.rowcount,
                meetings.rowcount,
            )
