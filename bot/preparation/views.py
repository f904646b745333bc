"""What a person sees while preparing: one question per message, the review, the kind refusals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from bot.core import callbacks
from bot.core.callbacks import StepAction
from bot.core.i18n import Translator
from bot.core.text import Reply, esc, shorten
from bot.meetings import views as meeting_views
from bot.outbox.store import Outgoing
from bot.preparation import brief_model, brief_views
from bot.preparation.dialogue import views as dialogue_views
from bot.preparation.dialogue.model import PREVIOUS, PROPOSAL, Dialogue, Kind, Step, placeholders
from bot.preparation.store import Ally, Answer, json_list

Buttons = list[list[tuple[str, str]]]


class Flow(Protocol):
    """Where a person stands in their preparation, as these words are given it: read-only
    (bot.preparation.flow.Flow is one; its computed parts come from the engine)."""

    @property
    def id(self) -> int: ...
    @property
    def dialogue(self) -> Dialogue: ...
    @property
    def step(self) -> Step: ...
    @property
    def answers(self) -> Mapping[str, Answer]: ...
    @property
    def previous(self) -> Mapping[str, Answer]: ...
    @property
    def allies(self) -> Mapping[int, Ally]: ...
    @property
    def asked(self) -> list[Step]: ...
    @property
    def progress(self) -> tuple[int, int]: ...
    @property
    def first(self) -> bool: ...
    @property
    def back_to_review(self) -> bool: ...
    @property
    def chosen_allies(self) -> list[int]: ...
    @property
    def agreed_items(self) -> list[dict[str, str]]: ...
    @property
    def outcomes(self) -> list[str]: ...
    @property
    def new_ally_name(self) -> str | None: ...
    @property
    def held_ally(self) -> str | None: ...
    @property
    def can_add_ally(self) -> bool: ...
    def proposal(self, t: Translator) -> str | None: ...


def screen(
    t: Translator, flow: Flow, worker_name: str | None, preview: brief_model.BriefInput | None
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
    proposal = flow.proposal(t) if step.kind is Kind.OWN_QUESTION else None
    text = dialogue_views.fill(
        t,
        flow.dialogue,
        step.question,
        flow.answers,
        flow.previous,
        flow.allies,
        proposal=esc(proposal) if proposal else None,
    )
    lines = [
        "<i>" + t._("Question {number} of {total}").format(number=position, total=total) + "</i>"
    ]
    if step.kind is Kind.OWN_QUESTION:
        lines.extend(_side_by_side(t, flow))
    lines.append(text)
    if step.kind is Kind.AGREED:
        lines.append(_agreed_so_far(t, flow))
    if proposal and "{" + PROPOSAL + "}" not in step.question:
        lines.append(
            t._("Here is an idea, made from your words:") + "\n<b>" + esc(proposal) + "</b>"
        )
    if step.kind is Kind.SCALE:
        lines.extend(t._(label) for label in (step.low_label, step.high_label) if label)
    if step.hint:
        lines.append("<i>" + t._(step.hint) + "</i>")
    if step.attachments:
        lines.append(
            "<i>" + t._("You can also send a photo or a document, like a letter.") + "</i>"
        )
    if step.kind is Kind.JOKERS and not flow.can_add_ally:
        lines.append(
            "<i>"
            + t._("You have {count} jokers: that is as many as I can keep.").format(
                count=len(flow.allies)
            )
            + "</i>"
        )
    return "\n\n".join(lines)


def _side_by_side(t: Translator, flow: Flow) -> list[str]:
    """The answers an own question is made of, as the person gave them, one under the other."""
    lines = []
    for scope, step_id in placeholders(flow.step.proposal or ""):
        source = flow.dialogue.step(step_id)
        answer = (flow.previous if scope == PREVIOUS else flow.answers).get(step_id)
        if source is None or answer is None or not answer.given:
            continue
        words = dialogue_views.answer_words(t, source, answer, flow.allies)
        lines.append(f"<b>{esc(t._(source.label))}</b>\n<i>{esc(words)}</i>")
    return ["\n\n".join(lines)] if lines else []


def _agreed_so_far(t: Translator, flow: Flow) -> str:
    """Each agreed step, with how it went once told; the one asked now in bold."""
    outcomes = flow.outcomes
    lines = []
    for index, item in enumerate(flow.agreed_items):
        line = t._("{who}: {what}").format(
            who=esc(brief_views.agreed_who(t, item)), what=esc(item.get("what", ""))
        )
        if item.get("by_when"):
            line += " — " + t._("by {when}").format(when=esc(item["by_when"]))
        if index < len(outcomes):
            option = flow.step.option(outcomes[index])
            lines.append(f"✔ {line} → <i>{esc(t._(option.label)) if option else ''}</i>")
        elif index == len(outcomes):
            lines.append(f"👉 <b>{line}</b>")
        else:
            lines.append(f"• {line}")
    return "\n".join(lines)


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
        return [
            [(t._(o.label), callbacks.step(pid, step.id, StepAction.OPTION, o.id))]
            for o in step.options
        ]
    if step.kind is Kind.AGREED:
        return [
            [(t._(o.label), callbacks.step(pid, step.id, StepAction.AGREED, o.id))]
            for o in step.options
        ]
    if step.kind is Kind.SCALE:
        values = range(step.minimum, step.maximum + 1)
        return [[(str(v), callbacks.step(pid, step.id, StepAction.VALUE, v)) for v in values]]
    if step.kind is Kind.OWN_QUESTION:
        rows: Buttons = []
        if flow.proposal(t):
            rows.append(
                [
                    (
                        t._("✔ Yes, that's my question"),
                        callbacks.step(pid, step.id, StepAction.ACCEPT),
                    )
                ]
            )
        rows.append(
            [
                (
                    t._("🤝 Keep it for the meeting"),
                    callbacks.step(pid, step.id, StepAction.FOR_THE_MEETING),
                )
            ]
        )
        return rows
    if step.kind is Kind.JOKERS:
        chosen = set(flow.chosen_allies)
        rows = [
            [
                (
                    ("✅ " if ally.id in chosen else "") + ally.name,
                    callbacks.step(pid, step.id, StepAction.JOKER, ally.id),
                )
            ]
            for ally in flow.allies.values()
        ]
        if flow.can_add_ally:
            rows.append(
                [(t._("➕ Someone new"), callbacks.step(pid, step.id, StepAction.NEW_JOKER))]
            )
        rows.append([(t._("✔ Done"), callbacks.step(pid, step.id, StepAction.DONE))])
        return rows
    return []


def _moves(t: Translator, flow: Flow) -> Buttons:
    step, pid = flow.step, flow.id
    row = []
    if not flow.first or flow.back_to_review:
        row.append((t._("« Back"), callbacks.step(pid, step.id, StepAction.BACK)))
    if step.skippable:
        row.append((t._("I'd rather not"), callbacks.step(pid, step.id, StepAction.SKIP)))
    rows = [row] if row else []
    rows.append([later_button(t, flow)])
    return rows


def later_button(t: Translator, flow: Flow) -> tuple[str, str]:
    """On every question: stop for now, without having to know /cancel."""
    return (t._("⏸ Later"), callbacks.step(flow.id, flow.step.id, StepAction.PAUSE))


def pause_offer(t: Translator, flow: Flow) -> Reply:
    """Typed words that may mean stopping: ask before taking them as an answer."""
    rows: Buttons = [
        [(t._("⏸ Yes, stop for now"), callbacks.step(flow.id, flow.step.id, StepAction.PAUSE))]
    ]
    if flow.step.accepts_text or flow.step.kind is Kind.JOKERS:
        rows.append(
            [(t._("✏️ No, it is my answer"), callbacks.step(flow.id, flow.step.id, StepAction.MINE))]
        )
    else:
        rows.append([(t._("No, go on"), callbacks.step(flow.id, flow.step.id, StepAction.GO))])
    return Reply(t._("Do you want to stop for now? Your answers are kept."), rows)


def stop_words(t: Translator) -> list[str]:
    """Typed words and phrases that may mean the person wants to stop, in their language."""
    # Translators: words or short phrases a person may type to stop a preparation, separated by
    # "|". They are not shown: Escale asks whether the person wants to pause when a short message
    # contains one. Add the common ways to say it in your language; keep "stop" if people use it.
    words = t._("stop|later|pause|I have to go|I must go|not now|enough|bye|quit|cancel")
    return [w.strip() for w in words.split("|") if w.strip()]


def chosen_later(t: Translator) -> str:
    return t._("⏸ Later")


def chosen_my_answer(t: Translator) -> str:
    return t._("It is my answer")


RECAP_LENGTH = 60  # characters of each typed answer shown in the recap


def recap(t: Translator, flow: Flow) -> str:
    """What was already answered, one short line each, to pick the thread up again."""
    lines = []
    for step in flow.asked:
        if step.id == flow.step.id:
            break
        given = flow.answers.get(step.id)
        if given is None or given.skipped or step.kind is Kind.REVIEW:
            continue
        if given.text and step.accepts_text:  # typed words: only their beginning
            shown = esc(shorten(" ".join(given.text.split()), RECAP_LENGTH))
        else:
            shown = brief_views.describe_answer(t, step, given, flow.allies)
        lines.append(f"• {esc(t._(step.label))}: {shown}")
    if not lines:
        return ""
    return t._("Your answers so far:") + "\n" + "\n".join(lines)


def new_ally_relation(t: Translator, flow: Flow) -> Reply:
    step, pid = flow.step, flow.id
    rows: Buttons = [
        [(t._(o.label), callbacks.step(pid, step.id, StepAction.RELATION, o.id))]
        for o in step.options
    ]
    rows.append([(t._("Cancel"), callbacks.step(pid, step.id, StepAction.CANCEL))])
    return Reply(
        t._("Who is {name} to you?").format(name=f"<b>{esc(flow.new_ally_name or '')}</b>"), rows
    )


def ally_confirm(t: Translator, flow: Flow) -> Reply:
    """Typed text on the jokers question: confirmed before it becomes a joker."""
    name = f"<b>{esc(flow.held_ally or '')}</b>"
    step, pid = flow.step, flow.id
    return Reply(
        t._("Add {name} as someone who could help?").format(name=name),
        [
            [(t._("✔ Yes, add this name"), callbacks.step(pid, step.id, StepAction.ADD_NAME))],
            [(t._("✖ No"), callbacks.step(pid, step.id, StepAction.CANCEL))],
        ],
    )


def relation_words(t: Translator) -> dict[str, list[str]]:
    """What people type for each relation of the default dialogue, in their language."""
    # Translators: each list is what a person may type to say who a joker is to them, separated
    # by "|". They are not shown; the longest one found in the typed text wins. Add the common
    # words of your language (with "my"/"the" forms people really type).
    lists = {
        "family": t._(
            "family|my daughter|my son|my child|my children|my mother|my mum|my mom|my father|"
            "my dad|my parents|my sister|my brother|my wife|my husband|my partner|my aunt|"
            "my uncle|my cousin|my grandmother|my grandfather|my granny"
        ),
        "friend": t._("friend|my friend|a friend|my neighbour|my neighbor|neighbour|neighbor"),
        "pro": t._(
            "professional|doctor|my doctor|nurse|lawyer|my lawyer|teacher|psychologist|"
            "therapist|pharmacist|midwife|educator"
        ),
        "association": t._(
            "association|charity|food bank|volunteer|volunteers|club|church|mosque|union"
        ),
        "institution": t._(
            "institution|public service|town hall|city hall|job centre|job center|school|"
            "hospital|bank|court|police|housing office|tax office"
        ),
        "elected": t._("elected|mayor|the mayor|councillor|councilor|MP|member of parliament"),
        "worker": t._(
            "my social worker|social worker|the social worker|caseworker|my caseworker|"
            "my worker|support worker"
        ),
    }
    return {key: [w.strip() for w in words.split("|") if w.strip()] for key, words in lists.items()}


def answered(t: Translator, flow: Flow, shown: str, answer: Answer | None = None) -> str:
    """The question once answered: its text, then what the person gave, without buttons, and
    a word of recognition for a challenge met."""
    text = f"{question_text(t, flow)}\n\n✔ <i>{shown}</i>"
    praise = _praise(flow, answer) if answer is not None else None
    return text + "\n\n" + t._(praise) if praise else text


def _praise(flow: Flow, answer: Answer) -> str | None:
    step = flow.step
    if not answer.given or not answer.text:
        return None
    chosen = (
        [answer.text]
        if step.kind is Kind.CHOICE
        else [i.get("outcome", "") for i in json_list(answer.text)]
        if step.kind is Kind.AGREED
        else []
    )
    return next((o.praise for c in chosen if (o := step.option(c)) and o.praise), None)


def review(
    t: Translator, flow: Flow, worker_name: str | None, preview: brief_model.BriefInput
) -> list[Reply]:
    """Exactly what the worker will read, then one button row per section and the two choices."""
    parts = [
        p.html
        for p in brief_views.render_brief(t, flow.dialogue, preview)
        if isinstance(p, brief_model.TextPart)
    ]
    intro = dialogue_views.fill(
        t, flow.dialogue, flow.step.question, flow.answers, flow.previous, {}
    )
    pid, review_id = flow.id, flow.step.id
    rows: Buttons = []
    for step in flow.asked:
        answer = flow.answers.get(step.id)
        hidden = bool(answer and answer.hidden)
        label = t._(step.label)
        row = [
            (
                t._("✏️ {section}").format(section=label),
                callbacks.step(pid, review_id, StepAction.EDIT, step.id),
            )
        ]
        if answer is not None:  # a screen reader reads only the label: it names the section
            toggle = (
                t._("👁 Show: {section}").format(section=label)
                if hidden
                else t._("🙈 Hide: {section}").format(section=label)
            )
            row.append((toggle, callbacks.step(pid, review_id, StepAction.HIDE, step.id)))
        rows.append(row)
    send_label = (
        t._("📨 Send to {worker}").format(worker=worker_name)
        if worker_name
        else t._("📨 Send to my social worker")
    )
    rows.append([(send_label, callbacks.step(pid, review_id, StepAction.SEND))])
    rows.append([(t._("🔒 Keep it for me"), callbacks.step(pid, review_id, StepAction.KEEP))])
    rows.append([later_button(t, flow)])
    hidden_names = [t._(s.label) for s in flow.asked if (a := flow.answers.get(s.id)) and a.hidden]
    closing = intro
    if hidden_names:
        closing += "\n\n" + t._("Hidden: {sections}").format(sections=esc(", ".join(hidden_names)))
    return [Reply(part) for part in parts] + [Reply(closing, rows)]


def resume_offer(t: Translator, flow: Flow) -> Reply:
    pid, step_id = flow.id, flow.step.id
    if flow.step.kind is Kind.REVIEW:
        text = t._("You started a preparation. We stopped at the last check.")
    else:
        position, total = flow.progress
        text = t._("You started a preparation. We stopped at question {number} of {total}.").format(
            number=position, total=total
        )
    so_far = recap(t, flow)
    if so_far:
        text += "\n\n" + so_far
    return Reply(
        text + "\n\n" + t._("Do you want to go on, or start again?"),
        [
            [(t._("Continue"), callbacks.step(pid, step_id, StepAction.GO))],
            [
                (
                    t._("Start again (erases these answers)"),
                    callbacks.step(pid, step_id, StepAction.NEW),
                )
            ],
        ],
    )


def welcome(t: Translator, meeting_at: datetime | None) -> Reply:
    text = t._(
        "Let's prepare your meeting. One question at a time.\n\nYou can skip a "
        "question. You can change your answers at the end. Nothing is sent "
        "unless you say yes."
    )
    if meeting_at is not None:
        text = meeting_views.next_meeting_line(t, meeting_at) + "\n\n" + text
    return Reply(text)


def ally_name_prompt(t: Translator) -> Reply:
    return Reply(
        t._("Write the name of the person or the group. For example: Marie, or the food bank.")
    )


def too_long(t: Translator, length: int, limit: int) -> Reply:
    return Reply(
        t._(
            "This is too long for me: {length} characters. The limit is {limit}. Can "
            "you say it with fewer words? You can also send a voice message."
        ).format(length=length, limit=limit)
    )


def ally_name_too_long(t: Translator, limit: int) -> Reply:
    return Reply(
        t._("Please write a shorter name: {limit} characters at most.").format(limit=limit)
    )


def use_buttons(t: Translator) -> Reply:
    return Reply(t._("For this question, please press a button below it."))


def text_or_voice_only(t: Translator) -> Reply:
    return Reply(t._("Here I can only take words or a voice message. Here is the question again."))


def edit_ignored(t: Translator) -> Reply:
    return Reply(
        t._(
            "Changing a message does not change your answer. Use « Back, or change "
            "it at the end. Here is where we are."
        )
    )


def not_a_step_button(t: Translator) -> str:
    """Shown as a short notice on an older question's button (kept under 200 characters)."""
    return t._("This button is from an earlier question. Here is where we are.")


def sent(t: Translator, worker_name: str | None) -> Reply:
    worker = esc(worker_name) if worker_name else t._("your social worker")
    return Reply(
        t._(
            "Sent. {worker} will get your preparation. I will tell you when {worker} "
            "has read it.\n\n/logbook shows your small steps."
        ).format(worker=worker)
    )


def kept(t: Translator) -> Reply:
    return Reply(
        t._(
            "Kept for you. Nothing was sent. It will help you next time. /logbook "
            "shows your small steps."
        )
    )


# What a pressed choice leaves under its message, once the buttons are gone.


def chosen_continue(t: Translator) -> str:
    return t._("Continue")


def chosen_start_over(t: Translator) -> str:
    return t._("Start again")


def chosen_keep(t: Translator) -> str:
    return t._("Kept for me")


def chosen_send(t: Translator, worker: str) -> str:
    return t._("Sent to {worker}").format(worker=esc(worker))


def worker_paused(t: Translator, worker: str) -> Reply:
    return Reply(
        t._(
            "{worker} cannot get preparations at the moment. So I cannot send it. Your "
            "preparation stays here. You can keep it for yourself. Your service can give you "
            "another social worker. I told the coordination that you are waiting."
        ).format(worker=esc(worker))
    )


def no_worker(t: Translator) -> Reply:
    return Reply(
        t._(
            "No social worker is with you right now. So I cannot send it. You can "
            "keep it for yourself."
        )
    )


def brief_read(t: Translator, worker_name: str, reference: str) -> str:
    """For the person: their worker has read their preparation."""
    return t._("{worker} read your preparation ({reference}).").format(
        worker=esc(worker_name), reference=reference
    )


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
    return t._("⚠️ Maybe sent twice. You may already have this message.")


def read_button(t: Translator, preparation_id: int, *, done: bool) -> Buttons:
    """Under a brief: *I've read it*, and topics the worker would like to add."""
    label = t._("✔ Read") if done else t._("✓ I've read it")
    return [
        [(label, callbacks.build(callbacks.READ, preparation_id))],
        [
            (
                t._("➕ Topics I would like to add"),
                callbacks.build(callbacks.TOPICS_BRIEF, preparation_id),
            )
        ],
    ]


def already_read(t: Translator) -> str:
    return t._("Already marked as read.")


def brief_messages(
    t: Translator, worker_id: int, preparation_id: int, parts: Sequence[brief_model.BriefPart]
) -> list[Outgoing]:
    """The brief as outbox messages: protected, the read button on its last text part."""
    repeat = repeat_note(t)
    messages = [
        Outgoing(worker_id, "text", part.html, repeat, protect=True)
        if isinstance(part, brief_model.TextPart)
        else Outgoing(
            worker_id,
            "voice" if isinstance(part, brief_model.VoicePart) else part.kind,
            part.file_id,
            repeat,
            caption=part.caption,
            protect=True,
        )
        for part in parts
    ]
    last_text = max(i for i, m in enumerate(messages) if m.kind == "text")
    messages[last_text] = replace(
        messages[last_text], buttons=read_button(t, preparation_id, done=False)
    )
    return messages
