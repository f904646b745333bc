"""Looking back: a worker's view of what a person shared, and a person's own logbook."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot import callbacks
from bot.brief import describe_answer, sparkline
from bot.dialogue.model import Dialogue, Kind, Step
from bot.i18n import Translator
from bot.logbook import Entry
from bot.preparation import reference
from bot.repository import Ally, PersonSummary, Preparation
from bot.views import Reply, esc, in_messages

SHOWN_PREPARATIONS = 10


def choose_person(t: Translator, people: Sequence[PersonSummary]) -> Reply:
    if not people:
        return Reply(t._("You do not follow anyone yet. /invite creates a link for a person."))
    return Reply(
        t._("Whose history do you want to see?"),
        [
            [
                (
                    person.known_as,
                    callbacks.build(callbacks.HISTORY, person.user_id),
                )
            ]
            for person in people
        ],
    )


def worker_history(
    t: Translator,
    dialogue: Dialogue,
    name: str,
    sent: Sequence[Preparation],
    entries: Sequence[Entry],
    scores: Mapping[Step, Sequence[int]],
    allies: Mapping[int, Ally],
) -> list[Reply]:
    """Only what the person sent, minus what they hid: the same as the briefs the worker got."""
    title = "<b>" + esc(name) + "</b>"
    if not sent:
        return [Reply(title + "\n\n" + t._("You have received no preparation yet."))]
    count = t.n_(
        "{count} preparation sent to you", "{count} preparations sent to you", len(sent)
    ).format(count=len(sent))
    lines = [title, count, *_trends(t, scores), "", "<b>" + t._("Preparations") + "</b>"]
    lines += ["• " + _short_form(t, dialogue, p, allies) for p in sent[:SHOWN_PREPARATIONS]]
    lines += ["", *_logbook_lines(t, entries, allies)]
    return in_messages(lines)


def person_logbook(
    t: Translator, entries: Sequence[Entry], allies: Mapping[int, Ally]
) -> list[Reply]:
    if not entries:
        empty = t._(
            "Your logbook is empty for now. When you /prepare, you plan a small "
            "step. Your small steps will be here."
        )
        return [Reply(empty)]
    return in_messages(_logbook_lines(t, entries, allies))


def _trends(t: Translator, scores: Mapping[Step, Sequence[int]]) -> list[str]:
    return [
        t._("{label}: {values} {sparkline}").format(
            label="<b>" + esc(t._(step.label)) + "</b>",
            values=" → ".join(str(v) for v in values[-SHOWN_PREPARATIONS:]),
            sparkline=sparkline(values[-SHOWN_PREPARATIONS:], step.minimum, step.maximum),
        )
        for step, values in scores.items()
        if values
    ]


def _short_form(
    t: Translator, dialogue: Dialogue, preparation: Preparation, allies: Mapping[int, Ally]
) -> str:
    """The date, the reference and the person's own question (or their first shared words)."""
    when = t.date(preparation.finished_at or preparation.started_at)
    head = f"{when} · {reference(preparation.id)}"
    for kind in (Kind.OWN_QUESTION, Kind.TEXT):
        for step in dialogue.steps:
            answer = preparation.answers.get(step.id)
            if step.kind is kind and answer and answer.given and not answer.hidden:
                return f"{head} — {describe_answer(t, step, answer, allies)}"
    return head


def _logbook_lines(
    t: Translator, entries: Sequence[Entry], allies: Mapping[int, Ally]
) -> list[str]:
    lines = ["<b>" + t._("Small steps") + "</b>"]
    for entry in reversed(entries[-SHOWN_PREPARATIONS:]):
        planned = describe_answer(t, entry.step, entry.planned, allies)
        if entry.outcome is not None and entry.outcome_step is not None:
            outcome = describe_answer(t, entry.outcome_step, entry.outcome, allies)
        else:
            outcome = "<i>" + t._("not said yet") + "</i>"
        line = t._("• {date}: {small_step} → {outcome}")
        lines.append(
            line.format(date=t.date(entry.planned_at), small_step=planned, outcome=outcome)
        )
    return lines
