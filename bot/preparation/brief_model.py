"""What a brief is made of: the data the rules gather for it, and the messages it becomes.

The rules (bot/preparation/flow.py) fill a `BriefInput`; the brief's views
(bot/preparation/brief_views.py) turn it into parts; the outbox sends them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.preparation.dialogue.model import Step
from bot.preparation.store import Ally, Answer


def reference(preparation_id: int) -> str:
    """A stable reference a worker can quote; it also tells a repeat from a new brief."""
    return f"ESC-{preparation_id:05d}"


@dataclass(frozen=True)
class BriefInput:
    """Everything a brief shows; `steps` are the steps asked, in order, without the review."""

    reference: str
    person_name: str
    prepared_at: datetime
    steps: Sequence[Step]
    answers: Mapping[str, Answer]
    previous_answers: Mapping[str, Answer]
    allies: Mapping[int, Ally]
    history: Mapping[str, Sequence[int]]  # scale step id -> earlier values seen, oldest first
    meeting_at: datetime | None = None
    meeting_id: int | None = None  # not shown: the meeting a sent preparation is attached to


@dataclass(frozen=True)
class TextPart:
    html: str


@dataclass(frozen=True)
class VoicePart:
    """A voice answer, sent as the voice itself: the worker hears the person."""

    file_id: str
    caption: str


@dataclass(frozen=True)
class FilePart:
    """A photo or a document the person gave as part of an answer, sent as itself."""

    kind: Literal["photo", "document"]
    file_id: str
    caption: str


BriefPart = TextPart | VoicePart | FilePart


def in_brief_order(steps: Sequence[Step]) -> list[Step]:
    """The steps that lead the brief (by rank), then the others in the dialogue's order."""
    leading = sorted((s for s in steps if s.lead is not None), key=lambda s: s.lead or 0)
    return leading + [s for s in steps if s.lead is None]
