"""The generic engine: which step comes next, which came before, where the person stands.

Pure functions over a `Dialogue` and the answers given so far; the file decides the steps, this
module only follows it. It says nothing itself: the words for answers and questions are in
`dialogue/views.py`; `proposal_for` builds an answer the person may take as theirs.
`previous` is the person's last finished preparation (for conditions and `{previous.step}`
placeholders).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import replace

from bot.core.i18n import Translator
from bot.core.text import format_fields
from bot.preparation.dialogue import wording
from bot.preparation.dialogue.model import AGREED, PREVIOUS, Dialogue, Kind, Step
from bot.preparation.store import Answer, json_list

Answers = Mapping[str, Answer]


def applies(step: Step, answers: Answers, previous: Answers) -> bool:
    """Whether `step` is asked, given the answers so far (a skipped answer does not count)."""
    for needed in step.when.answered:
        answer = answers.get(needed)
        if answer is None or answer.skipped:
            return False
    if step.when.answered_any and not any(
        (answer := answers.get(s)) is not None and answer.given for s in step.when.answered_any
    ):
        return False
    return _possible(step, previous)


def first_step(dialogue: Dialogue, previous: Answers) -> Step:
    return next(s for s in dialogue.steps if applies(s, {}, previous))


def next_step(dialogue: Dialogue, current: str, answers: Answers, previous: Answers) -> Step:
    """The next step that applies after `current`; the review closes every dialogue."""
    later = dialogue.steps[dialogue.index(current) + 1 :]
    return next((s for s in later if applies(s, answers, previous)), dialogue.review)


def newly_opened(dialogue: Dialogue, current: str, answers: Answers, previous: Answers) -> Step:
    """After changing an answer from the review: the first later step that the change made
    applicable and that was never answered (asked before going back), else the review."""
    later = dialogue.steps[dialogue.index(current) + 1 :]
    opened = (
        s
        for s in later
        if s.kind is not Kind.REVIEW and s.id not in answers and applies(s, answers, previous)
    )
    return next(opened, dialogue.review)


def step_before(
    dialogue: Dialogue, current: str, answers: Answers, previous: Answers
) -> Step | None:
    """The nearest earlier step that applies: where *back* leads."""
    earlier = dialogue.steps[: dialogue.index(current)]
    return next((s for s in reversed(earlier) if applies(s, answers, previous)), None)


def effective(step: Step, answers: Answers) -> Step:
    """The step as asked: its first variant whose answers match replaces question and label."""
    for variant in step.variants:
        if all(
            (answer := answers.get(step_id)) is not None and answer.given and answer.text == value
            for step_id, value in variant.equals
        ):
            return replace(step, question=variant.question, label=variant.label or step.label)
    return step


def asked_steps(dialogue: Dialogue, answers: Answers, previous: Answers) -> list[Step]:
    """The questions this preparation asks, in order (the review excluded): the brief's sections."""
    return [
        effective(s, answers)
        for s in dialogue.steps
        if s.kind is not Kind.REVIEW and applies(s, answers, previous)
    ]


def progress(
    dialogue: Dialogue, current: str, answers: Answers, previous: Answers
) -> tuple[int, int]:
    """(number of the current question, number of questions). The total is fixed for the whole
    preparation: every step that last time allows is counted, and a step that an answer of this
    preparation rules out is passed over, so the number jumps instead of the total shrinking."""
    possible = [
        i
        for i, s in enumerate(dialogue.steps)
        if s.kind is not Kind.REVIEW and _reachable(dialogue, s, previous)
    ]
    index = dialogue.index(current)
    before = sum(1 for i in possible if i < index)
    return min(before + 1, max(len(possible), 1)), max(len(possible), 1)


def _reachable(dialogue: Dialogue, step: Step, previous: Answers) -> bool:
    """Whether a step can be asked in this preparation, whatever the person answers: last time
    allows it, and so it does the steps it depends on."""
    if not _possible(step, previous):
        return False

    def can(step_id: str) -> bool:
        needed = dialogue.step(step_id)
        return needed is not None and _reachable(dialogue, needed, previous)

    if not all(can(s) for s in step.when.answered):
        return False
    return not step.when.answered_any or any(can(s) for s in step.when.answered_any)


def _possible(step: Step, previous: Answers) -> bool:
    """Whether a step can be asked in this preparation at all: last time allows it."""
    agreed = bool(agreed_steps(previous))
    if step.when.agreed is not None and step.when.agreed != agreed:
        return False
    if step.kind is Kind.AGREED and not agreed:
        return False
    last_time = step.when.answered_last_time
    if last_time is None:
        return True
    answer = previous.get(last_time)
    return answer is not None and not answer.skipped


def agreed_steps(previous: Answers) -> list[dict[str, str]]:
    """The steps agreed after the last meeting and accepted by the person, as carried among
    last time's answers: each with what, who (a name) and by_when."""
    answer = previous.get(AGREED)
    return json_list(answer.text if answer else None)


def proposal_for(
    t: Translator, dialogue: Dialogue, step: Step, answers: Answers, previous: Answers
) -> str | None:
    """The person's own question built from their answers, as plain text ("How can I …?"),
    only where their words are sure to read as a sentence in this language; else None."""
    if step.proposal is None:
        return None
    names = [
        (name, scope, step_id)
        for _, name, _, _ in string.Formatter().parse(step.proposal)
        if name is not None
        for scope, _, step_id in [name.rpartition(".")]
    ]
    if len(names) != len(wording.PARTS):
        return None
    values: dict[str, str] = {}
    for part, (name, scope, step_id) in zip(wording.PARTS, names, strict=True):
        answer = (previous if scope == PREVIOUS else answers).get(step_id)
        if answer is None or not answer.given or answer.voice_file_id or answer.together:
            return None
        clause = wording.clause(t.language, part, answer.text or "")
        if clause is None:
            return None
        values[name] = clause
    return format_fields(t._(step.proposal), values)
