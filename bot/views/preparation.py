"""What a person sees while preparing: one question per message, the review, the kind refusals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot import brief, callbacks
from bot.dialogue import engine
from bot.dialogue.model import Kind
from bot.i18n import Translator
from bot.preparation import Flow
from bot.repository import Outgoing
from bot.views import Reply, esc
from bot.views import meetings as meeting_views

Buttons = list[list[tuple[str, str]]]


def screen(
    t: Translator, flow: Flow, worker_name: str | None, preview: brief.BriefInput | None
) -> list[Reply]:
    """The current step as messages; only the last one carries buttons. The review needs
    `preview`, what the worker would read now."""
    if flow.step.kind is Kind.REVIEW:
        assert preview is not None, "the review shows the brief"
        return review(t, flow, worker_name, preview)
    return [question(t, flow)]


def question_text(t: Translator, flow: Flow) -> str:
    """The question as asked, with its progress line and hint; also the base of its edit."""
    step = flow.step
    position, total = flow.progress
    proposal = esc(flow.proposal(t)) if step.kind is Kind.OWN_QUESTION else None
    text = engine.fill(
        t, flow.dialogue, step.question, flow.answers, flow.previous, flow.allies, proposal=proposal
    )
    lines = [
        "<i>" + t._("Question {number} of {total}").format(number=position, total=total) + "</i>",
        text,
    ]
    if step.kind is Kind.SCALE:
        lines.extend(t._(label) for label in (step.low_label, step.high_label) if label)
    if step.hint:
        lines.append("<i>" + t._(step.hint) + "</i>")
    if step.kind is Kind.OWN_QUESTION and not flow.proposal_fits(t):
        lines.append("<i>" + t._("This question is too long for me to keep as it is.") + "</i>")
    if step.kind is Kind.JOKERS and not flow.can_add_ally:
        lines.append(
            "<i>"
            + t._("You have {count} jokers: that is as many as I can keep.").format(
                count=len(flow.allies)
            )
            + "</i>"
        )
    return "\n\n".join(lines)


def question(t: Translator, flow: Flow) -> Reply:
    step = flow.step
    if step.kind is Kind.JOKERS and flow.new_ally_name is not None:
        return new_ally_relation(t, flow)
    rows = _answer_buttons(t, flow)
    rows.extend(_moves(t, flow))
    return Reply(question_text(t, flow), rows)


def _answer_buttons(t: Translator, flow: Flow) -> Buttons:
    step, pid = flow.step, flow.id
    if step.kind is Kind.CHOICE:
        return [[(t._(o.label), callbacks.step(pid, step.id, "o", o.id))] for o in step.options]
    if step.kind is Kind.SCALE:
        values = range(step.minimum, step.maximum + 1)
        return [[(str(v), callbacks.step(pid, step.id, "v", v)) for v in values]]
    if step.kind is Kind.OWN_QUESTION:
        own = [(t._("✏️ I'll write it my way"), callbacks.step(pid, step.id, "w"))]
        if not flow.proposal_fits(t):
            return [own]
        return [[(t._("✔ Yes, that's my question"), callbacks.step(pid, step.id, "ok"))], own]
    if step.kind is Kind.JOKERS:
        chosen = set(flow.chosen_allies)
        rows: Buttons = [
            [
                (
                    ("✅ " if ally.id in chosen else "") + ally.name,
                    callbacks.step(pid, step.id, "j", ally.id),
                )
            ]
            for ally in flow.allies.values()
        ]
        if flow.can_add_ally:
            rows.append([(t._("➕ Someone new"), callbacks.step(pid, step.id, "n"))])
        rows.append([(t._("✔ Done"), callbacks.step(pid, step.id, "d"))])
        return rows
    return []


def _moves(t: Translator, flow: Flow) -> Buttons:
    step, pid = flow.step, flow.id
    row = []
    if not flow.first or flow.preparation.back_to_review:
        row.append((t._("« Back"), callbacks.step(pid, step.id, "b")))
    if step.skippable:
        row.append((t._("I'd rather not"), callbacks.step(pid, step.id, "s")))
    return [row] if row else []


def new_ally_relation(t: Translator, flow: Flow) -> Reply:
    step, pid = flow.step, flow.id
    rows: Buttons = [
        [(t._(o.label), callbacks.step(pid, step.id, "r", o.id))] for o in step.options
    ]
    rows.append([(t._("Cancel"), callbacks.step(pid, step.id, "x"))])
    return Reply(
        t._("Who is {name} to you?").format(name=f"<b>{esc(flow.new_ally_name or '')}</b>"), rows
    )


def answered(t: Translator, flow: Flow, shown: str) -> str:
    """The question once answered: its text, then what the person gave, without buttons."""
    return f"{question_text(t, flow)}\n\n✔ <i>{shown}</i>"


def review(
    t: Translator, flow: Flow, worker_name: str | None, preview: brief.BriefInput
) -> list[Reply]:
    """Exactly what the worker will read, then one button row per section and the two choices."""
    parts = [
        p.html
        for p in brief.render_brief(t, flow.dialogue, preview)
        if isinstance(p, brief.TextPart)
    ]
    intro = engine.fill(t, flow.dialogue, flow.step.question, flow.answers, flow.previous, {})
    pid, review_id = flow.id, flow.step.id
    rows: Buttons = []
    for step in flow.asked:
        answer = flow.answers.get(step.id)
        hidden = bool(answer and answer.hidden)
        label = t._(step.label)
        row = [
            (t._("✏️ {section}").format(section=label), callbacks.step(pid, review_id, "e", step.id))
        ]
        if answer is not None:
            toggle = t._("👁 Show") if hidden else t._("🙈 Hide")
            row.append((toggle, callbacks.step(pid, review_id, "h", step.id)))
        rows.append(row)
    send_label = (
        t._("📨 Send to {worker}").format(worker=worker_name)
        if worker_name
        else t._("📨 Send to my worker")
    )
    rows.append([(send_label, callbacks.step(pid, review_id, "send"))])
    rows.append([(t._("🔒 Keep it for me"), callbacks.step(pid, review_id, "keep"))])
    hidden_names = [t._(s.label) for s in flow.asked if (a := flow.answers.get(s.id)) and a.hidden]
    closing = intro
    if hidden_names:
        closing += "\n\n" + t._("Hidden from your worker: {sections}").format(
            sections=esc(", ".join(hidden_names))
        )
    return [Reply(part) for part in parts] + [Reply(closing, rows)]


def resume_offer(t: Translator, flow: Flow) -> Reply:
    pid, step_id = flow.id, flow.step.id
    if flow.step.kind is Kind.REVIEW:
        text = t._("You have a preparation in progress: we stopped at the review.")
    else:
        position, total = flow.progress
        text = t._(
            "You have a preparation in progress: we stopped at question {number} of {total}."
        ).format(number=position, total=total)
    return Reply(
        text + "\n\n" + t._("Would you like to continue, or start over?"),
        [
            [(t._("Continue"), callbacks.step(pid, step_id, "go"))],
            [
                (
                    t._("Start over (erases these answers)"),
                    callbacks.step(pid, step_id, "new"),
                )
            ],
        ],
    )


def welcome(t: Translator, meeting_at: datetime | None) -> Reply:
    text = t._(
        "Let's prepare your meeting. It takes about five minutes, one question at a time.\n\n"
        "You can skip any question, go back, and change your answers at the end. "
        "Nothing is sent to your worker unless you choose to."
    )
    if meeting_at is not None:
        text = meeting_views.next_meeting_line(t, meeting_at) + "\n\n" + text
    return Reply(text)


def write_your_own(t: Translator) -> Reply:
    return Reply(t._("Write your question in your own words, or send a voice message."))


def ally_name_prompt(t: Translator) -> Reply:
    return Reply(
        t._(
            "Write the name of the person or the organisation, for example: Marie, or "
            "the food bank."
        )
    )


def too_long(t: Translator, length: int, limit: int) -> Reply:
    return Reply(
        t._(
            "That is a bit long for me: {length} characters, and this question takes up to "
            "{limit}. Could you say it in fewer words? You can also send a voice message."
        ).format(length=length, limit=limit)
    )


def ally_name_too_long(t: Translator, limit: int) -> Reply:
    return Reply(t._("Please write a shorter name (up to {limit} characters).").format(limit=limit))


def use_buttons(t: Translator) -> Reply:
    return Reply(t._("For this question, please choose with the buttons below it."))


def text_or_voice_only(t: Translator) -> Reply:
    return Reply(
        t._("I can only take a written answer or a voice message here. Here is the question again.")
    )


def edit_ignored(t: Translator) -> Reply:
    return Reply(
        t._(
            "Editing a message does not change your answer. To change an answer, use « Back "
            "or the review at the end. Here is where we are."
        )
    )


def not_a_step_button(t: Translator) -> str:
    """Shown as a short notice on an older question's button (kept under 200 characters)."""
    return t._("This button belongs to an earlier question. Here is where we are.")


def sent(t: Translator, worker_name: str | None) -> Reply:
    worker = esc(worker_name) if worker_name else t._("your worker")
    return Reply(
        t._(
            "Sent. {worker} will receive your preparation. I will tell you when they have read "
            "it.\n\n/logbook shows your small steps."
        ).format(worker=worker)
    )


def kept(t: Translator) -> Reply:
    return Reply(
        t._(
            "Kept for you: nothing was sent to your worker. It will help you next time. "
            "/logbook shows your small steps."
        )
    )


# What a pressed choice leaves under its message, once the buttons are gone.


def chosen_continue(t: Translator) -> str:
    return t._("Continue")


def chosen_start_over(t: Translator) -> str:
    return t._("Start over")


def chosen_keep(t: Translator) -> str:
    return t._("Kept for me")


def chosen_send(t: Translator, worker: str) -> str:
    return t._("Sent to {worker}").format(worker=esc(worker))


def worker_paused(t: Translator, worker: str) -> Reply:
    return Reply(
        t._(
            "{worker} cannot receive preparations at the moment, so I cannot send it. You can "
            "keep it for yourself; your service can link you to another worker."
        ).format(worker=esc(worker))
    )


def no_worker(t: Translator) -> Reply:
    return Reply(
        t._(
            "You are not linked to a worker right now, so I cannot send it. You can keep it "
            "for yourself."
        )
    )


def read_notice(t: Translator, person_id: int, worker_name: str, reference: str) -> Outgoing:
    """For the outbox: the person learns that their worker has read their preparation."""
    text = t._("{worker} has read your preparation ({reference}).").format(
        worker=esc(worker_name), reference=reference
    )
    return notice(t, person_id, Reply(text))


def brief_undelivered(t: Translator, worker_name: str, reference: str, uncertain: bool) -> str:
    """For the person: their brief will not be sent again, and what they can do."""
    if uncertain:
        text = t._(
            "I am not sure that your preparation {reference} reached {worker}. I will not "
            "send it again, to avoid repeats. You can ask {worker} at your meeting. You can "
            "also prepare again with /prepare."
        )
    else:
        text = t._(
            "Your preparation {reference} could not reach {worker}. I will not try again. "
            "You can tell {worker} about it at your meeting. You can also prepare again "
            "with /prepare."
        )
    return text.format(reference=reference, worker=esc(worker_name))


def notice(t: Translator, chat_id: int, reply: Reply) -> Outgoing:
    """A message for the outbox, written in `t`'s language, which is its recipient's."""
    return Outgoing(chat_id, "text", reply.text, repeat_note(t), buttons=reply.buttons)


def repeat_note(t: Translator) -> str:
    """Heads a message sent again because an earlier attempt may have arrived."""
    return t._("⚠️ Possible repeat: this message may already have reached you.")


def read_button(t: Translator, preparation_id: int, *, done: bool) -> Buttons:
    label = t._("✔ Read") if done else t._("✓ I've read it")
    return [[(label, callbacks.build(callbacks.READ, preparation_id))]]


def already_read(t: Translator) -> str:
    return t._("Already marked as read.")


def brief_messages(
    t: Translator, worker_id: int, preparation_id: int, parts: Sequence[brief.BriefPart]
) -> list[Outgoing]:
    """The brief as outbox messages: protected, the read button on its last text part."""
    repeat = repeat_note(t)
    messages = [
        Outgoing(worker_id, "text", part.html, repeat, protect=True)
        if isinstance(part, brief.TextPart)
        else Outgoing(worker_id, "voice", part.file_id, repeat, caption=part.caption, protect=True)
        for part in parts
    ]
    last_text = max(i for i, m in enumerate(messages) if m.kind == "text")
    messages[last_text] = replace(
        messages[last_text], buttons=read_button(t, preparation_id, done=False)
    )
    return messages
