"""The logbook of small steps: what a person planned, and how it went by the next preparation.

A step whose question quotes `{previous.X}` asks how X went; so the outcome of X in one
preparation is that step's answer in the next. Nothing here is tied to a step's name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.dialogue.model import PREVIOUS, Dialogue, Kind, Step, placeholders
from bot.repository import Answer, Preparation

# Whether an answer of a preparation may be shown to whoever is looking.
Visible = Callable[[Preparation, Answer], bool]


@dataclass(frozen=True)
class Entry:
    """One planned step: when, what, and how it went (None while not yet told)."""

    planned_at: datetime
    step: Step
    planned: Answer
    outcome_step: Step | None
    outcome: Answer | None


def followed_by(dialogue: Dialogue) -> dict[str, Step]:
    """For each step X, the step that later asks how X went."""
    found: dict[str, Step] = {}
    for step in dialogue.steps:
        for scope, step_id in placeholders(step.question):
            if scope == PREVIOUS:
                found.setdefault(step_id, step)
    return found


def sent_to(preparation: Preparation | None, worker_id: int | None) -> bool:
    """Whether this worker received the preparation: only then may they read any of it."""
    return (
        preparation is not None
        and preparation.status == "sent"
        and worker_id is not None
        and preparation.worker_id == worker_id
    )


def shared_with(worker_id: int | None) -> Visible:
    """What a worker may see: what was sent to them, answered and not hidden."""

    def visible(preparation: Preparation, answer: Answer) -> bool:
        return sent_to(preparation, worker_id) and answer.given and not answer.hidden

    return visible


def given(preparation: Preparation, answer: Answer) -> bool:
    """What the person sees of their own: everything they answered."""
    return answer.given


def entries(
    dialogue: Dialogue, preparations: Sequence[Preparation], visible: Visible
) -> list[Entry]:
    """The logbook, oldest first, over all the person's finished preparations (in any order):
    a step's outcome is in the very next one, and shows only if `visible` there too."""
    ordered = sorted(preparations, key=lambda p: p.id)
    follow = followed_by(dialogue)
    found: list[Entry] = []
    for index, preparation in enumerate(ordered):
        for step_id, outcome_step in follow.items():
            step = dialogue.step(step_id)
            planned = preparation.answers.get(step_id)
            if step is None or planned is None or not visible(preparation, planned):
                continue
            outcome = None
            if index + 1 < len(ordered):
                following = ordered[index + 1]
                later = following.answers.get(outcome_step.id)
                outcome = later if later is not None and visible(following, later) else None
            moment = preparation.finished_at or preparation.started_at
            found.append(Entry(moment, step, planned, outcome_step, outcome))
    return found


def scores(
    dialogue: Dialogue, preparations: Sequence[Preparation], visible: Visible
) -> dict[Step, list[int]]:
    """Each scale step's values over the preparations, oldest first."""
    found: dict[Step, list[int]] = {}
    for preparation in sorted(preparations, key=lambda p: p.id):
        for step in dialogue.steps:
            answer = preparation.answers.get(step.id)
            text = answer.text if answer and visible(preparation, answer) else None
            if step.kind is Kind.SCALE and text and text.isdigit():
                found.setdefault(step, []).append(int(text))
    return found
