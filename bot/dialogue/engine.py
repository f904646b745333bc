"""The generic engine: which step comes next, which came before, where the person stands.

Pure functions over a `Dialogue` and the answers given so far; the file decides the steps, this
module only follows it. `previous` is the person's last finished preparation (for conditions and
`{previous.step}` placeholders).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping

from bot.dialogue.model import PREVIOUS, PROPOSAL, Dialogue, Kind, Step, placeholders
from bot.i18n import Translator
from bot.repository import Ally, Answer
from bot.views import esc

Answers = Mapping[str, Answer]
_END_PUNCTUATION = re.compile(r"[\s.!?…;:,]+$")


def applies(step: Step, answers: Answers, previous: Answers) -> bool:
    """Whether `step` is asked, given the answers so far (a skipped answer does not count)."""
    if _proposes_from_voice(step, answers, previous):
        return False
    for needed in step.when.answered:
        answer = answers.get(needed)
        if answer is None or answer.skipped:
            return False
    last_time = step.when.answered_last_time
    if last_time is not None:
        answer = previous.get(last_time)
        if answer is None or answer.skipped:
            return False
    return True


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


def asked_steps(dialogue: Dialogue, answers: Answers, previous: Answers) -> list[Step]:
    """The questions this preparation asks, in order (the review excluded): the brief's sections."""
    return [
        s for s in dialogue.steps if s.kind is not Kind.REVIEW and applies(s, answers, previous)
    ]


def progress(
    dialogue: Dialogue, current: str, answers: Answers, previous: Answers
) -> tuple[int, int]:
    """(number of the current question, number of questions), counting a later conditional
    step as long as what it depends on is not yet known to rule it out."""
    index = dialogue.index(current)
    before = [s for s in dialogue.steps[:index] if applies(s, answers, previous)]
    after = [
        s
        for s in dialogue.steps[index + 1 :]
        if s.kind is not Kind.REVIEW and _might_apply(dialogue, s, index, answers, previous)
    ]
    return len(before) + 1, len(before) + 1 + len(after)


def _might_apply(
    dialogue: Dialogue, step: Step, current: int, answers: Answers, previous: Answers
) -> bool:
    """Whether a step after the `current` index can still be asked: each step it needs is
    answered, or is still to come and can itself still be asked."""
    if _proposes_from_voice(step, answers, previous):
        return False
    for needed in step.when.answered:
        answer = answers.get(needed)
        if answer is not None:
            if answer.skipped:
                return False
            continue
        where = dialogue.index(needed)
        if where < current:  # already passed without being asked
            return False
        if where > current and not _might_apply(
            dialogue, dialogue.steps[where], current, answers, previous
        ):
            return False
    last_time = step.when.answered_last_time
    if last_time is not None:
        answer = previous.get(last_time)
        return answer is not None and not answer.skipped
    return True


def _proposes_from_voice(step: Step, answers: Answers, previous: Answers) -> bool:
    """A wording built from answers cannot quote a voice message: such a step is not asked."""
    if step.proposal is None:
        return False
    for scope, step_id in placeholders(step.proposal):
        answer = (previous if scope == PREVIOUS else answers).get(step_id)
        if answer is not None and answer.voice_file_id:
            return True
    return False


def answer_words(t: Translator, step: Step, answer: Answer, allies: Mapping[int, Ally]) -> str:
    """An answer as plain words (not HTML), to quote it inside another text."""
    if answer.voice_file_id:
        return t._("(a voice message)")
    text = answer.text or ""
    if step.kind is Kind.CHOICE:
        option = step.option(text)
        return t._(option.label) if option else text
    if step.kind is Kind.JOKERS:
        return ", ".join(allies[i].name for i in chosen_allies(answer) if i in allies)
    return text


def chosen_allies(answer: Answer) -> list[int]:
    """The ally ids stored in a jokers answer (a JSON list); anything else chooses nobody."""
    if answer.skipped or not answer.text:
        return []
    try:
        ids = json.loads(answer.text)
    except ValueError:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def fill(
    t: Translator,
    dialogue: Dialogue,
    text: str,
    answers: Answers,
    previous: Answers,
    allies: Mapping[int, Ally],
    *,
    escape: bool = True,
    proposal: str | None = None,
) -> str:
    """Translate `text` and put earlier answers in its placeholders (escaped for HTML)."""
    values: dict[str, str] = {}
    for _, name, _, _ in string.Formatter().parse(text):
        if name is None or name in values:
            continue
        scope, _, step_id = name.rpartition(".")
        if name == PROPOSAL:
            values[name] = proposal or ""
            continue
        step = dialogue.step(step_id)
        answer = (previous if scope == PREVIOUS else answers).get(step_id)
        words = answer_words(t, step, answer, allies) if step and answer else ""
        values[name] = esc(words) if escape else words
    translated = t._(text)
    return _format(translated, values)


def _format(text: str, values: Mapping[str, str]) -> str:
    """`str.format` reads `{previous.x}` as an attribute; replace the fields by name instead."""
    out: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def proposal_for(
    t: Translator, dialogue: Dialogue, step: Step, answers: Answers, previous: Answers
) -> str:
    """The person's own question built from their answers, as plain text: "How can I …?"."""
    assert step.proposal is not None
    values: dict[str, str] = {}
    for _, name, _, _ in string.Formatter().parse(step.proposal):
        if name is None:
            continue
        scope, _, step_id = name.rpartition(".")
        answer = (previous if scope == PREVIOUS else answers).get(step_id)
        source = dialogue.step(step_id)
        words = answer_words(t, source, answer, {}) if source and answer else ""
        values[name] = _clause(words)
    return _format(t._(step.proposal), values)


def _clause(words: str) -> str:
    """An answer made to sit inside a sentence: no final full stop, no capital at the start."""
    words = _END_PUNCTUATION.sub("", " ".join(words.split()))
    if len(words) > 1 and words[0].isupper() and words[1].islower():
        words = words[0].lower() + words[1:]
    return words
