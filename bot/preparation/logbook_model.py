"""What a logbook is made of: the steps a person planned and the agreements they accepted,
each with how it went (gathered by bot/preparation/logbook.py, shown by history_views.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.negotiation.agreements_store import Agreement
from bot.preparation.dialogue.model import Step
from bot.preparation.store import Answer


@dataclass(frozen=True)
class Entry:
    """One planned step: when, what, and how it went (None while not yet told)."""

    planned_at: datetime
    step: Step
    planned: Answer
    outcome_step: Step | None
    outcome: Answer | None
    preparation_id: int | None = None


@dataclass(frozen=True)
class AgreedEntry:
    """An accepted agreement, how each of its steps went (an option id, or None while not
    told) and what was learned, as told in the next preparation."""

    agreement: Agreement
    outcomes: tuple[str | None, ...]
    outcome_step: Step | None
    learned: Answer | None
    prepared: tuple[tuple[Step, Answer], ...] = ()  # the small step prepared before, if shown
