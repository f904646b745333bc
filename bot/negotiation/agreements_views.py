"""What we agreed: the worker's draft, the person's proposal to accept, change or refuse."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.accounts.store import PersonSummary
from bot.core import callbacks
from bot.core.callbacks import AgreeAction
from bot.core.i18n import Translator
from bot.core.text import Reply, esc, in_messages
from bot.negotiation.agreements_store import MAX_STEPS, AgreedStep, Agreement
from bot.negotiation.topics_store import Topic
from bot.negotiation.topics_views import topic_words
from bot.preparation.store import Ally

Buttons = list[list[tuple[str, str]]]

# Each part is at most PART_MAX_LENGTH characters, but with five steps and the topics recalled a
# draft can pass Telegram's 4096: it is split by lines, the buttons under the last message.
# Below 4000 to leave room for the footer a press adds, and for the outbox's repeat note.
MESSAGE_BUDGET = 3600


def _fitted(lines: Sequence[str], rows: Buttons | None = None) -> list[Reply]:
    replies = in_messages(lines, MESSAGE_BUDGET)
    return [*replies[:-1], Reply(replies[-1].text, rows or [])]


def who(t: Translator, step: AgreedStep, person: str, worker: str, for_person: bool) -> str:
    """Who does a step, as its reader says it: the person reads "Me", the worker their name."""
    if step.who == "person":
        return t._("Me") if for_person else person
    if step.who == "worker":
        return worker
    return step.ally_name or ""


def step_line(t: Translator, step: AgreedStep, person: str, worker: str, for_person: bool) -> str:
    """One agreed step as HTML: who does what, and by when."""
    line = t._("{who}: {what}").format(
        who="<b>" + esc(who(t, step, person, worker, for_person)) + "</b>", what=esc(step.what)
    )
    if step.by_when:
        line += " — " + t._("by {when}").format(when=esc(step.by_when))
    return line


def parts(
    t: Translator, agreement: Agreement, person: str, worker: str, *, for_person: bool
) -> list[str]:
    """The three parts as HTML lines; an empty part says so."""
    empty = "<i>" + t._("nothing written") + "</i>"
    lines = ["<b>" + t._("Our question") + "</b>", esc(agreement.question or "") or empty]
    lines += ["", "<b>" + t._("The steps") + "</b>"]
    if agreement.steps:
        lines += [
            f"{n}. " + step_line(t, s, person, worker, for_person)
            for n, s in enumerate(agreement.steps, start=1)
        ]
    else:
        lines.append(empty)
    lines += ["", "<b>" + t._("If it does not work") + "</b>", esc(agreement.plan_b or "") or empty]
    return lines


def offer(t: Translator, person: str, at: datetime, meeting_id: int) -> Reply:
    text = t._(
        "Your meeting with {name} was on {date}.\n"
        "Would you like to write down what you agreed? {name} will read it and say if it is right."
    ).format(name=esc(person), date=t.date_time(at))
    return Reply(
        text, [[(t._("📝 What we agreed"), callbacks.build(callbacks.AGREE_MEETING, meeting_id))]]
    )


def choose_person(t: Translator, people: Sequence[PersonSummary]) -> Reply:
    if not people:
        return Reply(t._("You do not follow anyone yet. /invite creates a link for a person."))
    return Reply(
        t._("With whom would you like to write down what you agreed?"),
        [[(p.known_as, callbacks.build(callbacks.AGREE_PERSON, p.user_id))] for p in people],
    )


def draft(
    t: Translator,
    agreement: Agreement,
    person: str,
    worker: str,
    topics: Sequence[Topic] = (),
) -> list[Reply]:
    """The worker's draft with a button per part, then send or drop; the topics the person
    was ready to talk about are recalled below it. One message, or more if it is long."""
    aid = agreement.id
    head = t._("<b>What we agreed</b>, with {name}").format(name=esc(person))
    note = t._(
        "Write it as the two of you said it. {name} will read it and say if it is right. "
        "Nothing goes into their logbook before that."
    ).format(name=esc(person))
    rows: Buttons = [[(t._("✏️ Our question"), callbacks.agree(aid, AgreeAction.QUESTION))]]
    if len(agreement.steps) < MAX_STEPS:
        rows.append([(t._("➕ A step"), callbacks.agree(aid, AgreeAction.ADD_STEP))])
    rows += [
        [
            (
                t._("🗑 Remove step {number}").format(number=n),
                callbacks.agree(aid, AgreeAction.REMOVE_STEP, n),
            )
        ]
        for n in range(1, len(agreement.steps) + 1)
    ]
    rows += [
        [(t._("✏️ If it does not work"), callbacks.agree(aid, AgreeAction.PLAN_B))],
        [(t._("📨 Send to {name}").format(name=person), callbacks.agree(aid, AgreeAction.SEND))],
        [(t._("Cancel"), callbacks.agree(aid, AgreeAction.DROP))],
    ]
    lines = [head, "", *parts(t, agreement, person, worker, for_person=False)]
    if topics:
        recalled = t._("Your topics that {name} accepted:").format(name=esc(person))
        lines += ["", recalled, *("• " + topic_words(t, x) for x in topics)]
    return _fitted([*lines, "", f"<i>{note}</i>"], rows)


def who_prompt(t: Translator, agreement_id: int, person: str, allies: Sequence[Ally]) -> Reply:
    rows: Buttons = [
        [(person, callbacks.agree(agreement_id, AgreeAction.WHO_PERSON))],
        [(t._("Me"), callbacks.agree(agreement_id, AgreeAction.WHO_WORKER))],
    ]
    rows += [[(a.name, callbacks.agree(agreement_id, AgreeAction.WHO_ALLY, a.id))] for a in allies]
    return Reply(t._("Who does this step?"), rows)


def no_more_steps(t: Translator) -> Reply:
    return Reply(
        t._(
            "There are already {number} steps, the most there can be. Remove one to add another."
        ).format(number=MAX_STEPS)
    )


def ally_not_offered(t: Translator) -> Reply:
    return Reply(t._("I cannot add this step like this. Please choose again who does it."))


def what_prompt(t: Translator) -> Reply:
    return Reply(t._("What is the step? Write it in a few words."))


def when_prompt(t: Translator, agreement_id: int, number: int) -> Reply:
    return Reply(
        t._("By when? Write a day or a few words, for example: next Monday."),
        [[(t._("No date"), callbacks.agree(agreement_id, AgreeAction.NO_DATE, number))]],
    )


def question_prompt(t: Translator) -> Reply:
    return Reply(t._("Write the question as the two of you put it."))


def plan_b_prompt(t: Translator) -> Reply:
    return Reply(t._("Write what you will try if it does not work."))


def too_long(t: Translator, limit: int) -> Reply:
    return Reply(
        t._("That is a bit long. Please use up to {limit} characters.").format(limit=limit)
    )


def dropped(t: Translator) -> str:
    return t._("Cancelled: nothing was sent.")


def proposed(t: Translator, person: str) -> Reply:
    return Reply(
        t._("Sent. {name} will say if it is right. I will tell you.").format(name=esc(person))
    )


def not_a_draft(t: Translator) -> str:
    return t._("This was already sent.")


# -- the person's side --------------------------------------------------------------------------


def proposal(t: Translator, agreement: Agreement, person: str, worker: str) -> list[Reply]:
    """What the worker proposes, shown as a proposal, with the person's three answers."""
    aid = agreement.id
    head = t._(
        "{worker} wrote down what you agreed at the meeting.\n"
        "It is only a proposal. Nothing goes into your logbook until you say it is right."
    ).format(worker=esc(worker))
    rows: Buttons = [
        [(t._("✔ That's right"), callbacks.agree(aid, AgreeAction.ACCEPT))],
        [(t._("✏️ Change something"), callbacks.agree(aid, AgreeAction.CHANGE))],
        [(t._("✖ That's not what we said"), callbacks.agree(aid, AgreeAction.REJECT))],
    ]
    return _fitted([head, "", *parts(t, agreement, person, worker, for_person=True)], rows)


def change_menu(t: Translator, agreement: Agreement) -> Reply:
    aid = agreement.id
    rows: Buttons = [[(t._("✏️ Our question"), callbacks.agree(aid, AgreeAction.AMEND_QUESTION))]]
    rows += [
        [(t._("✏️ Step {number}").format(number=n), callbacks.agree(aid, AgreeAction.AMEND_STEP, n))]
        for n in range(1, len(agreement.steps) + 1)
    ]
    rows.append([(t._("✏️ If it does not work"), callbacks.agree(aid, AgreeAction.AMEND_PLAN_B))])
    rows.append([(t._("« Back"), callbacks.agree(aid, AgreeAction.BACK))])
    return Reply(t._("What would you like to change?"), rows)


def amend_prompt(t: Translator) -> Reply:
    return Reply(t._("Write it in your own words."))


def accepted(t: Translator) -> Reply:
    return Reply(t._("Thank you. It is in your /logbook now."))


def rejected(t: Translator, worker: str) -> Reply:
    return Reply(
        t._(
            "All right. Nothing goes into your logbook. You can talk about it with {worker} "
            "next time."
        ).format(worker=esc(worker))
    )


def chosen(t: Translator, accepted: bool) -> str:
    return t._("That's right") if accepted else t._("That's not what we said")


def accepted_notice(t: Translator, agreement: Agreement, person: str, worker: str) -> list[Reply]:
    head = (
        t._("{name} agreed, after changing some words. Here is what is now in their logbook:")
        if agreement.changed_by_person
        else t._("{name} agreed. It is now in their logbook.")
    ).format(name=esc(person))
    return _fitted([head, "", *parts(t, agreement, person, worker, for_person=False)])


def rejected_notice(t: Translator, person: str) -> Reply:
    return Reply(
        t._(
            "{name} says this is not what you said. Nothing went into their logbook. "
            "You can talk about it at the next meeting."
        ).format(name=esc(person))
    )


def sent_footer(t: Translator, person: str) -> str:
    return t._("Sent to {name}").format(name=esc(person))


def already_sent(t: Translator, status: str) -> Reply:
    if status == "proposed":
        return Reply(t._("You have already sent it. The person has not answered yet."))
    if status == "accepted":
        return Reply(t._("You have already sent it, and the person said it is right."))
    return Reply(t._("You have already sent it, and the person said it was not what you said."))
