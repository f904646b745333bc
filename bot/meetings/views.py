"""What Escale says about meetings: setting a date, the notices, the invitations to prepare."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.accounts.store import PersonSummary
from bot.core import callbacks
from bot.core.i18n import Translator
from bot.core.text import Reply, bullets, esc
from bot.meetings.model import Problem, Refused
from bot.meetings.store import CANNOT, COMING, DayMeeting, Meeting

Buttons = list[list[tuple[str, str]]]


def _when(t: Translator, moment: datetime) -> str:
    return "<b>" + esc(t.date_time(moment)) + "</b>"


def examples(t: Translator) -> str:
    return t._("For example: <i>12/03 14:30</i>, <i>tuesday 2pm</i>, <i>tomorrow 10:00</i>.")


# -- the worker ---------------------------------------------------------------------------------


def choose_person(t: Translator, people: Sequence[tuple[PersonSummary, Meeting | None]]) -> Reply:
    if not people:
        return Reply(t._("You do not follow anyone yet. /invite creates a link for a person."))
    rows: Buttons = []
    for person, meeting in people:
        name = person.known_as
        label = f"{name} · {t.date_time(meeting.at)}" if meeting else name
        rows.append([(label, callbacks.build(callbacks.MEETING, person.user_id))])
    return Reply(t._("Who is the meeting with?"), rows)


def meeting_menu(t: Translator, name: str, meeting: Meeting) -> Reply:
    return Reply(
        t._("Next meeting with {name}: {when}.").format(name=esc(name), when=_when(t, meeting.at)),
        [
            [(t._("📅 Change the date"), callbacks.build(callbacks.MEETING_CHANGE, meeting.id))],
            [(t._("✖ Cancel the meeting"), callbacks.build(callbacks.MEETING_CANCEL, meeting.id))],
        ],
    )


def ask_date(t: Translator, name: str) -> Reply:
    return Reply(
        t._("When is the meeting with {name}? Write the date and the time.").format(name=esc(name))
        + "\n"
        + examples(t)
    )


def confirm_cancel(t: Translator, name: str, meeting: Meeting) -> Reply:
    return Reply(
        t._("Cancel the meeting of {when} with {name}? I will tell {name}.").format(
            when=_when(t, meeting.at), name=esc(name)
        ),
        [
            [
                (
                    t._("Yes, cancel it"),
                    callbacks.build(callbacks.MEETING_CANCEL_YES, meeting.id),
                ),
                (t._("No, keep it"), callbacks.build(callbacks.MEETING_KEEP, meeting.id)),
            ]
        ],
    )


def cancelled(t: Translator, name: str, at: datetime) -> str:
    return t._("The meeting of {when} with {name} is cancelled. {name} knows it now.").format(
        when=_when(t, at), name=esc(name)
    )


def saved(t: Translator, name: str, at: datetime, moved_from: datetime | None) -> str:
    if moved_from is not None:
        text = t._("Moved. The meeting with {name} is now on {when}. {name} knows it now.")
    else:
        text = t._(
            "Noted. The meeting with {name} is on {when}. {name} knows it now. I "
            "will remind {name} to prepare it."
        )
    return text.format(name=esc(name), when=_when(t, at))


def told_by_person(t: Translator, name: str, at: datetime) -> str:
    return t._(
        "{name} gave me the date of the next meeting with you: {when}. /meeting to change it."
    ).format(name=esc(name), when=_when(t, at))


def _day_line(t: Translator, meeting: DayMeeting) -> str:
    """Who, when, whether they prepared, and what they said about coming (never why)."""
    if meeting.cancelled:
        status = t._("cancelled")
    elif meeting.attendance == CANNOT:
        status = t._("cannot come")
        if meeting.proposed_at is not None:
            status = t._("cannot come, proposes {when}").format(
                when=esc(t.date_time(meeting.proposed_at))
            )
    else:
        status = t._("prepared ✓") if meeting.prepared else t._("not prepared yet")
        if meeting.attendance == COMING:
            status = t._("{status} · coming ✓").format(status=status)
    return t._("{time} {name} — {status}").format(
        time=t.time(meeting.at), name=esc(meeting.person_name), status=status
    )


def day_list(t: Translator, meetings: Sequence[DayMeeting]) -> str:
    """A worker's meetings of one day (at least one): who has prepared, who has not, who is
    coming or cannot, which are cancelled."""
    lines = [_day_line(t, meeting) for meeting in meetings]
    title = t._("Your meetings today, {date}:").format(date=esc(t.date(meetings[0].at)))
    return f"<b>{title}</b>\n" + bullets(lines)


def day_list_addendum(t: Translator, meeting: DayMeeting) -> str:
    """A meeting set for today after the day's list went out."""
    return "<b>" + t._("Added to today's list:") + "</b>\n" + bullets([_day_line(t, meeting)])


# -- the person cannot come, or is coming: what the worker reads ---------------------------------


def cannot_come_for_worker(t: Translator, name: str, meeting_id: int, at: datetime) -> Reply:
    text = t._(
        "{name} cannot come to the meeting of {when}. The reminders for it have stopped. "
        "You can set another date, or wait: {name} may propose one."
    ).format(name=esc(name), when=_when(t, at))
    return Reply(
        text,
        [
            [
                (
                    t._("📅 Set another date"),
                    callbacks.build(callbacks.MEETING_CHANGE_NOTICE, meeting_id),
                )
            ],
            [
                (
                    t._("✖ Cancel the meeting"),
                    callbacks.build(callbacks.MEETING_CANCEL_NOTICE, meeting_id),
                )
            ],
        ],
    )


def coming_after_all_for_worker(t: Translator, name: str, at: datetime) -> str:
    return t._("{name} can come to the meeting of {when} after all.").format(
        name=esc(name), when=_when(t, at)
    )


def absence_note_for_worker(t: Translator, name: str, at: datetime, text: str) -> str:
    return (
        t._("{name} adds a few words about the meeting of {when}:").format(
            name=esc(name), when=_when(t, at)
        )
        + f"\n<blockquote>{esc(text)}</blockquote>"
    )


def absence_voice_caption(t: Translator, name: str, at: datetime) -> str:
    return t._("{name}'s voice message about the meeting of {when}").format(
        name=esc(name), when=_when(t, at)
    )


def proposal_for_worker(
    t: Translator, name: str, meeting_id: int, old: datetime, at: datetime
) -> Reply:
    text = t._("{name} cannot come on {old} and proposes another time: {new}.").format(
        name=esc(name), old=_when(t, old), new=_when(t, at)
    )
    return Reply(
        text,
        [
            [
                (
                    t._("✔ Confirm {when}").format(when=t.date_time(at)),
                    callbacks.meeting_accept(meeting_id, at),
                )
            ],
            [
                (
                    t._("📅 Set another date"),
                    callbacks.build(callbacks.MEETING_CHANGE_NOTICE, meeting_id),
                )
            ],
        ],
    )


# -- the date as typed --------------------------------------------------------------------------


def confirm_date(t: Translator, at: datetime, person_id: int, name: str | None) -> Reply:
    """Read the date back in words before anything is stored."""
    when = _when(t, at)
    text = (
        t._("{when}, with {name}. Is that right?").format(when=when, name=esc(name))
        if name
        else t._("{when}. Is that right?").format(when=when)
    )
    return Reply(
        text,
        [
            [
                (t._("✔ Yes"), callbacks.date_yes(person_id, at)),
                (t._("✏️ No, another date"), callbacks.DATE_NO),
            ]
        ],
    )


def _past(t: Translator, day: date | None, today: date) -> str:
    """Where a past day was: yesterday, earlier today, or which day."""
    if day == today:
        return t._("That time has already passed today.")
    if day == today - timedelta(days=1):
        return t._("That was yesterday.")
    if day is None:
        return t._("That moment has already passed.")
    noon = datetime.combine(day, time(12), t.timezone)
    return t._("That was on {date}: that day has passed.").format(date=esc(t.date(noon)))


def ambiguous(t: Translator, choices: Sequence[datetime], person_id: int) -> Reply:
    """A date that reads both ways ("7/12"): the writer picks one."""
    return Reply(
        t._("Which one do you mean?"),
        [[(t.date_time(at), callbacks.date_pick(person_id, at))] for at in choices],
    )


def refused(t: Translator, refusal: Refused, now: datetime, person_id: int) -> Reply:
    """A date we will not guess at: say what is missing, and how to write it."""
    problem = refusal.problem
    if problem is Problem.AMBIGUOUS:
        return ambiguous(t, refusal.choices, person_id)
    if problem is Problem.PAST:
        today = now.astimezone(t.timezone).date()
        return Reply(_past(t, refusal.day, today) + "\n" + examples(t))
    texts = {
        Problem.UNRECOGNISED: t._("I could not find a date and a time."),
        Problem.NO_TIME: t._("What time? Please write the date and the time."),
        Problem.NO_DATE: t._("What day? Please write the day and the time."),
        Problem.IMPOSSIBLE: t._("This date or time does not exist."),
        Problem.TOO_FAR: t._("This is more than one year away. Is there a mistake?"),
        Problem.SKIPPED_HOUR: t._(
            "This time does not exist on that day. The clocks change that night."
        ),
    }
    return Reply(texts[problem] + "\n" + examples(t))


def kept(t: Translator) -> str:
    return t._("Kept")


def noted(t: Translator) -> str:
    return t._("All right.")


def date_dropped(t: Translator) -> Reply:
    return Reply(t._("All right. The date does not change."))


# -- the person ---------------------------------------------------------------------------------


def next_meeting_line(t: Translator, at: datetime) -> str:
    return t._("Your next meeting: {when}.").format(when=_when(t, at))


def attendance_buttons(t: Translator, meeting: Meeting) -> Buttons:
    """*I'm coming* and *I can't come*, or, once said, the way back."""
    if meeting.cannot_come:
        return absence_buttons(t, meeting)
    rows: Buttons = []
    row = []
    if not meeting.coming:
        row.append((t._("✔ I'm coming"), callbacks.build(callbacks.MEETING_COMING, meeting.id)))
    row.append((t._("✖ I can't come"), callbacks.build(callbacks.MEETING_ABSENT, meeting.id)))
    rows.append(row)
    return rows


def absence_buttons(t: Translator, meeting: Meeting) -> Buttons:
    """After *I can't come*: add a few words, propose another time (or a different one), or
    come after all."""
    propose = (
        t._("📅 Propose a different time")
        if meeting.proposed_at
        else t._("📅 Propose another time")
    )
    return [
        [(t._("💬 Add a few words"), callbacks.build(callbacks.ABSENT_NOTE, meeting.id))],
        [(propose, callbacks.build(callbacks.ABSENT_PROPOSE, meeting.id))],
        [(t._("↩ I can come after all"), callbacks.build(callbacks.ABSENT_UNDO, meeting.id))],
    ]


def person_meeting(t: Translator, worker: str, meeting: Meeting | None) -> Reply:
    if meeting is not None:
        text = t._("Your next meeting with {worker} is on {when}.").format(
            worker=esc(worker), when=_when(t, meeting.at)
        )
        if meeting.cannot_come:
            text += "\n" + t._("You told {worker} that you cannot come.").format(worker=esc(worker))
            if meeting.proposed_at is not None:
                text += " " + t._("You proposed {when}.").format(when=_when(t, meeting.proposed_at))
        elif meeting.coming:
            text += "\n" + t._("You told {worker} that you are coming.").format(worker=esc(worker))
        return Reply(text, attendance_buttons(t, meeting))
    return Reply(
        t._(
            "I don't know the date of your next meeting with {worker}. If you know "
            "it, write it here. I will tell {worker}."
        ).format(worker=esc(worker))
        + "\n"
        + examples(t),
        [[(t._("I don't know yet"), callbacks.DATE_UNKNOWN)]],
    )


def no_dates_now(t: Translator) -> Reply:
    return Reply(
        t._(
            "Your social worker cannot take dates at the moment. You can still "
            "/prepare and keep it for yourself."
        )
    )


def person_saved(t: Translator, worker: str, at: datetime) -> str:
    return t._(
        "Noted. Your meeting is on {when}. {worker} knows it now. I will remind "
        "you to prepare it a little before."
    ).format(worker=esc(worker), when=_when(t, at))


def set_for_person(t: Translator, worker: str, at: datetime) -> str:
    return t._(
        "{worker} set your next meeting: {when}. I will remind you to prepare it "
        "a little before. You can also /prepare at any time."
    ).format(worker=esc(worker), when=_when(t, at))


def moved_for_person(t: Translator, worker: str, old: datetime, new: datetime) -> str:
    return t._("{worker} moved your meeting. It was on {old}. It is now on {new}.").format(
        worker=esc(worker), old=_when(t, old), new=_when(t, new)
    )


def cancelled_for_person(t: Translator, worker: str, at: datetime) -> str:
    return t._("{worker} cancelled your meeting of {when}.").format(
        worker=esc(worker), when=_when(t, at)
    )


@dataclass(frozen=True)
class Stopped:
    """Where a paused preparation stopped, for an invitation to carry on with it."""

    preparation_id: int
    number: int  # the question it stopped at
    total: int
    at_review: bool


def invitation(t: Translator, worker: str, meeting: Meeting, stopped: Stopped | None) -> Reply:
    """A reminder: an invitation, never an order. For a preparation begun, the way back into
    it rather than a new start; and the person can say they are coming, or cannot."""
    if stopped is None:
        text = t._(
            "Your meeting with {worker} is on {when}. Do you want to prepare it now? "
            "Nothing is sent unless you say yes."
        ).format(worker=esc(worker), when=_when(t, meeting.at))
        first = [(t._("📝 Prepare now"), callbacks.PREPARE)]
    else:
        text = t._(
            "Your meeting with {worker} is on {when}. You started to prepare it. Do you want "
            "to go on? Your answers are kept. Nothing is sent unless you say yes."
        ).format(worker=esc(worker), when=_when(t, meeting.at))
        label = (
            t._("▶ Continue where I stopped (the review)")
            if stopped.at_review
            else t._("▶ Continue where I stopped (question {number} of {total})").format(
                number=stopped.number, total=stopped.total
            )
        )
        first = [(label, callbacks.build(callbacks.RESUME, stopped.preparation_id))]
    return Reply(
        text,
        [
            first,
            [
                (t._("⏰ Later"), callbacks.build(callbacks.REMIND_LATER, meeting.id)),
                (t._("Not this time"), callbacks.build(callbacks.REMIND_STOP, meeting.id)),
            ],
            *attendance_buttons(t, meeting),
        ],
    )


def later_set(t: Translator, at: datetime) -> str:
    return t._("All right. I will ask you again on {when}.").format(when=_when(t, at))


def later_impossible(t: Translator) -> str:
    return t._("Your meeting is soon. /prepare when you are ready.")


def reminders_stopped(t: Translator) -> str:
    return t._(
        "All right. No more reminders for this meeting. /prepare is there if you change your mind."
    )


# -- the person cannot come, or is coming: what the person reads ---------------------------------


def cannot_come_noted(t: Translator, worker: str, meeting: Meeting) -> Reply:
    text = t._(
        "All right. {worker} knows now that you cannot come on {when}. "
        "There will be no more reminders for this meeting."
    ).format(worker=esc(worker), when=_when(t, meeting.at))
    more = t._(
        "If you want, you can add a few words for {worker}, or propose another time. "
        "It is up to you."
    ).format(worker=esc(worker))
    return Reply(text + "\n\n" + more, absence_buttons(t, meeting))


def coming_noted(t: Translator, worker: str) -> str:
    return t._("Thank you. {worker} will see that you are coming.").format(worker=esc(worker))


def coming_after_all_noted(t: Translator, worker: str, at: datetime) -> str:
    return t._(
        "All right, {worker} knows now that you can come on {when}. "
        "I will invite you to prepare it, as before."
    ).format(worker=esc(worker), when=_when(t, at))


def ask_note(t: Translator, worker: str) -> Reply:
    return Reply(
        t._(
            "Write a few words for {worker}, or send a voice message. "
            "{worker} will read only what you send here."
        ).format(worker=esc(worker)),
        [[(t._("Never mind"), callbacks.DATE_UNKNOWN)]],
    )


def note_sent(t: Translator, worker: str, meeting: Meeting) -> Reply:
    rows = [
        row
        for row in absence_buttons(t, meeting)
        if row[0][1] != callbacks.build(callbacks.ABSENT_NOTE, meeting.id)
    ]
    return Reply(t._("Thank you, {worker} has your message.").format(worker=esc(worker)), rows)


def ask_proposal(t: Translator, worker: str) -> Reply:
    return Reply(
        t._("Which day and time would suit you? Write it as you would say it.")
        + "\n"
        + t._("For example: <i>next thursday 9.30am</i>, <i>in 3 days at 11am</i>.")
        + "\n"
        + t._("{worker} will then confirm it, or propose another one.").format(worker=esc(worker)),
        [[(t._("Never mind"), callbacks.DATE_UNKNOWN)]],
    )


def proposal_sent(t: Translator, worker: str, at: datetime) -> str:
    return t._(
        "Thank you. I have proposed {when} to {worker}. I will tell you when {worker} confirms it."
    ).format(worker=esc(worker), when=_when(t, at))


def proposal_accepted_for_person(t: Translator, worker: str, at: datetime) -> str:
    return t._(
        "{worker} confirms the time you proposed. Your meeting is now on {when}. "
        "I will invite you to prepare it a little before."
    ).format(worker=esc(worker), when=_when(t, at))


def meeting_gone(t: Translator) -> str:
    """A button about a meeting that was moved, cancelled or has passed."""
    return t._("This meeting has changed in the meantime. /meeting shows where it stands.")


def chosen_cannot(t: Translator) -> str:
    """The footer of the message whose *I can't come* was pressed."""
    return t._("✖ I can't come")


def note_too_long(t: Translator, length: int, limit: int) -> Reply:
    return Reply(
        t._(
            "That is a bit long: {length} characters, and I can pass on up to {limit}. "
            "Could you say it in fewer words? You can also send a voice message."
        ).format(length=length, limit=limit)
    )


def said_cannot(t: Translator) -> str:
    """*Later* on an older invitation, once the person said they cannot come (under 200
    characters: a button's notice)."""
    return t._("You said you cannot come to this meeting, so there are no more reminders for it.")


def chosen_coming(t: Translator) -> str:
    """The footer of the message whose *I'm coming* was pressed."""
    return t._("✔ I'm coming")


def coming_reply(t: Translator, text: str, *, offer_to_prepare: bool) -> Reply:
    """That they are coming is noted; the way to prepare stays at hand."""
    rows: Buttons = [[(t._("📝 Prepare now"), callbacks.PREPARE)]] if offer_to_prepare else []
    return Reply(text, rows)


def chosen_set_another(t: Translator) -> str:
    """The footer of a notice whose *Set another date* was pressed."""
    return t._("📅 Set another date")
