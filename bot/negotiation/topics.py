"""The worker's topics, as a domain: what a draft takes, and how long a topic or a word may be.

The worker types topics one per line (or sends one voice message) and a short word for the
person; the person may answer a topic with a comment. Each returns what came of it; the
handlers say it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.context import Services
from bot.negotiation.topics_store import MAX_TOPICS

TOPIC_MAX_LENGTH = 200  # characters of one typed topic
WORD_MAX_LENGTH = 500  # characters of the worker's word, or of the person's comment


class Draft(enum.Enum):
    KEPT = "kept"  # in the draft
    TOO_LONG = "too_long"  # a topic or the word longer than `limit`: nothing kept
    FULL = "full"  # some did not fit: the draft holds MAX_TOPICS (`limit`)


@dataclass(frozen=True)
class Drafted:
    outcome: Draft
    limit: int = 0


def lines_of(text: str) -> list[str]:
    """The topics in what was typed: one per non-blank line, spaces tidied."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


async def add(svc: Services, list_id: int, text: str, voice: str | None) -> Drafted:
    """Typed topics (one per line) or one voice message, into the draft, up to MAX_TOPICS."""
    lines = [] if voice else lines_of(text)
    if any(len(line) > TOPIC_MAX_LENGTH for line in lines):
        return Drafted(Draft.TOO_LONG, TOPIC_MAX_LENGTH)
    added = await svc.topics.add(list_id, lines, voice)
    if added < (1 if voice else len(lines)):
        return Drafted(Draft.FULL, MAX_TOPICS)
    return Drafted(Draft.KEPT)


async def set_word(svc: Services, list_id: int, text: str) -> Drafted:
    """The worker's short word for the person, with the topics."""
    if not word_fits(text):
        return Drafted(Draft.TOO_LONG, WORD_MAX_LENGTH)
    await svc.topics.set_word(list_id, text)
    return Drafted(Draft.KEPT)


def word_fits(text: str) -> bool:
    """Whether a word for the person, or a person's comment on a topic, is short enough."""
    return len(text) <= WORD_MAX_LENGTH
