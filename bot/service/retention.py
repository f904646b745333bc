"""Keeping data no longer than needed: people are told a month ahead, then erased as by /forget.

Runs as a producer of the outbox sender (like reminders), at most once an hour on the injected
clock. After anything is erased, the database is scrubbed so the rows leave the disk.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.context import Services
from bot.core.notices import NoticeKind
from bot.core.rows import to_db_time
from bot.outbox.store import Notice
from bot.service.retention_store import RetentionStore

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(hours=1)
AFTER_NOTICE = timedelta(minutes=1)


class Retention:
    def __init__(self, svc: Services) -> None:
        self._svc = svc
        self._next: datetime | None = None

    async def run(self, now: datetime) -> datetime | None:
        if self._next is not None and now < self._next:
            return self._next
        svc = self._svc
        store = RetentionStore(svc.repo.db)
        period = svc.settings.retention
        ahead = period.warning_ahead()
        while due := await store.to_warn(period.before(now + ahead)):  # in batches
            for person in due:
                erase_on = max(period.after(person.last_active), now + ahead)
                data = {"erase_on": to_db_time(erase_on)}
                message = Notice(person.user_id, NoticeKind.RETENTION_WARNING, data)
                await store.warn(person, message, now)
                log.info("retention warned user=%s", person.user_id)
        active_before = period.before(now)
        erased = 0
        for person in await store.to_erase(active_before, now - ahead):
            worker = await svc.repo.account(person.worker_id)
            notice = None
            if worker is not None:  # the one notice that has to carry a name: see Notice
                notice = Notice(
                    worker.user_id, NoticeKind.RETENTION_ERASED, erased_name=person.known_as
                )
            if await store.erase(person, notice, active_before, now):
                erased += 1
                log.info("retention erased user=%s", person.user_id)
        swept = await store.sweep(now, period.before(now))
        if erased or swept.total:
            await svc.repo.db.scrub()
            log.info(
                "retention swept people=%s invitations=%s outbox=%s preparations=%s meetings=%s",
                erased,
                swept.invitations,
                swept.outbox,
                swept.preparations,
                swept.meetings,
            )
        # (What was queued goes out in this same pass of the sender, right after its producers.)
        # A notice that named someone erased is itself erased soon after it is delivered.
        soon = await store.notices_in_flight()
        self._next = now + (AFTER_NOTICE if soon else CHECK_EVERY)
        return self._next
