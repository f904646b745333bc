"""What Escale says about meetings: setting a date, the notices, the invitations to prepare."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot import callbacks
from bot.i18n import Translator
from bot.meeting_time import Problem
from bot.repository import PersonSummary
from bot.repository.meetings import DayMeeting, Meeting
from bot.views import Reply, bullets, esc

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


def day_list(t: Translator, meetings: Sequence[DayMeeting]) -> str:
    """A worker's meetings of one day (at least one): who has prepared, who has not."""
    lines = []
    for meeting in meetings:
        status = t._("prepared ✓") if meeting.prepared else t._("not prepared yet")
        lines.append(
            t._("{time} {name} — {status}").format(
                time=t.time(meeting.at), name=esc(meeting.person_name), status=status
            )
        )
    title = t._("Your meetings today, {date}:").format(date=esc(t.date(meetings[0].at)))
    return f"<b>{title}</b>\n" + bullets(lines)


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


def refused(t: Translator, problem: Problem) -> Reply:
    """A date we will not guess at: say what is missing, and how to write it."""
    texts = {
        Problem.UNRECOGNISED: t._("I could not find a date and a time."),
        Problem.NO_TIME: t._("What time? Please write the date and the time."),
        Problem.NO_DATE: t._("What day? Please write the day and the time."),
        Problem.IMPOSSIBLE: t._("This date or time does not exist."),
        Problem.PAST: t._("This moment is already past."),
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


def person_meeting(t: Translator, worker: str, meeting: Meeting | None) -> Reply:
    if meeting is not None:
        return Reply(
            t._("Your next meeting with {worker} is on {when}.").format(
                worker=esc(worker), when=_when(t, meeting.at)
            )
        )
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


def invitation(t: Translator, worker: str, meeting: Meeting) -> Reply:
    """A reminder: an invitation, never an order."""
    text = t._(
        "Your meeting with {worker} is on {when}. Do you want to prepare it now? "
        "Nothing is sent unless you say yes."
    ).format(worker=esc(worker), when=_when(t, meeting.at))
    return Reply(
        text,
        [
            [(t._("📝 Prepare now"), callbacks.PREPARE)],
            [
                (t._("⏰ Later"), callbacks.build(callbacks.REMIND_LATER, meeting.id)),
                (t._("Not this time"), callbacks.build(callbacks.REMIND_STOP, meeting.id)),
            ],
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
