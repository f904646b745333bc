"""The meetings' notices in words, written when the outbox sends them (bot/meetings/rules.py and
reminders.py queue them): names, a note and the day's list are read then, by their ids.

Each renderer is given the recipient's translator and the queued row; it returns the message,
or None when there is nothing left to say (the person or the meeting is gone).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.context import Services
from bot.core.i18n import Translator
from bot.core.notices import NoticeKind
from bot.core.text import Reply
from bot.meetings import views
from bot.meetings.reminders import day_bounds
from bot.meetings.store import DayMeeting
from bot.outbox.store import OutboxRow, Outgoing
from bot.outbox.writing import Renderer, Written, name_of, time_of
from bot.preparation import flow as preparation
from bot.preparation.dialogue.model import Kind


async def _set(svc: Services, t: Translator, row: OutboxRow) -> Written:
    worker = await name_of(svc, row.data["worker"], as_worker=True)
    return None if worker is None else Reply(views.set_for_person(t, worker, time_of(row, "at")))


async def _moved(svc: Services, t: Translator, row: OutboxRow) -> Written:
    worker = await name_of(svc, row.data["worker"], as_worker=True)
    if worker is None:
        return None
    return Reply(views.moved_for_person(t, worker, time_of(row, "old"), time_of(row, "at")))


async def _accepted(svc: Services, t: Translator, row: OutboxRow) -> Written:
    worker = await name_of(svc, row.data["worker"], as_worker=True)
    if worker is None:
        return None
    return Reply(views.proposal_accepted_for_person(t, worker, time_of(row, "at")))


async def _cancelled(svc: Services, t: Translator, row: OutboxRow) -> Written:
    worker = await name_of(svc, row.data["worker"], as_worker=True)
    if worker is None:
        return None
    return Reply(views.cancelled_for_person(t, worker, time_of(row, "at")))


async def _invitation(svc: Services, t: Translator, row: OutboxRow) -> Written:
    """For a preparation begun and left, the way back into it rather than a new start."""
    meeting = await svc.meetings.get(row.data["meeting"], svc.clock.now())
    person = await svc.repo.account(row.chat_id)
    if meeting is None or person is None or person.worker_id is None:
        return None
    worker = await svc.repo.account(person.worker_id)
    if worker is None or not worker.is_active_worker:
        return None
    flow = await preparation.current(svc, meeting.person_id)
    stopped = None
    if flow is not None:
        number, total = flow.progress
        stopped = views.Stopped(flow.id, number, total, flow.step.kind is Kind.REVIEW)
    return views.invitation(t, worker.display_name, meeting, stopped)


async def _given(svc: Services, t: Translator, row: OutboxRow) -> Written:
    name = await name_of(svc, row.data["person"])
    return None if name is None else Reply(views.told_by_person(t, name, time_of(row, "at")))


async def _cannot_come(svc: Services, t: Translator, row: OutboxRow) -> Written:
    name = await name_of(svc, row.data["person"])
    if name is None:
        return None
    return views.cannot_come_for_worker(t, name, row.data["meeting"], time_of(row, "at"))


async def _coming_after_all(svc: Services, t: Translator, row: OutboxRow) -> Written:
    name = await name_of(svc, row.data["person"])
    if name is None:
        return None
    return Reply(views.coming_after_all_for_worker(t, name, time_of(row, "at")))


async def _absence_note(svc: Services, t: Translator, row: OutboxRow) -> Written:
    name = await name_of(svc, row.data["person"])
    note, _ = await svc.meetings.absence(row.data["meeting"])
    if name is None or note is None:
        return None
    return Reply(views.absence_note_for_worker(t, name, time_of(row, "at"), note))


async def _absence_voice(svc: Services, t: Translator, row: OutboxRow) -> Written:
    name = await name_of(svc, row.data["person"])
    _, voice = await svc.meetings.absence(row.data["meeting"])
    if name is None or voice is None:
        return None
    caption = views.absence_voice_caption(t, name, time_of(row, "at"))
    return Outgoing(row.chat_id, "voice", voice, "", caption=caption)


async def _proposal(svc: Services, t: Translator, row: OutboxRow) -> Written:
    name = await name_of(svc, row.data["person"])
    if name is None:
        return None
    old, at = time_of(row, "old"), time_of(row, "at")
    return views.proposal_for_worker(t, name, row.data["meeting"], old, at)


async def _day_list(svc: Services, t: Translator, row: OutboxRow) -> Written:
    """Read now: someone erased or moved since it was queued is not in it; once the day is
    over (it waited for a worker suspended or refusing the bot), it says nothing more."""
    start, end = day_bounds(svc, date.fromisoformat(row.data["day"]))
    if svc.clock.now() >= end:
        return None
    meetings = await svc.meetings.meetings_of_worker(row.chat_id, start, end)
    if all(meeting.cancelled for meeting in meetings):  # none left, or none to meet about
        return None
    return Reply(views.day_list(t, meetings))


async def _day_addendum(svc: Services, t: Translator, row: OutboxRow) -> Written:
    name = await name_of(svc, row.data["person"])
    if name is None:
        return None
    line = DayMeeting(name, time_of(row, "at"), bool(row.data["prepared"]))
    return Reply(views.day_list_addendum(t, line))


RENDERERS: Mapping[NoticeKind, Renderer] = {
    NoticeKind.MEETING_SET: _set,
    NoticeKind.MEETING_MOVED: _moved,
    NoticeKind.MEETING_ACCEPTED: _accepted,
    NoticeKind.MEETING_CANCELLED: _cancelled,
    NoticeKind.INVITATION: _invitation,
    NoticeKind.MEETING_GIVEN: _given,
    NoticeKind.CANNOT_COME: _cannot_come,
    NoticeKind.COMING_AFTER_ALL: _coming_after_all,
    NoticeKind.ABSENCE_NOTE: _absence_note,
    NoticeKind.ABSENCE_VOICE: _absence_voice,
    NoticeKind.PROPOSAL: _proposal,
    NoticeKind.DAY_LIST: _day_list,
    NoticeKind.DAY_ADDENDUM: _day_addendum,
}
