"""Meetings as a domain: set, move or cancel one, tell the other side, plan its reminders.

Whoever sets the date (the worker, or the person when the worker has not), the other one is
told, by a notice queued in the same transaction that stores the date and written in their
language when it is sent (bot/meetings/notices.py).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.accounts.store import Account
from bot.context import Services
from bot.core import schedule
from bot.core.notices import NoticeKind
from bot.core.rows import to_db_time
from bot.meetings.dates import MAX_AHEAD
from bot.meetings.store import CANNOT, Meeting, Schedule
from bot.outbox.store import Notice


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


def _notice(to: Account, kind: NoticeKind, **data: object) -> Notice:
    """`data` holds ids, times (as stored) and flags: the notice is written when it is sent."""
    return Notice(
        to.user_id,
        kind,
        {k: to_db_time(v) if isinstance(v, datetime) else v for k, v in data.items()},
    )


def within_reach(svc: Services, at: datetime) -> bool:
    """Whether a meeting can be set at `at`: ahead, and within a year (beyond, surely a slip)."""
    now = svc.clock.now()
    return now < at <= now + MAX_AHEAD


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
    svc: Services, pair: Pair, at: datetime, *, by_person: bool, proposed: bool = False
) -> tuple[Meeting, datetime | None] | None:
    """Store the date (the worker moves a meeting ahead; a person only gives one when none is
    set: else None), plan its reminders, tell the other side. `proposed`: the worker accepts
    the time the person proposed, and the person is told so."""
    current = await svc.meetings.next_for(pair.person.user_id, svc.clock.now())
    person, worker = pair.person, pair.worker
    if by_person:
        notices = [_notice(worker, NoticeKind.MEETING_GIVEN, person=person.user_id, at=at)]
    elif proposed:
        notices = [_notice(person, NoticeKind.MEETING_ACCEPTED, worker=worker.user_id, at=at)]
    elif current:
        notices = [
            _notice(person, NoticeKind.MEETING_MOVED, worker=worker.user_id, old=current.at, at=at)
        ]
    else:
        notices = [_notice(person, NoticeKind.MEETING_SET, worker=worker.user_id, at=at)]
    prepared = current is not None and await svc.meetings.prepared_for(current.id)
    addendum = _notice(
        worker, NoticeKind.DAY_ADDENDUM, person=person.user_id, at=at, prepared=prepared
    )
    by = pair.person if by_person else pair.worker
    result = await svc.meetings.set(
        pair.person.user_id,
        at,
        by=by.user_id,
        move=not by_person,
        schedule=plan(svc, pair, at),
        notices=notices,
        now=svc.clock.now(),
        addendum=addendum,
    )
    svc.deliver()
    return result


async def attend(svc: Services, pair: Pair, meeting: Meeting, attendance: str) -> Meeting | None:
    """The person says they are coming or cannot come. The worker is told at once when they
    cannot come, and when they can after all; that they are coming shows in the day list."""
    person, worker = pair.person.user_id, pair.worker
    notices = []
    if attendance == CANNOT:
        notices = [
            _notice(
                worker, NoticeKind.CANNOT_COME, person=person, meeting=meeting.id, at=meeting.at
            )
        ]
    elif meeting.cannot_come:
        notices = [_notice(worker, NoticeKind.COMING_AFTER_ALL, person=person, at=meeting.at)]
    settings, now = svc.settings, svc.clock.now()
    invitations = schedule.invitations(
        meeting.at, settings.reminder_offsets, settings.quiet_hours, settings.timezone, now
    )
    done = await svc.meetings.attend(
        meeting.id,
        pair.person.user_id,
        attendance,
        invitations=invitations,
        notices=notices,
        now=now,
    )
    if done is None:
        return None
    if done[1]:
        svc.deliver()
    return done[0]


# The few words a person adds to "I can't come" (a Telegram message is at most 4096 characters).
NOTE_MAX_LENGTH = 2000


class Note(enum.Enum):
    SENT = "sent"  # kept with the meeting, and the worker told
    TOO_LONG = "too_long"  # longer than NOTE_MAX_LENGTH: nothing kept, the person may try again
    GONE = "gone"  # the meeting changed meanwhile (moved, cancelled, past, or they can come)


@dataclass(frozen=True)
class Noted:
    outcome: Note
    meeting: Meeting | None = None
    limit: int = NOTE_MAX_LENGTH


async def add_note(
    svc: Services, pair: Pair, meeting_id: int, *, text: str | None, voice_file_id: str | None
) -> Noted:
    """The few words, or the voice message, the person chose to add for their worker: the
    notice names the meeting, and reads them from it when it is sent."""
    if text is not None and len(text) > NOTE_MAX_LENGTH:
        return Noted(Note.TOO_LONG)
    meeting = await svc.meetings.get(meeting_id, svc.clock.now())
    if meeting is None:
        return Noted(Note.GONE)
    kind = NoticeKind.ABSENCE_VOICE if voice_file_id is not None else NoticeKind.ABSENCE_NOTE
    notice = _notice(
        pair.worker, kind, person=pair.person.user_id, meeting=meeting.id, at=meeting.at
    )
    done = await svc.meetings.add_absence_note(
        meeting.id,
        pair.person.user_id,
        text=text,
        voice_file_id=voice_file_id,
        notices=[notice],
        now=svc.clock.now(),
    )
    if done is None:
        return Noted(Note.GONE)
    svc.deliver()
    return Noted(Note.SENT, done)


async def propose(svc: Services, pair: Pair, meeting: Meeting, at: datetime) -> Meeting | None:
    """Another time the person proposes: the worker can confirm it with one button."""
    notice = _notice(
        pair.worker,
        NoticeKind.PROPOSAL,
        person=pair.person.user_id,
        meeting=meeting.id,
        old=meeting.at,
        at=at,
    )
    done = await svc.meetings.propose_time(
        meeting.id, pair.person.user_id, at, [notice], svc.clock.now()
    )
    if done is not None:
        svc.deliver()
    return done


async def cancel(svc: Services, pair: Pair, meeting: Meeting) -> bool:
    notice = _notice(
        pair.person, NoticeKind.MEETING_CANCELLED, worker=pair.worker.user_id, at=meeting.at
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
