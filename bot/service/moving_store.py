"""Moving people between workers, and a worker leaving: one transaction each, never half done."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.accounts.store import Account, _account_in, count_departure
from bot.core.db import Database, Transaction
from bot.core.rows import from_db_time, one, to_db_time
from bot.general import conversation_store
from bot.outbox.store import Outgoing, enqueue, release_suspended


@dataclass(frozen=True)
class Moved:
    """What moving one person changed, for the notices to the three of them."""

    person: Account
    old_worker: Account
    new_worker: Account
    cancelled_meetings: list[datetime] = field(default_factory=list)
    preparation_open: bool = False
    withdrawn_briefs: int = 0  # sent to the old worker, not delivered yet: kept for the person
    has_history: bool = False  # preparations the old worker received, the new one does not see


NoticeBuilder = Callable[[Moved], Sequence[Outgoing]]


class MovingError(Exception):
    """Nothing was changed; the message is for the log, the handler tells the user."""


async def _active_worker(tx: Transaction, worker_id: int) -> Account | None:
    row = await one(
        tx, "SELECT 1 FROM workers WHERE user_id = ? AND status = 'active'", (worker_id,)
    )
    return await _account_in(tx, worker_id) if row else None


async def _move_in(
    tx: Transaction, person_id: int, old: Account, new: Account, now: datetime
) -> Moved:
    person = await _account_in(tx, person_id)
    stamp = to_db_time(now)
    await tx.execute("UPDATE people SET worker_id = ? WHERE user_id = ?", (new.user_id, person_id))
    # A preparation in progress goes on, and will go to the new worker; a button shown before
    # the move (its "Send to …" names the old worker) asks the question again instead.
    cursor = await tx.execute(
        "UPDATE preparations SET message_id = 0 WHERE person_id = ? AND status = 'open'",
        (person_id,),
    )
    preparation_open = cursor.rowcount > 0
    # Briefs the old worker has not received yet are withdrawn: the person sent them to that
    # worker, not to the new one. They stay the person's own, as if kept.
    async with tx.execute(
        """SELECT DISTINCT preparation_id FROM outbox
           WHERE chat_id = ? AND status IN ('pending', 'held') AND preparation_id IN
                 (SELECT id FROM preparations WHERE person_id = ? AND status = 'sent')""",
        (old.user_id, person_id),
    ) as rows:
        withdrawn = [row[0] for row in await rows.fetchall()]
    for preparation_id in withdrawn:
        await tx.execute(
            "DELETE FROM outbox WHERE preparation_id = ? AND status IN ('pending', 'held')",
            (preparation_id,),
        )
        await tx.execute(
            """UPDATE preparations SET status = 'kept', worker_id = NULL
               WHERE id = ? AND NOT EXISTS (SELECT 1 FROM outbox
                     WHERE preparation_id = ? AND status IN ('sent', 'sending', 'uncertain'))""",
            (preparation_id, preparation_id),
        )
    # Meetings were agreed with the old worker: cancelled, with their reminders.
    async with tx.execute(
        """UPDATE meetings SET status = 'cancelled', updated_at = ?
           WHERE person_id = ? AND status = 'planned' AND at > ? RETURNING id, at""",
        (stamp, person_id, stamp),
    ) as rows:
        cancelled = [(row[0], from_db_time(row[1])) for row in await rows.fetchall()]
    for meeting_id, _ in cancelled:
        await tx.execute(
            "UPDATE reminders SET status = 'dropped' WHERE meeting_id = ? AND status = 'pending'",
            (meeting_id,),
        )
        await tx.execute(
            "DELETE FROM outbox WHERE meeting_id = ? AND status IN ('pending', 'held')",
            (meeting_id,),
        )
    await conversation_store.end_dates_about(tx, person_id)
    # Notices about the person still queued for the old worker are no longer theirs to read.
    await tx.execute(
        "DELETE FROM outbox WHERE chat_id = ? AND about_id = ? AND status IN ('pending', 'held')",
        (old.user_id, person_id),
    )
    history = await one(
        tx,
        "SELECT 1 FROM preparations WHERE person_id = ? AND worker_id = ? AND status = 'sent'",
        (person_id, old.user_id),
    )
    await count_departure(tx, old.user_id, "moved", now)
    return Moved(
        person=person,
        old_worker=old,
        new_worker=new,
        cancelled_meetings=sorted(at for _, at in cancelled),
        preparation_open=preparation_open,
        withdrawn_briefs=len(withdrawn),
        has_history=history is not None,
    )


async def _settle_queue_of_leaving(tx: Transaction, worker_id: int, now: datetime) -> None:
    """Before a worker leaves: what is still queued or held for them and names a person (a
    brief, a meeting, an agreement, a notice about someone) is dropped, as none of those
    people is theirs any more; the rest held while they were suspended is released. Left held,
    it would never be released (only a reactivation does that) and, first in their chat, it
    would hold back every later message, the farewell too, keeping those names for ever."""
    await tx.execute(
        """DELETE FROM outbox WHERE chat_id = ? AND status IN ('pending', 'held')
           AND (about_id IS NOT NULL OR preparation_id IS NOT NULL OR meeting_id IS NOT NULL
                OR agreement_id IS NOT NULL)""",
        (worker_id,),
    )
    await release_suspended(tx, worker_id, now)


class MovingStore:
    def __init__(self, db: Database):
        self.db = db

    async def move(
        self, person_id: int, old_id: int, new_id: int, notices: NoticeBuilder, now: datetime
    ) -> Moved:
        """Move a person from `old_id` to `new_id` (an active worker); raises MovingError."""
        async with self.db.transaction() as tx:
            row = await one(tx, "SELECT worker_id FROM people WHERE user_id = ?", (person_id,))
            if row is None or row["worker_id"] != old_id:
                raise MovingError("the person is not followed by this worker (any more)")
            if old_id == new_id:
                raise MovingError("the person is already followed by this worker")
            new = await _active_worker(tx, new_id)
            if new is None:
                raise MovingError("the new worker is not an active worker")
            moved = await _move_in(tx, person_id, await _account_in(tx, old_id), new, now)
            # They name the person: erased with them (/forget, retention), even if held.
            await enqueue(tx, notices(moved), purpose="moved", now=now, about=person_id)
            return moved

    async def leave(
        self,
        worker_id: int,
        to: int | None,
        notices: NoticeBuilder,
        farewell: Callable[[Account], Sequence[Outgoing]],
        now: datetime,
    ) -> list[Moved]:
        """The worker's people go to `to`, or are shared among the other active workers (the
        least followed first); then the worker loses the role. All of it, or nothing."""
        async with self.db.transaction() as tx:
            if await one(tx, "SELECT 1 FROM workers WHERE user_id = ?", (worker_id,)) is None:
                raise MovingError("not a worker")
            async with tx.execute(
                """SELECT w.user_id FROM workers w
                   WHERE w.status = 'active' AND w.user_id != ?
                   ORDER BY (SELECT COUNT(*) FROM people p WHERE p.worker_id = w.user_id),
                            w.user_id""",
                (worker_id,),
            ) as rows:
                others = [row[0] for row in await rows.fetchall()]
            if to is not None:
                if to not in others:
                    raise MovingError("the new worker is not another active worker")
                others = [to]
            async with tx.execute(
                "SELECT user_id FROM people WHERE worker_id = ? ORDER BY joined_at, user_id",
                (worker_id,),
            ) as rows:
                people = [row[0] for row in await rows.fetchall()]
            if people and not others:
                raise MovingError("no other active worker to follow these people")
            old = await _account_in(tx, worker_id)
            await _settle_queue_of_leaving(tx, worker_id, now)
            accounts = {other: await _account_in(tx, other) for other in others}
            outcomes = []
            for index, person_id in enumerate(people):
                new = accounts[others[index % len(others)]]
                moved = await _move_in(tx, person_id, old, new, now)
                await enqueue(tx, notices(moved), purpose="moved", now=now, about=person_id)
                outcomes.append(moved)
            left = await one(tx, "SELECT 1 FROM people WHERE worker_id = ?", (worker_id,))
            assert left is None, "a worker never leaves people without a worker"
            # Links they made and nobody used yet would make people of a worker who is gone.
            await tx.execute(
                "DELETE FROM invitations WHERE created_by = ? AND kind = 'person' "
                "AND used_at IS NULL",
                (worker_id,),
            )
            await tx.execute("DELETE FROM day_summaries WHERE worker_id = ?", (worker_id,))
            await conversation_store.end(tx, worker_id, conversation_store.DATES)
            await tx.execute("DELETE FROM workers WHERE user_id = ?", (worker_id,))
            await enqueue(tx, farewell(old), purpose="left", now=now)
            return outcomes

    async def share_history(self, person_id: int, old_id: int) -> int:
        """The person chose it: what they sent `old_id` is seen by their worker now."""
        async with self.db.transaction() as tx:
            row = await one(tx, "SELECT worker_id FROM people WHERE user_id = ?", (person_id,))
            if row is None or row["worker_id"] == old_id:
                return 0
            cursor = await tx.execute(
                """UPDATE preparations SET worker_id = ?
                   WHERE person_id = ? AND worker_id = ? AND status = 'sent'""",
                (row["worker_id"], person_id, old_id),
            )
            return cursor.rowcount
