"""Meetings in Telegram: /meeting for workers and people, typed dates, the reminder buttons.

A typed date is read back in words and stored only once confirmed. Every button re-checks, from
the database, that the presser is the person's worker (or the person, for their own meeting).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from telegram import Update

from bot.context import Caller, EscaleContext, Role
from bot.core import callbacks
from bot.core.invisible import visible_text
from bot.core.text import Reply
from bot.general.common_handlers import (
    Buttons,
    Handler,
    answer,
    anyone,
    replace_buttons,
    requires,
    show_in_place,
)
from bot.general.conversation_store import DATES, Asked
from bot.general.views import stale_button, unknown_command
from bot.meetings import rules as meetings
from bot.meetings import views
from bot.meetings.dates import Parsed, date_order, parse_meeting_time
from bot.meetings.rules import Pair
from bot.meetings.store import CANNOT, COMING, Meeting

log = logging.getLogger(__name__)

# A date asked for and not given within this time is no longer awaited: later text is not a date.
DATE_WAIT = timedelta(hours=1)


@anyone
async def meeting_command(update: Update, context: EscaleContext, caller: Caller) -> None:
    """/meeting: a worker picks a person; a person sees their next meeting or gives its date."""
    svc = context.services
    if caller.has(Role.WORKER):
        people = await svc.repo.people_of(caller.id)
        now = svc.clock.now()
        listed = [(p, await svc.meetings.next_for(p.user_id, now)) for p in people]
        await answer(update, context, views.choose_person(caller.t, listed))
        return
    if not caller.has(Role.PERSON):
        await answer(update, context, unknown_command(caller.t))
        return
    pair = await meetings.pair_for(svc, caller.id)
    if pair is None:
        await answer(update, context, views.no_dates_now(caller.t))
        return
    meeting = await svc.meetings.next_for(caller.id, svc.clock.now())
    if meeting is None:
        await context.ask(Asked("date", svc.clock.now(), person_id=caller.id))
    await answer(update, context, views.person_meeting(caller.t, pair.worker.display_name, meeting))


async def _followed(context: EscaleContext, caller: Caller, person_id: int) -> Pair | None:
    """The person and their worker, if the caller is that worker."""
    pair = await meetings.pair_for(context.services, person_id)
    return pair if pair is not None and pair.worker.user_id == caller.id else None


async def _own_meeting(context: EscaleContext, caller: Caller) -> tuple[Pair, Meeting] | None:
    """The meeting a button names, if the caller is the worker of its person."""
    assert context.matches
    svc = context.services
    meeting = await svc.meetings.get(int(context.matches[0][1]), svc.clock.now())
    pair = await _followed(context, caller, meeting.person_id) if meeting else None
    return (pair, meeting) if pair is not None and meeting is not None else None


async def _meeting_pressed(
    update: Update, context: EscaleContext, caller: Caller, gone: str
) -> tuple[Pair, Meeting] | None:
    """The meeting a pressed button names, if the caller is the worker of its person; the press
    is answered either way (with `gone` when it is not)."""
    query = update.callback_query
    assert query is not None
    found = await _own_meeting(context, caller)
    await query.answer(gone if found is None else None)
    return found


@requires(Role.WORKER)
async def person_chosen(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    pair = await _followed(context, caller, int(context.matches[0][1]))
    if pair is None:
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    meeting = await svc.meetings.next_for(pair.person.user_id, svc.clock.now())
    if meeting is not None:
        await show_in_place(update, views.meeting_menu(caller.t, pair.person.known_as, meeting))
        return
    await _ask_date(update, context, caller, pair)


async def _ask_date(update: Update, context: EscaleContext, caller: Caller, pair: Pair) -> None:
    """The worker's next message is read as this person's meeting date."""
    svc = context.services
    await context.ask(Asked("date", svc.clock.now(), person_id=pair.person.user_id))
    await show_in_place(update, views.ask_date(caller.t, pair.person.known_as))


@requires(Role.WORKER)
async def change_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    found = await _meeting_pressed(update, context, caller, stale_button(caller.t))
    if found is not None:
        await _ask_date(update, context, caller, found[0])


@requires(Role.WORKER)
async def cancel_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    found = await _meeting_pressed(update, context, caller, stale_button(caller.t))
    if found is None:
        return
    pair, meeting = found
    await show_in_place(update, views.confirm_cancel(caller.t, pair.person.known_as, meeting))


@requires(Role.WORKER)
async def change_from_notice(update: Update, context: EscaleContext, caller: Caller) -> None:
    """*Set another date* under "cannot come" or a proposed time: the notice stays readable,
    the question comes as a new message."""
    svc = context.services
    found = await _meeting_pressed(update, context, caller, views.meeting_gone(caller.t))
    if found is None:
        return
    pair = found[0]
    await replace_buttons(update, context, views.chosen_set_another(caller.t))
    await context.ask(Asked("date", svc.clock.now(), person_id=pair.person.user_id))
    await answer(update, context, views.ask_date(caller.t, pair.person.known_as))


@requires(Role.WORKER)
async def cancel_from_notice(update: Update, context: EscaleContext, caller: Caller) -> None:
    found = await _meeting_pressed(update, context, caller, views.meeting_gone(caller.t))
    if found is None:
        return
    pair, meeting = found
    await answer(update, context, views.confirm_cancel(caller.t, pair.person.known_as, meeting))


@requires(Role.WORKER)
async def cancel_confirmed(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None
    found = await _own_meeting(context, caller)
    if found is None or not await meetings.cancel(context.services, *found):
        await query.answer(stale_button(caller.t))
        return
    pair, meeting = found
    log.info("meeting cancelled id=%s by=%s", meeting.id, caller.id)
    await query.answer()
    await show_in_place(update, Reply(views.cancelled(caller.t, pair.person.known_as, meeting.at)))


@requires(Role.WORKER)
async def cancel_dropped(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await replace_buttons(update, context, views.kept(caller.t))


# -- a date typed, read back, confirmed ----------------------------------------------------------


def _awaited(context: EscaleContext, caller: Caller) -> Asked | None:
    """The date (or words) the caller was asked for, as this update found it, if still fresh."""
    since = context.services.clock.now() - DATE_WAIT
    return context.conversation.asked_for(DATES, since, strictly=True)


async def date_typed(update: Update, context: EscaleContext, caller: Caller) -> bool:
    """If the caller was asked for a meeting date (or another time to propose), read it back
    or say what is missing; if asked for a few words for their worker, pass them on."""
    svc = context.services
    awaited = _awaited(context, caller)
    message = update.message
    if awaited is None or message is None or message.text is None:
        return False
    pair = await _allowed(context, caller, awaited.person_id)
    if pair is None:
        await context.stop_asking(DATES)
        return False
    if awaited.purpose == "note":
        note = visible_text(message.text).strip()
        if not note:  # nothing but invisible characters: the question again
            await answer(update, context, views.ask_note(caller.t, pair.worker.display_name))
        else:
            await _note_given(update, context, caller, pair, awaited, text=note)
        return True
    order = date_order(caller.t.language, caller.user.language_code)
    parsed = parse_meeting_time(message.text, svc.clock.now(), svc.settings.timezone, order)
    if not isinstance(parsed, Parsed):
        if _preparing(context, caller):  # not a date: an answer to the question asked
            await context.stop_asking(DATES)
            return False
        refusal = views.refused(caller.t, parsed, svc.clock.now(), pair.person.user_id)
        await answer(update, context, refusal)
        return True
    await context.read_back(parsed.moment)
    person_id = pair.person.user_id
    name = None if person_id == caller.id else pair.person.known_as
    await answer(update, context, views.confirm_date(caller.t, parsed.moment, person_id, name))
    return True


def _preparing(context: EscaleContext, caller: Caller) -> bool:
    """Whether the caller is in the middle of a preparation (not paused)."""
    return caller.has(Role.PERSON) and context.conversation.preparing


async def _allowed(context: EscaleContext, caller: Caller, person_id: int) -> Pair | None:
    """Who may give this person's meeting date: their worker, or the person themselves."""
    pair = await meetings.pair_for(context.services, person_id)
    if pair is None:
        return None
    if caller.has(Role.WORKER) and pair.worker.user_id == caller.id:
        return pair
    if caller.has(Role.PERSON) and caller.id == person_id:
        return pair
    return None


@anyone
async def date_confirmed(update: Update, context: EscaleContext, caller: Caller) -> None:
    """✔ Yes under a read-back: only the newest one, for the person it names, still ahead."""
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    awaited = _awaited(context, caller)
    pair = await _allowed(context, caller, awaited.person_id) if awaited else None
    at = awaited.proposed_at if awaited else None
    if pair is None or awaited is None or (at is not None and at <= svc.clock.now()):
        await context.stop_asking(DATES)  # no longer theirs to give, or passed
        await query.answer(stale_button(caller.t))
        return
    read_back = (pair.person.user_id, int(at.timestamp())) if at else None
    if (int(context.matches[0][1]), int(context.matches[0][2])) != read_back or at is None:
        await query.answer(stale_button(caller.t))  # an older read-back than the last one
        return
    if awaited.purpose == "propose":
        await _proposal_confirmed(update, context, caller, pair, awaited, at)
        return
    by_person = pair.person.user_id == caller.id
    done = await meetings.set_date(svc, pair, at, by_person=by_person)
    if done is None:  # the person's own date, but their worker set one meanwhile
        await context.stop_asking(DATES)
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    meeting, moved_from = done
    log.info("meeting set id=%s by=%s moved=%s", meeting.id, caller.id, moved_from is not None)
    text = (
        views.person_saved(caller.t, pair.worker.display_name, at)
        if by_person
        else views.saved(caller.t, pair.person.known_as, at, moved_from)
    )
    await show_in_place(update, Reply(text))


@anyone
async def date_refused(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None
    awaited = _awaited(context, caller)
    pair = await _allowed(context, caller, awaited.person_id) if awaited else None
    if pair is None or awaited is None:
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    await context.read_back(None)
    if awaited.purpose == "propose":
        await show_in_place(update, views.ask_proposal(caller.t, pair.worker.display_name))
    elif pair.person.user_id == caller.id:
        await show_in_place(update, views.person_meeting(caller.t, pair.worker.display_name, None))
    else:
        await show_in_place(update, views.ask_date(caller.t, pair.person.known_as))


@anyone
async def date_picked(update: Update, context: EscaleContext, caller: Caller) -> None:
    """One reading of a date that reads both ways: read back like a typed one. The time comes
    from the button, so it is checked like a typed one (theirs to give, ahead, within a year)."""
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    awaited = _awaited(context, caller)
    pair = await _allowed(context, caller, awaited.person_id) if awaited else None
    person_id, at = (
        int(context.matches[0][1]),
        datetime.fromtimestamp(int(context.matches[0][2]), UTC),
    )
    if pair is None or person_id != pair.person.user_id or not meetings.within_reach(svc, at):
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    await context.read_back(at)
    name = None if person_id == caller.id else pair.person.known_as
    await show_in_place(update, views.confirm_date(caller.t, at, person_id, name))


@anyone
async def date_unknown(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.stop_asking(DATES)
    await replace_buttons(update, context, views.noted(caller.t))


# -- the reminder's buttons ------------------------------------------------------------------------


@requires(Role.PERSON)
async def later_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    meeting = await svc.meetings.get(int(context.matches[0][1]), svc.clock.now())
    mine = meeting is not None and meeting.person_id == caller.id
    if meeting is None or not mine or await svc.meetings.prepared_for(meeting.id):
        await query.answer(stale_button(caller.t))
        return
    if meeting.cannot_come:  # an older invitation: no reminder for a meeting they cannot come to
        await query.answer(views.said_cannot(caller.t))
        return
    await query.answer()
    due = await meetings.later(svc, meeting)
    text = views.later_set(caller.t, due) if due else views.later_impossible(caller.t)
    await replace_buttons(update, context, text)


@requires(Role.PERSON)
async def stop_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    if not await svc.meetings.stop_reminders(int(context.matches[0][1]), caller.id):
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    await replace_buttons(update, context, views.reminders_stopped(caller.t))


# -- the person is coming, or cannot come ---------------------------------------------------------


async def _mine(context: EscaleContext, caller: Caller) -> tuple[Pair, Meeting] | None:
    """The meeting a button names, if it is the caller's own, still planned and ahead, and
    their worker can act on it."""
    assert context.matches
    svc = context.services
    meeting = await svc.meetings.get(int(context.matches[0][1]), svc.clock.now())
    if meeting is None or meeting.person_id != caller.id:
        return None
    pair = await meetings.pair_for(svc, caller.id)
    return None if pair is None else (pair, meeting)


async def _attend(
    update: Update, context: EscaleContext, caller: Caller, attendance: str
) -> tuple[Pair, Meeting, Meeting] | None:
    """Record the person's answer on their own meeting: (pair, meeting before, after), or None
    once a stale press has been told so."""
    query = update.callback_query
    assert query is not None
    found = await _mine(context, caller)
    done = None if found is None else await meetings.attend(context.services, *found, attendance)
    if found is None or done is None:
        await query.answer(views.meeting_gone(caller.t))
        return None
    await query.answer()
    log.info("meeting attendance id=%s %s", found[1].id, attendance)
    return found[0], found[1], done


@requires(Role.PERSON)
async def coming_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    """*I'm coming*, or *I can come after all*."""
    attended = await _attend(update, context, caller, COMING)
    if attended is None:
        return
    pair, meeting, _done = attended
    svc, worker = context.services, pair.worker.display_name
    text = (
        views.coming_after_all_noted(caller.t, worker, meeting.at)
        if meeting.cannot_come
        else views.coming_noted(caller.t, worker)
    )
    await replace_buttons(update, context, views.chosen_coming(caller.t))
    offer = not await svc.meetings.prepared_for(meeting.id)  # the invitation's buttons are gone
    await answer(update, context, views.coming_reply(caller.t, text, offer_to_prepare=offer))


@requires(Role.PERSON)
async def absent_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    """*I can't come*: the worker is told at once; then the person may add words or a time."""
    attended = await _attend(update, context, caller, CANNOT)
    if attended is None:
        return
    pair, _meeting, done = attended
    await replace_buttons(update, context, views.chosen_cannot(caller.t))
    await answer(update, context, views.cannot_come_noted(caller.t, pair.worker.display_name, done))


async def _absent(context: EscaleContext, caller: Caller) -> tuple[Pair, Meeting] | None:
    found = await _mine(context, caller)
    return found if found is not None and found[1].cannot_come else None


async def _await_from_absent(
    update: Update, context: EscaleContext, caller: Caller, purpose: str
) -> Pair | None:
    """After *I can't come*: wait for the person's words or proposed time, or tell a stale press."""
    query = update.callback_query
    assert query is not None
    svc = context.services
    found = await _absent(context, caller)
    if found is None:
        await query.answer(views.meeting_gone(caller.t))
        return None
    await query.answer()
    pair, meeting = found
    await context.ask(Asked(purpose, svc.clock.now(), person_id=caller.id, meeting_id=meeting.id))
    return pair


@requires(Role.PERSON)
async def note_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    pair = await _await_from_absent(update, context, caller, "note")
    if pair is not None:
        await answer(update, context, views.ask_note(caller.t, pair.worker.display_name))


@requires(Role.PERSON)
async def propose_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    pair = await _await_from_absent(update, context, caller, "propose")
    if pair is not None:
        await answer(update, context, views.ask_proposal(caller.t, pair.worker.display_name))


async def _note_given(
    update: Update,
    context: EscaleContext,
    caller: Caller,
    pair: Pair,
    awaited: Asked,
    *,
    text: str | None = None,
    voice_file_id: str | None = None,
) -> None:
    svc, t = context.services, caller.t
    noted = await meetings.add_note(
        svc, pair, awaited.meeting_id or 0, text=text, voice_file_id=voice_file_id
    )
    match noted.outcome:
        case meetings.Note.TOO_LONG:
            await answer(update, context, views.note_too_long(t, len(text or ""), noted.limit))
        case meetings.Note.GONE:
            await context.stop_asking(DATES)
            await answer(update, context, Reply(views.meeting_gone(t)))
        case meetings.Note.SENT:
            assert noted.meeting is not None
            log.info("meeting note id=%s voice=%s", noted.meeting.id, voice_file_id is not None)
            await answer(
                update, context, views.note_sent(t, pair.worker.display_name, noted.meeting)
            )


async def voice_typed(update: Update, context: EscaleContext, caller: Caller) -> bool:
    """A voice message as the few words for the worker, if those were asked for."""
    awaited = _awaited(context, caller)
    voice = update.message.voice if update.message else None
    if awaited is None or awaited.purpose != "note" or voice is None:
        return False
    pair = await _allowed(context, caller, awaited.person_id)
    if pair is None:
        await context.stop_asking(DATES)
        return False
    await _note_given(update, context, caller, pair, awaited, voice_file_id=voice.file_id)
    return True


async def _proposal_confirmed(
    update: Update,
    context: EscaleContext,
    caller: Caller,
    pair: Pair,
    awaited: Asked,
    at: datetime,
) -> None:
    query = update.callback_query
    assert query is not None
    svc = context.services
    meeting = await svc.meetings.get(awaited.meeting_id or 0, svc.clock.now())
    done = await meetings.propose(svc, pair, meeting, at) if meeting is not None else None
    if done is None:
        await context.stop_asking(DATES)
        await query.answer(views.meeting_gone(caller.t))
        return
    await query.answer()
    log.info("meeting time proposed id=%s", done.id)
    await show_in_place(update, Reply(views.proposal_sent(caller.t, pair.worker.display_name, at)))


@requires(Role.WORKER)
async def accept_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    """The worker confirms the time the person proposed: the meeting moves there, its
    reminders with it, and the person is told."""
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    meeting = await svc.meetings.planned(int(context.matches[0][1]))
    pair = await _followed(context, caller, meeting.person_id) if meeting else None
    at = meeting.proposed_at if meeting else None
    now = svc.clock.now()
    if (
        pair is None
        or meeting is None
        or at is None
        or int(at.timestamp()) != int(context.matches[0][2])
        or at <= now
    ):
        await query.answer(views.meeting_gone(caller.t))
        return
    done = await meetings.set_date(svc, pair, at, by_person=False, proposed=True)
    if done is None:
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    log.info("meeting proposal accepted id=%s", done[0].id)
    await show_in_place(update, Reply(views.saved(caller.t, pair.person.known_as, at, done[1])))


# What this feature answers: its commands and its buttons (bot/app.py registers them).
COMMANDS: dict[str, Handler] = {
    "meeting": meeting_command,
}
BUTTONS: Buttons = [
    (callbacks.pattern(callbacks.MEETING, r"\d{1,18}"), person_chosen),
    (callbacks.pattern(callbacks.MEETING_CHANGE, r"\d{1,12}"), change_pressed),
    (callbacks.pattern(callbacks.MEETING_CANCEL, r"\d{1,12}"), cancel_pressed),
    (callbacks.pattern(callbacks.MEETING_CANCEL_YES, r"\d{1,12}"), cancel_confirmed),
    (callbacks.pattern(callbacks.MEETING_KEEP, r"\d{1,12}"), cancel_dropped),
    (callbacks.pattern(callbacks.MEETING_CHANGE_NOTICE, r"\d{1,12}"), change_from_notice),
    (callbacks.pattern(callbacks.MEETING_CANCEL_NOTICE, r"\d{1,12}"), cancel_from_notice),
    (callbacks.DATE_YES_PATTERN, date_confirmed),
    (callbacks.pattern(callbacks.DATE_NO), date_refused),
    (callbacks.pattern(callbacks.DATE_UNKNOWN), date_unknown),
    (callbacks.pattern(callbacks.REMIND_LATER, r"\d{1,12}"), later_pressed),
    (callbacks.pattern(callbacks.REMIND_STOP, r"\d{1,12}"), stop_pressed),
    (callbacks.pattern(callbacks.MEETING_COMING, r"\d{1,12}"), coming_pressed),
    (callbacks.pattern(callbacks.ABSENT_UNDO, r"\d{1,12}"), coming_pressed),
    (callbacks.pattern(callbacks.MEETING_ABSENT, r"\d{1,12}"), absent_pressed),
    (callbacks.pattern(callbacks.ABSENT_NOTE, r"\d{1,12}"), note_pressed),
    (callbacks.pattern(callbacks.ABSENT_PROPOSE, r"\d{1,12}"), propose_pressed),
    (callbacks.MEETING_ACCEPT_PATTERN, accept_pressed),
    (callbacks.DATE_PICK_PATTERN, date_picked),
]
