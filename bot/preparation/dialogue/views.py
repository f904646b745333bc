"""The dialogue's words: a question with earlier answers in its placeholders, an answer quoted.

Given the dialogue, the answers and the allies (plain data); the engine decides which step
comes, these say it.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from bot.core.i18n import Translator
from bot.core.text import esc, format_fields
from bot.preparation.dialogue.model import PREVIOUS, PROPOSAL, Dialogue, Kind, Step
from bot.preparation.store import Ally, Answer, chosen_allies

Answers = Mapping[str, Answer]


def answer_words(t: Translator, step: Step, answer: Answer, allies: Mapping[int, Ally]) -> str:
    """An answer as plain words (not HTML), to quote it inside another text."""
    if answer.voice_file_id:
        return t._("(a voice message)")
    if answer.together:
        return t._("(to put into words together)")
    text = answer.text or ""
    if step.kind is Kind.CHOICE:
        option = step.option(text)
        return t._(option.label) if option else text
    if step.kind is Kind.JOKERS:
        return ", ".join(allies[i].name for i in chosen_allies(answer) if i in allies)
    return text


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
    return format_fields(t._(text), values)
