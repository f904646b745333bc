"""Meetings as a domain: set, move or cancel one, tell the other side, plan its reminders.

Whoever sets the date (the worker, or the person when the worker has not), the other one is
told in their own language, in the same transaction that stores the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import schedule
from bot.context import Services
from bot.repository import Account
from bot.repository.meetings import Meeting, Schedule
from bot.repository.outbox import Outgoing
from bot.views import Reply
from bot.views import meetings as views
from bot.views import preparation as preparation_views


@dataclass(frozen=True)
class Pair:
    """A person and the worker who follows them: the two sides of a meeting."""

    person: Account
    worker: Account


async def pair_for(svc: Services, person_id: int) -> Pair | None:
    """The person and their worker, while that worker is active (a suspended one can do
    nothing with a meeting date)."""
    person = await svc.repo.account(person_id)
    if person is None or person.worker_id is None:
        return None
    worker = await svc.repo.account(person.worker_id)
    return Pair(person, worker) if worker is not None and worker.is_active_worker else None


def _notice(svc: Services, to: Account, text: str) -> Outgoing:
    return preparation_views.notice(svc.translator_for(to), to.user_id, Reply(text))


def plan(svc: Services, pair: Pair, at: datetime) -> Schedule:
    """The invitations before a meeting at `at` and the worker's list for its day."""
    settings, now = svc.settings, svc.clock.now()
    day = at.astimezone(settings.timezone).date()
    summary_at = schedule.summary_time(day, settings.quiet_hours, settings.timezone)
    return Schedule(
        invitations=schedule.invitations(
            at, settings.reminder_offsets, settings.quiet_hours, settings.timezone, now
        ),
        worker_id=pair.worker.user_id,
        day=day,
        summary_at=summary_at if summary_at > now else None,  # the worker set it today
    )


async def set_date(
    svc: Services, pair: Pair, at: datetime, *, by_person: bool
) -> tuple[Meeting, datetime | None] | None:
    """Store the date (the worker moves a meeting ahead; a person only gives one when none is
    set: else None), plan its reminders, tell the other side."""
    if by_person:
        t = svc.translator_for(pair.worker)
        told = views.told_by_person(t, pair.person.known_as, at)
        notices = [_notice(svc, pair.worker, told)]
    else:
        current = await svc.meetings.next_for(pair.person.user_id, svc.clock.now())
        t = svc.translator_for(pair.person)
        text = (
            views.moved_for_person(t, pair.worker.display_name, current.at, at)
            if current
            else views.set_for_person(t, pair.worker.display_name, at)
        )
        notices = [_notice(svc, pair.person, text)]
    by = pair.person if by_person else pair.worker
    result = await svc.meetings.set(
        pair.person.user_id,
        at,
        by=by.user_id,
        move=not by_person,
        schedule=plan(svc, pair, at),
        notices=notices,
        now=svc.clock.now(),
    )
    svc.deliver()
    return result


async def cancel(svc: Services, pair: Pair, meeting: Meeting) -> bool:
    t = svc.translator_for(pair.person)
    notice = _notice(
        svc, pair.person, views.cancelled_for_person(t, pair.worker.display_name, meeting.at)
    )
    done = await svc.meetings.cancel(meeting.id, pair.person.user_id, [notice], svc.clock.now())
    svc.deliver()
    return done


async def later(svc: Services, meeting: Meeting) -> datetime | None:
    """*Later* on an invitation: ask again in a few hours (outside quiet hours), if the
    meeting is still ahead by then. Returns when, or None."""
    settings, now = svc.settings, svc.clock.now()
    due = schedule.fit(
        now + schedule.LATER, meeting.at, settings.quiet_hours, settings.timezone, now
    )
    if due is None or not await svc.meetings.remind_again(meeting.id, meeting.person_id, due, now):
        return None
    svc.deliver()
    return due
