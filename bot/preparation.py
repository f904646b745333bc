"""A person's preparation as a domain: where they are, what each action changes, what is sent.

Every change is committed before the bot replies, and checks the step it was made for, so a
doubled or late press changes nothing. Nothing reaches the worker before the person sends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot import brief, logbook
from bot.context import Services
from bot.dialogue import engine
from bot.dialogue.model import Dialogue, Kind, Step
from bot.i18n import Translator
from bot.invisible import visible_name
from bot.repository import Account, Ally, Answer, Outgoing, Preparation

ALLY_NAME_MAX_LENGTH = 60
MAX_ALLIES = 20  # jokers kept per person: the question then needs at most 24 buttons
HISTORY_DEPTH = 7  # earlier scores drawn in a sparkline


@dataclass(frozen=True)
class Flow:
    """An open preparation with what it needs to be shown: the dialogue, last time, the allies."""

    dialogue: Dialogue
    preparation: Preparation
    last_time: Preparation | None  # the person's previous finished preparation, sent or kept
    allies: Mapping[int, Ally]

    @property
    def previous(self) -> Mapping[str, Answer]:
        return self.last_time.answers if self.last_time else {}

    @property
    def id(self) -> int:
        return self.preparation.id

    @property
    def step(self) -> Step:
        step = self.dialogue.step(self.preparation.step or "")
        assert step is not None, "current() moves a preparation off a step the file dropped"
        return step

    @property
    def answers(self) -> Mapping[str, Answer]:
        return self.preparation.answers

    @property
    def progress(self) -> tuple[int, int]:
        return engine.progress(self.dialogue, self.step.id, self.answers, self.previous)

    @property
    def first(self) -> bool:
        before = engine.step_before(self.dialogue, self.step.id, self.answers, self.previous)
        return before is None

    @property
    def chosen_allies(self) -> list[int]:
        """The jokers ticked so far: the step's scratch, else a saved answer being edited."""
        if "chosen" in self.preparation.scratch:
            return [int(i) for i in self.preparation.scratch["chosen"]]
        saved = self.answers.get(self.step.id)
        return engine.chosen_allies(saved) if saved else []

    @property
    def new_ally_name(self) -> str | None:
        name = self.preparation.scratch.get("new_ally")
        return name if isinstance(name, str) else None

    @property
    def asked(self) -> list[Step]:
        return engine.asked_steps(self.dialogue, self.answers, self.previous)

    @property
    def can_add_ally(self) -> bool:
        return len(self.allies) < MAX_ALLIES

    def proposal(self, t: Translator) -> str:
        return engine.proposal_for(t, self.dialogue, self.step, self.answers, self.previous)

    def proposal_fits(self, t: Translator) -> bool:
        """Whether the question built from the answers can be kept as the person's answer."""
        return len(self.proposal(t)) <= self.step.max_length

    def reference(self) -> str:
        return reference(self.preparation.id)


def reference(preparation_id: int) -> str:
    """A stable reference a worker can quote; it also tells a repeat from a new brief."""
    return f"ESC-{preparation_id:05d}"


async def current(svc: Services, person_id: int) -> Flow | None:
    """The person's open preparation, if any."""
    preparation = await svc.preparations.open_for(person_id)
    if preparation is None:
        return None
    if svc.dialogue.step(preparation.step or "") is None:
        # A step dropped from the file since the preparation began: carry on at the review.
        await svc.preparations.move(
            preparation.id,
            preparation.step or "",
            to_step=svc.dialogue.review.id,
            back_to_review=False,
            now=svc.clock.now(),
        )
        return await current(svc, person_id)
    return await _flow(svc, preparation)


async def _flow(svc: Services, preparation: Preparation) -> Flow:
    earlier = await svc.preparations.finished(preparation.person_id, limit=1)
    allies = await svc.preparations.allies(preparation.person_id)
    return Flow(
        svc.dialogue,
        preparation,
        earlier[0] if earlier else None,
        {ally.id: ally for ally in allies[-MAX_ALLIES:]},  # a list kept before the cap
    )


async def begin(svc: Services, person_id: int) -> tuple[Flow, bool]:
    """Open a preparation; the flag says whether one was already open (offer to resume)."""
    existing = await current(svc, person_id)
    if existing:
        return existing, True
    earlier = await svc.preparations.finished(person_id, limit=1)
    first = engine.first_step(svc.dialogue, earlier[0].answers if earlier else {})
    preparation = await svc.preparations.start(person_id, first.id, svc.clock.now())
    return await _flow(svc, preparation), False


async def start_over(svc: Services, person_id: int, preparation_id: int) -> Flow | None:
    if not await svc.preparations.discard(preparation_id, person_id):
        return None
    flow, _ = await begin(svc, person_id)
    return flow


async def _go(
    svc: Services,
    flow: Flow,
    to: Step,
    *,
    answer: Answer | None = None,
    back_to_review: bool = False,
) -> Flow | None:
    moved = await svc.preparations.move(
        flow.id,
        flow.step.id,
        to_step=to.id,
        back_to_review=back_to_review and to.kind is not Kind.REVIEW,
        answer=answer,
        now=svc.clock.now(),
    )
    return await current(svc, flow.preparation.person_id) if moved else None


async def give(svc: Services, flow: Flow, answer: Answer) -> Flow | None:
    """Record the answer to the current step and move on; after an edit from the review, back
    to it, by way of any question the new answer opened."""
    answers = {**flow.answers, answer.step: answer}
    if flow.preparation.back_to_review:
        to = engine.newly_opened(flow.dialogue, flow.step.id, answers, flow.previous)
        return await _go(svc, flow, to, answer=answer, back_to_review=True)
    to = engine.next_step(flow.dialogue, flow.step.id, answers, flow.previous)
    return await _go(svc, flow, to, answer=answer)


async def skip(svc: Services, flow: Flow) -> Flow | None:
    return await give(svc, flow, Answer(flow.step.id, skipped=True))


async def back(svc: Services, flow: Flow) -> Flow | None:
    """One step back; after an edit from the review, back to the review."""
    if flow.preparation.back_to_review:
        return await _go(svc, flow, flow.dialogue.review)
    before = engine.step_before(flow.dialogue, flow.step.id, flow.answers, flow.previous)
    return await _go(svc, flow, before) if before else None


async def edit(svc: Services, flow: Flow, step_id: str) -> Flow | None:
    """From the review, change one answer, then come back to the review."""
    step = flow.dialogue.step(step_id)
    if step is None or step not in flow.asked:
        return None
    return await _go(svc, flow, step, back_to_review=True)


async def toggle_hidden(svc: Services, flow: Flow, step_id: str) -> Flow | None:
    if not await svc.preparations.toggle_hidden(flow.id, step_id):
        return None
    return await current(svc, flow.preparation.person_id)


async def _scratch(svc: Services, flow: Flow, **values: object) -> Flow | None:
    scratch = {**flow.preparation.scratch, "chosen": flow.chosen_allies, **values}
    scratch = {k: v for k, v in scratch.items() if v is not None}
    if not await svc.preparations.set_scratch(flow.id, flow.step.id, scratch, svc.clock.now()):
        return None
    return await current(svc, flow.preparation.person_id)


async def toggle_ally(svc: Services, flow: Flow, ally_id: int) -> Flow | None:
    if ally_id not in flow.allies:
        return None
    chosen = flow.chosen_allies
    chosen = [i for i in chosen if i != ally_id] if ally_id in chosen else [*chosen, ally_id]
    return await _scratch(svc, flow, chosen=chosen)


async def name_new_ally(svc: Services, flow: Flow, name: str) -> Flow | None:
    name = visible_name(name)
    if not flow.can_add_ally or not name:
        return None
    return await _scratch(svc, flow, new_ally=name)


async def cancel_new_ally(svc: Services, flow: Flow) -> Flow | None:
    return await _scratch(svc, flow, new_ally=None)


async def add_ally(svc: Services, flow: Flow, relation: str) -> Flow | None:
    name = flow.new_ally_name
    if name is None or flow.step.option(relation) is None:
        return None
    scratch = {"chosen": flow.chosen_allies}
    added = await svc.preparations.add_ally(
        flow.id, flow.step.id, name, relation, scratch, svc.clock.now(), limit=MAX_ALLIES
    )
    return await current(svc, flow.preparation.person_id) if added else None


async def jokers_done(svc: Services, flow: Flow) -> Flow | None:
    chosen = [i for i in flow.chosen_allies if i in flow.allies]
    if not chosen:
        return await skip(svc, flow)
    return await give(svc, flow, Answer(flow.step.id, text=json.dumps(chosen)))


async def brief_input(svc: Services, flow: Flow, person: Account) -> brief.BriefInput:
    """What the worker reads, exactly as the review shows it."""
    earlier = await svc.preparations.finished(person.user_id, limit=HISTORY_DEPTH)
    meeting = await svc.meetings.next_for(person.user_id, svc.clock.now())
    return brief.BriefInput(
        reference=flow.reference(),
        person_name=person.known_as,
        prepared_at=svc.clock.now(),
        steps=flow.asked,
        answers=flow.answers,
        # Last time is quoted only if this worker read it: a kept preparation stays private.
        previous_answers=flow.previous if logbook.sent_to(flow.last_time, person.worker_id) else {},
        allies=flow.allies,
        history={
            step.id: values[-HISTORY_DEPTH:]
            for step, values in logbook.scores(
                flow.dialogue, earlier, logbook.shared_with(person.worker_id)
            ).items()
        },
        meeting_at=meeting.at if meeting else None,
        meeting_id=meeting.id if meeting else None,
    )


async def send(
    svc: Services, flow: Flow, worker_id: int, sent: brief.BriefInput, messages: Sequence[Outgoing]
) -> bool:
    """Close the preparation as sent, with the brief queued for the worker in the same step;
    it belongs to the meeting the brief names, whose reminders then stop."""
    return await svc.preparations.finish(
        flow.id,
        flow.step.id,
        send_to=worker_id,
        messages=messages,
        now=svc.clock.now(),
        meeting_id=sent.meeting_id,
    )


async def keep(svc: Services, flow: Flow) -> bool:
    return await svc.preparations.finish(
        flow.id, flow.step.id, send_to=None, messages=[], now=svc.clock.now()
    )
