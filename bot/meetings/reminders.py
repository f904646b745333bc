"""Reminders come due: each becomes an invitation in the outbox, or is dropped, exactly once.

The outbox sender calls `queue_due` before each of its passes, so one loop, sleeping on the
injected clock until the next row is due, runs reminders and deliveries alike: after a
restart, whatever came due meanwhile goes out (unless its meeting has begun), nothing twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from bot.context import Services
from bot.core.notices import NoticeKind
from bot.core.schedule import wall_clock
from bot.meetings.store import DaySummary, DueReminder
from bot.outbox.store import Notice

log = logging.getLogger(__name__)

BATCH = 500


class Reminders:
    """Turns due reminders and meeting-day lists into outbox messages, in batches."""

    def __init__(self, svc: Services) -> None:
        self._svc = svc

    async def queue_due(self, now: datetime) -> datetime | None:
        """Queue or drop everything due by `now`; return when the next one is due."""
        store = self._svc.meetings
        while due := await store.due_reminders(now, BATCH):
            sent: list[tuple[DueReminder, Notice]] = []
            dropped: list[int] = []
            invited: set[int] = set()  # meetings: two reminders due together make one message
            for reminder in due:
                message = await self._render(reminder, now)
                if message is None or reminder.meeting.id in invited:
                    dropped.append(reminder.id)
                else:
                    invited.add(reminder.meeting.id)
                    sent.append((reminder, message))
            queued = await store.settle_reminders(sent, dropped, now)
            log.info("reminders queued=%s dropped=%s", queued, len(dropped))
        for summary in await store.due_summaries(now):
            await store.settle_summary(summary, await self._day_list(summary, now), now)
        return await store.next_due()

    async def _render(self, reminder: DueReminder, now: datetime) -> Notice | None:
        """The invitation, or None; one whose checks fail unexpectedly is dropped and logged,
        so it does not hold back the others."""
        try:
            return await self._invitation(reminder, now)
        except Exception as error:
            log.error("reminder not rendered id=%s error=%s", reminder.id, type(error).__name__)
            return None

    async def _invitation(self, reminder: DueReminder, now: datetime) -> Notice | None:
        """The invitation to send, or None: cancelled, begun, prepared for, declined, one the
        person cannot come to, or a person who left their worker or blocked the bot. It is
        written when sent (bot/meetings/notices.py): for a preparation begun and left by
        then, it offers to carry on where it stopped."""
        meeting = reminder.meeting
        if (
            not reminder.planned
            or meeting.at <= now
            or meeting.reminders_off
            or meeting.cannot_come
            or reminder.prepared
            or reminder.unreachable
            or reminder.worker_name is None
        ):
            return None
        return Notice(meeting.person_id, NoticeKind.INVITATION, {"meeting": meeting.id})

    async def _day_list(self, summary: DaySummary, now: datetime) -> Notice | None:
        """The worker's list of the day's meetings: who has prepared, who has not. None once
        the day is over (Escale was down), or for a worker who cannot act on it. The list is
        read when it is sent, so it names nobody erased meanwhile."""
        svc = self._svc
        start, end = day_bounds(svc, summary.day)
        worker = await svc.repo.account(summary.worker_id)
        if now >= end or worker is None or not worker.is_active_worker or worker.unreachable:
            return None
        meetings = await svc.meetings.meetings_of_worker(worker.user_id, start, end)
        if all(meeting.cancelled for meeting in meetings):  # nothing left to meet about
            return None
        return Notice(worker.user_id, NoticeKind.DAY_LIST, {"day": summary.day.isoformat()})


def day_bounds(svc: Services, day: date) -> tuple[datetime, datetime]:
    """When a day of the service's time zone begins and ends."""
    tz = svc.settings.timezone
    start = wall_clock(datetime.combine(day, time(0)), tz)
    return start, wall_clock(datetime.combine(day + timedelta(days=1), time(0)), tz)
