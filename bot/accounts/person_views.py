"""Texts for a person's own data: the copy they can take, and leaving Escale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from bot.core import callbacks
from bot.core.i18n import Translator
from bot.core.text import Reply, esc
from bot.preparation import brief_views
from bot.preparation.dialogue.model import Step
from bot.preparation.store import Ally, Preparation


def mydata_caption(t: Translator) -> str:
    return t._("Here is everything Escale keeps about you, in a file.")


def forget_confirm(t: Translator, worker_name: str) -> Reply:
    return Reply(
        t._(
            "Do you want to erase everything and leave Escale?\n\nYou cannot undo it. "
            "{worker} will only know that you left. Messages already sent to "
            "{worker} stay in their Telegram."
        ).format(worker=esc(worker_name)),
        [
            [
                (_yes(t), callbacks.FORGET_YES),
                (_no(t), callbacks.FORGET_NO),
            ]
        ],
    )


def forget_answer(t: Translator, erase: bool) -> str:
    """What the confirmation message shows once answered, in place of its buttons."""
    return _yes(t) if erase else _no(t)


def _yes(t: Translator) -> str:
    return t._("Yes, erase everything")


def _no(t: Translator) -> str:
    return t._("No, keep it")


def forgotten(t: Translator) -> Reply:
    return Reply(
        t._(
            "Done. Everything is erased. Take care! To come back one day, ask your "
            "social worker for a new link."
        )
    )


def kept(t: Translator) -> Reply:
    return Reply(t._("All right. Nothing is erased."))


def person_left_notice(t: Translator, name: str) -> Reply:
    return Reply(
        t._("{name} left Escale. Everything they kept there is erased.").format(name=esc(name))
    )


def readable_caption(t: Translator) -> str:
    return t._("The same, easy to read: open this file on your phone.")


def readable_copy(
    t: Translator,
    person_name: str,
    worker_name: str | None,
    preparations: Sequence[tuple[Preparation, Sequence[Step]]],
    allies: Mapping[int, Ally],
    meetings: Sequence[datetime],
) -> str:
    """A short HTML page of what Escale keeps, for a person: their answers under the labels of
    the review (each preparation with the steps it asked), their meetings, their worker's name.
    Everything the person wrote is escaped."""
    title = t._("What Escale keeps about you")
    body = [f"<h1>{esc(title)}</h1>", f"<p>{esc(person_name)}</p>"]
    worker = (
        t._("{worker} supports you in Escale.").format(worker=esc(worker_name))
        if worker_name
        else t._("A social worker supports you in Escale.")
    )
    body.append(f"<p>{worker}</p>")
    no_meeting, no_preparation = t._("No meeting yet."), t._("No preparation yet.")
    body.append("<h2>" + esc(t._("Your meetings")) + "</h2>")
    body.append(
        "<ul>" + "".join(f"<li>{esc(t.date_time(at))}</li>" for at in meetings) + "</ul>"
        if meetings
        else f"<p>{esc(no_meeting)}</p>"
    )
    body.append("<h2>" + esc(t._("Your preparations")) + "</h2>")
    if not preparations:
        body.append(f"<p>{esc(no_preparation)}</p>")
    for prepared, asked in preparations:
        status = {
            "sent": t._("Sent to your social worker"),
            "kept": t._("Kept for you"),
            "open": t._("Not finished"),
        }[prepared.status]
        when = t.date(prepared.finished_at or prepared.started_at)
        body.append(f"<h3>{esc(when)} · {esc(status)}</h3>")
        answers = {k: replace(a, hidden=False) for k, a in prepared.answers.items()}
        for step in asked:
            given = answers.get(step.id)
            if given is None:
                continue
            shown = brief_views.describe_answer(t, step, given, allies)
            if given.given and given.text and step.accepts_text:  # the whole text, not a summary
                shown = esc(given.text).replace("\n", "<br>")
                if given.file_id:
                    shown = brief_views.attachment(t, given) + "<br>" + shown
            hidden = prepared.answers[step.id].hidden
            hidden_note = t._("hidden from your social worker")
            note = f" <i>({esc(hidden_note)})</i>" if hidden else ""
            body.append(f"<p><b>{esc(t._(step.label))}</b>{note}<br>{shown}</p>")
    direction = "rtl" if t.rtl else "ltr"
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(t.language)}" dir="{direction}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title>"
        "<style>body{font-family:sans-serif;font-size:1.2em;line-height:1.5;max-width:40em;"
        "margin:auto;padding:1em}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
