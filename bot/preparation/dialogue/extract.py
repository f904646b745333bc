"""Babel extractor for dialogue files, so `make extract` puts their texts in the catalogs.

Registered as the `escale_dialogue` method (an entry point in pyproject.toml, mapped in
babel.cfg). It reads a file through `model.parse`, so it extracts exactly the texts the bot
translates, and refuses a broken file as the bot would.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from bot.preparation.dialogue.model import DialogueError, Kind, Step, parse

_STEP_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*step[ \t]*\]\]", re.MULTILINE)


def extract_dialogue(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield `(line, None, message, comments)` for every text of every step.

    The comments say which step and field a text comes from, since a translator sees it out of
    its file; the step's `note` follows. `keywords` and `comment_tags` concern code, not
    dialogues: they are unused.
    """
    path = Path(getattr(fileobj, "name", "<dialogue>"))
    text = fileobj.read().decode("utf-8")
    try:
        dialogue = parse(tomllib.loads(text), path)
    except tomllib.TOMLDecodeError as error:
        raise DialogueError(f"{path}: not valid TOML ({error})") from None
    starts = [found.start() for found in _STEP_HEADER.finditer(text)]
    for number, step in enumerate(dialogue.steps):
        start = starts[number] if len(starts) == len(dialogue.steps) else 0
        for field, message in _texts(step):
            comments = [f'Dialogue step "{step.id}" ({step.kind.value}): {field}']
            if step.translator_note:
                comments.append(step.translator_note)
            yield _line(text, message, start), None, message, comments


def _texts(step: Step) -> Iterator[tuple[str, str]]:
    """The step's translatable texts with where they come from, in the order of the file."""
    if step.label:
        yield "label", step.label
    yield "question", step.question
    if step.hint:
        yield "hint", step.hint
    if step.proposal:
        yield "proposal", step.proposal
    for number, variant in enumerate(step.variants, start=1):
        if variant.label:
            yield f"variant {number} label", variant.label
        yield f"variant {number} question", variant.question
    if step.low_label:
        yield "low_label", step.low_label
    if step.high_label:
        yield "high_label", step.high_label
    kind = "relation" if step.kind is Kind.JOKERS else "option"
    for option in step.options:
        yield f'{kind} "{option.id}"', option.label
        if option.praise:
            yield f'{kind} "{option.id}" praise', option.praise


def _line(text: str, message: str, start: int) -> int:
    """Best effort: the line where `message` is written, searched from its step's header."""
    for written in (json.dumps(message, ensure_ascii=False), f"'{message}'", message):
        found = text.find(written.split("\n")[0], start)
        if found >= 0:
            return text.count("\n", 0, found) + 1
    return text.count("\n", 0, start) + 1
