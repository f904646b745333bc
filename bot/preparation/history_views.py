"""Looking back: a worker's view of what a person shared, and a person's own logbook."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.accounts.store import PersonSummary
from bot.core import callbacks
from bot.core.i18n import Translator
from bot.core.text import Reply, esc, in_messages
from bot.negotiation.agreements_store import Agreement
from bot.negotiation.agreements_views import step_line
from bot.negotiation.topics_store import TopicList
from bot.negotiation.topics_views import reply_label, topic_words
from bot.preparation.brief_model import reference
from bot.preparation.brief_views import describe_answer, sparkline
from bot.preparation.dialogue.model import Dialogue, Kind, Step
from bot.preparation.logbook_model import AgreedEntry, Entry
from bot.preparation.store import Ally, Preparation

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
    agreed: Sequence[AgreedEntry] = (),
    names: tuple[str, str] = ("", ""),
    topics: Sequence[TopicList] = (),
) -> list[Reply]:
    """Only what the person sent, minus what they hid: the same as the briefs the worker got;
    what the two of them agreed, as the person accepted it; the worker's topics, answered."""
    title = "<b>" + esc(name) + "</b>"
    if not sent:
        return [Reply(title + "\n\n" + t._("You have received no preparation yet."))]
    count = t.n_(
        "{count} preparation sent to you", "{count} preparations sent to you", len(sent)
    ).format(count=len(sent))
    lines = [title, count, *_trends(t, scores), "", "<b>" + t._("Preparations") + "</b>"]
    lines += ["• " + _short_form(t, dialogue, p, allies) for p in sent[:SHOWN_PREPARATIONS]]
    if agreed:
        lines += ["", *_agreed_lines(t, agreed, names, for_person=False)]
    sent_topics = [x for x in topics if x.status == "sent"][-SHOWN_PREPARATIONS:]
    if sent_topics:
        lines += ["", "<b>" + t._("Your topics") + "</b>"]
        for topic_list in reversed(sent_topics):
            for topic in topic_list.topics:
                told = (
                    reply_label(t, topic.reply, topic.comment)
                    if topic.reply
                    else t._("no answer yet")
                )
                lines.append(
                    f"• {t.date(topic_list.created_at)}: {topic_words(t, topic)} → <i>{told}</i>"
                )
    lines += ["", *_logbook_lines(t, entries, allies)]
    return in_messages(lines)


def person_logbook(
    t: Translator,
    entries: Sequence[Entry],
    allies: Mapping[int, Ally],
    agreed: Sequence[AgreedEntry] = (),
    waiting: Sequence[Agreement] = (),
    names: tuple[str, str] = ("", ""),
) -> list[Reply]:
    """The person's trail: what was agreed and how it went, then their own small steps.
    `names` are the person's and the worker's; a proposal not yet accepted is only announced."""
    lines: list[str] = []
    if waiting:
        lines += [
            "<i>"
            + t._("A proposal of what you agreed is waiting for your answer, above in this chat.")
            + "</i>",
            "",
        ]
    if agreed:
        lines += [*_agreed_lines(t, agreed, names, for_person=True), ""]
    if not entries and not agreed:
        empty = t._(
            "Your logbook is empty for now. When you /prepare, you plan a small "
            "step. Your small steps will be here."
        )
        return [Reply("\n".join([*lines, empty]))]
    if entries:
        lines += _logbook_lines(t, entries, allies)
    return in_messages(lines)


def _agreed_lines(
    t: Translator, agreed: Sequence[AgreedEntry], names: tuple[str, str], *, for_person: bool
) -> list[str]:
    """Each accepted agreement, newest first: its question, its steps and how they went."""
    person, worker = names
    lines = ["<b>" + t._("What we agreed") + "</b>"]
    for entry in reversed(agreed[-SHOWN_PREPARATIONS:]):
        agreement = entry.agreement
        when = t.date(agreement.answered_at or agreement.created_at)
        head = f"• {when}"
        if agreement.question:
            head += " — " + esc(agreement.question)
        lines.append(head)
        for step_prepared, answer in entry.prepared:
            prepared = t._("Prepared: {words}").format(
                words=describe_answer(t, step_prepared, answer, {})
            )
            lines.append("   " + prepared)
        for step, outcome in zip(agreement.steps, entry.outcomes, strict=True):
            option = entry.outcome_step.option(outcome) if entry.outcome_step and outcome else None
            told = esc(t._(option.label)) if option else "<i>" + t._("not told yet") + "</i>"
            lines.append("   ‣ " + step_line(t, step, person, worker, for_person) + f" → {told}")
        if agreement.plan_b:
            plan_b = t._("If it does not work: {plan_b}").format(plan_b=esc(agreement.plan_b))
            lines.append("   " + plan_b)
        if entry.learned is not None and entry.learned.text:
            learned = t._("What I learned: {words}").format(words=esc(entry.learned.text))
            lines.append("   " + learned)
    return lines


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
