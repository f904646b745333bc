"""What we agreed, as a domain: the worker's proposal after a meeting, the person's say on it.

The proposal is prefilled from the person's last preparation sent to this worker (their
question, their small step, their plan B) and stays a proposal until the person accepts it.
Only an accepted agreement reaches the logbook and the next preparation's *since last time*.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.accounts.store import Account
from bot.context import Services
from bot.negotiation.agreements_store import AgreedStep, Agreement, Who
from bot.preparation import logbook
from bot.preparation.dialogue.model import Kind
from bot.preparation.store import Ally, Answer, Preparation, chosen_allies

log = logging.getLogger(__name__)

TEXT_WAIT = timedelta(hours=1)  # a text asked for and not given by then is no longer awaited
PART_MAX_LENGTH = 500


def _given_text(preparation: Preparation, step_id: str | None) -> str | None:
    answer = preparation.answers.get(step_id or "")
    if answer is None or not answer.given or answer.hidden or answer.voice_file_id:
        return None
    return (answer.text or "").strip() or None


async def prefill(
    svc: Services, person_id: int, worker_id: int
) -> tuple[int | None, str | None, str | None, list[AgreedStep]]:
    """From the last preparation this worker received: its id, the question, plan B, steps."""
    finished = await svc.preparations.finished(person_id, limit=10)
    sent = next((p for p in finished if logbook.sent_to(p, worker_id)), None)
    if sent is None:
        return None, None, None, []
    by_kind = {s.kind: s.id for s in svc.dialogue.steps}
    question = _given_text(sent, by_kind.get(Kind.OWN_QUESTION))
    small_step = _given_text(sent, "small_step")
    plan_b = _given_text(sent, "plan_b")
    steps = [AgreedStep(small_step, "person")] if small_step else []
    return sent.id, question, plan_b, steps


async def allies_shared_with(svc: Services, person_id: int, worker_id: int) -> list[Ally]:
    """The allies this worker may see: chosen in a jokers answer, not hidden, of a
    preparation sent to them. Others the person named (kept, hidden, sent to a former
    worker) are not theirs to read."""
    jokers = {s.id for s in svc.dialogue.steps if s.kind is Kind.JOKERS}
    shared: set[int] = set()
    for preparation in await svc.preparations.finished(person_id):
        if not logbook.sent_to(preparation, worker_id):
            continue
        for step_id, answer in preparation.answers.items():
            if step_id in jokers and answer.given and not answer.hidden:
                shared.update(chosen_allies(answer))
    return [a for a in await svc.preparations.allies(person_id) if a.id in shared]


async def start(
    svc: Services, worker: Account, person_id: int, meeting_id: int | None
) -> Agreement | None:
    """The worker's draft; None if the meeting's agreement belongs to another worker."""
    preparation_id, question, plan_b, steps = await prefill(svc, person_id, worker.user_id)
    return await svc.agreements.start(
        person_id,
        worker.user_id,
        svc.clock.now(),
        meeting_id=meeting_id,
        preparation_id=preparation_id,
        question=question,
        plan_b=plan_b,
        steps=steps,
    )


async def agreed_for_next_time(
    svc: Services, person: Account, last_time: Preparation | None
) -> Answer | None:
    """The steps of the agreement accepted since the person's last preparation, carried among
    last time's answers so the dialogue asks how each went."""
    agreement = await svc.agreements.latest_accepted(person.user_id)
    if agreement is None or not agreement.steps or agreement.answered_at is None:
        return None
    if (
        last_time is not None
        and agreement.preparation_id != last_time.id
        and (last_time.finished_at is None or agreement.answered_at < last_time.finished_at)
    ):
        return None
    worker = await svc.repo.account(agreement.worker_id or 0)
    names = {"person": person.known_as, "worker": worker.display_name if worker else ""}
    # Who does each step, by role and by name: each reader's view says it in their words.
    items = [
        {
            "what": step.what,
            "by": step.who,
            "who": names.get(step.who, step.ally_name or ""),
            "by_when": step.by_when or "",
        }
        for step in agreement.steps
    ]
    return Answer("_agreed", text=json.dumps(items, ensure_ascii=False))


def part_fits(text: str) -> bool:
    """Whether a part typed for an agreement (the question, plan B, a step, its date) is short
    enough to keep."""
    return len(text) <= PART_MAX_LENGTH


class Step(enum.Enum):
    ADDED = "added"  # the step is in the draft; its date is asked next (`number`)
    ALLY_NOT_OFFERED = "ally_not_offered"  # an ally this worker may not see, or no longer there
    FULL = "full"  # the draft holds MAX_STEPS already


@dataclass(frozen=True)
class StepAdded:
    outcome: Step
    number: int = 0  # the step's number, from 1


async def add_step(
    svc: Services, agreement: Agreement, person_id: int, worker_id: int, who: str, what: str
) -> StepAdded:
    """A step the worker typed, for who does it as they chose it ("person", "worker" or
    "ally:<id>"): an ally only among those this worker may see."""
    role, _, ally = who.partition(":")
    ally_name = None
    if role == "ally":
        shared = {a.id: a.name for a in await allies_shared_with(svc, person_id, worker_id)}
        ally_name = shared.get(int(ally)) if ally.isdigit() else None
        if ally_name is None:
            return StepAdded(Step.ALLY_NOT_OFFERED)
    by: Who = "worker" if role == "worker" else "ally" if role == "ally" else "person"
    if not await svc.agreements.add_step(agreement.id, AgreedStep(what, by, ally_name)):
        return StepAdded(Step.FULL)
    return StepAdded(Step.ADDED, len(agreement.steps) + 1)
