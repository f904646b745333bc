"""Meetings whose time has passed become an offer to their worker: *What we agreed*.

Run by the outbox sender before each pass, like the reminders: each passed meeting is settled
once, its offer queued in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.context import Services
from bot.core.notices import NoticeKind
from bot.core.rows import to_db_time
from bot.outbox.store import Notice

log = logging.getLogger(__name__)

OFFER_WITHIN = timedelta(days=3)  # a meeting passed longer ago (Escale was down) is not offered
BATCH = 200


class Offers:
    """Meetings whose time has passed become an offer to the worker: *What we agreed*."""

    def __init__(self, svc: Services) -> None:
        self._svc = svc

    async def queue_due(self, now: datetime) -> datetime | None:
        svc = self._svc
        for row in await svc.agreements.passed_meetings(now, BATCH):
            worker = await svc.repo.account(row["worker_id"] or 0)
            person = await svc.repo.account(row["person_id"])
            at = datetime.fromisoformat(row["at"])
            message = None
            recent = now - at <= OFFER_WITHIN and row["attendance"] != "cannot"
            if worker and person and worker.is_active_worker and not worker.unreachable and recent:
                data = {"person": person.user_id, "meeting": row["id"], "at": to_db_time(at)}
                message = Notice(worker.user_id, NoticeKind.AGREEMENT_OFFER, data)
            await svc.agreements.offer(row["id"], message, row["person_id"], now)
            log.info("agreement offered meeting=%s", row["id"])
        return await svc.agreements.next_passing()
