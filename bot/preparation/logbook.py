"""The logbook of small steps: what a person planned, and how it went by the next preparation.

A step whose question quotes `{previous.X}` asks how X went; so the outcome of X in one
preparation is that step's answer in the next. Nothing here is tied to a step's name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.negotiation.agreements_store import Agreement
from bot.preparation.dialogue.model import PREVIOUS, Dialogue, Kind, Step, placeholders
from bot.preparation.logbook_model import AgreedEntry as AgreedEntry
from bot.preparation.logbook_model import Entry as Entry
from bot.preparation.store import Answer, Preparation, json_list

# Whether an answer of a preparation may be shown to whoever is looking.
Visible = Callable[[Preparation, Answer], bool]


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
            found.append(Entry(moment, step, planned, outcome_step, outcome, preparation.id))
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


def agreed_entries(
    dialogue: Dialogue,
    agreements: Sequence[Agreement],
    preparations: Sequence[Preparation],
    visible: Visible,
) -> list[AgreedEntry]:
    """The accepted agreements, oldest first, each with what the next preparation said of it."""
    ordered = sorted(preparations, key=lambda p: p.finished_at or p.started_at)
    looking_back = next((s for s in dialogue.steps if s.kind is Kind.AGREED), None)
    learned_step = next(
        (s for s in dialogue.steps if looking_back and looking_back.id in s.when.answered_any),
        None,
    )
    follow = followed_by(dialogue)
    found: list[AgreedEntry] = []
    for agreement in agreements:
        if agreement.status != "accepted" or agreement.answered_at is None:
            continue
        told: list[str | None] = [None] * len(agreement.steps)
        learned = None
        after = [p for p in ordered if (p.finished_at or p.started_at) >= agreement.answered_at]
        if after and looking_back is not None:
            answer = after[0].answers.get(looking_back.id)
            if answer is not None and visible(after[0], answer):
                outcomes = [item.get("outcome") for item in json_list(answer.text)]
                told = [outcomes[i] if i < len(outcomes) else None for i in range(len(told))]
                said = after[0].answers.get(learned_step.id) if learned_step else None
                learned = said if said is not None and visible(after[0], said) else None
        source = next((p for p in ordered if p.id == agreement.preparation_id), None)
        prepared = tuple(
            (step, answer)
            for step_id in follow
            if source is not None
            and (step := dialogue.step(step_id)) is not None
            and (answer := source.answers.get(step_id)) is not None
            and visible(source, answer)
        )
        found.append(AgreedEntry(agreement, tuple(told), looking_back, learned, prepared))
    return found


def without_agreed(entries: Sequence[Entry], agreed: Sequence[AgreedEntry]) -> list[Entry]:
    """The small steps of preparations that led to an accepted agreement are in that agreement,
    with how they went: they are not listed twice."""
    covered = {a.agreement.preparation_id for a in agreed}
    return [e for e in entries if e.preparation_id not in covered]
