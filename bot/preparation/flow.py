"""A person's preparation as a domain: where they are, what each action changes, what is sent.

Every change is committed before the bot replies, and checks the step it was made for, so a
doubled or late press changes nothing. Nothing reaches the worker before the person sends.
"""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.accounts.store import Account
from bot.context import Services
from bot.core.i18n import Translator
from bot.core.invisible import visible_name
from bot.core.updates import Origin
from bot.negotiation import agreements
from bot.outbox.store import Outgoing
from bot.preparation import logbook
from bot.preparation.brief_model import BriefInput
from bot.preparation.brief_model import reference as reference
from bot.preparation.dialogue import engine
from bot.preparation.dialogue.model import AGREED, Dialogue, Kind, Step
from bot.preparation.store import Ally, Answer, Preparation, chosen_allies

ALLY_NAME_MAX_LENGTH = 60
MAX_ALLIES = 20  # jokers kept per person: the question then needs at most 24 buttons
HISTORY_DEPTH = 7  # earlier scores drawn in a sparkline
STOP_MESSAGE_WORDS = 6  # a longer message is an answer, even if it says "stop" somewhere


def _words(text: str) -> list[str]:
    """Lower-case words without accents or punctuation: `Arrête !` and `arrete` read alike."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )
    return re.findall(r"\w+", plain)


def means_stopping(text: str, stop_words: Iterable[str]) -> bool:
    """Whether a short typed message contains one of the words or phrases that mean stopping."""
    words = _words(text)
    if not words or len(words) > STOP_MESSAGE_WORDS:
        return False
    for phrase in stop_words:
        wanted = _words(phrase)
        n = len(wanted)
        if n and any(words[i : i + n] == wanted for i in range(len(words) - n + 1)):
            return True
    return False


@dataclass(frozen=True)
class Flow:
    """An open preparation with what it needs to be shown: the dialogue, last time, the allies."""

    dialogue: Dialogue
    preparation: Preparation
    last_time: Preparation | None  # the person's previous finished preparation, sent or kept
    allies: Mapping[int, Ally]
    agreed: Answer | None = None  # the steps agreed since last time, accepted by the person
    person: Account | None = None  # the person, as the update read them (not read again)

    @property
    def previous(self) -> Mapping[str, Answer]:
        """Last time's answers, and the steps agreed since, under `model.AGREED`."""
        answers = dict(self.last_time.answers) if self.last_time else {}
        if self.agreed is not None:
            answers[AGREED] = self.agreed
        return answers

    @property
    def id(self) -> int:
        return self.preparation.id

    @property
    def step(self) -> Step:
        """The current step as asked (a variant chosen by earlier answers applies)."""
        step = self.dialogue.step(self.preparation.step or "")
        assert step is not None, "current() moves a preparation off a step the file dropped"
        return engine.effective(step, self.answers)

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
        return chosen_allies(saved) if saved else []

    @property
    def agreed_items(self) -> list[dict[str, str]]:
        """The steps agreed since last time: what, who, by_when."""
        return engine.agreed_steps(self.previous)

    @property
    def outcomes(self) -> list[str]:
        """How each agreed step went, as told so far in this step."""
        told = self.preparation.scratch.get("outcomes", [])
        return [o for o in told if isinstance(o, str)] if isinstance(told, list) else []

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

    def proposal(self, t: Translator) -> str | None:
        """A wording of the person's question made from their words, where it reads well and
        fits the step (else None: nothing is offered)."""
        found = engine.proposal_for(t, self.dialogue, self.step, self.answers, self.previous)
        return found if found is not None and len(found) <= self.step.max_length else None

    def reference(self) -> str:
        return reference(self.preparation.id)

    @property
    def held_ally(self) -> str | None:
        """A name typed on the jokers question, held until the person confirms it."""
        return maybe_ally(self)

    @property
    def back_to_review(self) -> bool:
        """An answer is being changed from the review, which comes back after it."""
        return self.preparation.back_to_review


async def current(svc: Services, person_id: int, person: Account | None = None) -> Flow | None:
    """The person's open preparation, if any: one read for it and last time, one for the
    allies, one for what was agreed since (`person`: their account, when the update has it)."""
    preparation, last_time = await svc.preparations.open_and_last(person_id)
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
        return await current(svc, person_id, person)
    return await _flow(svc, preparation, last_time, person)


async def _flow(
    svc: Services,
    preparation: Preparation,
    last_time: Preparation | None,
    person: Account | None = None,
) -> Flow:
    allies = await svc.preparations.allies(preparation.person_id)
    if person is None:
        person = await svc.repo.account(preparation.person_id)
    agreed = await agreements.agreed_for_next_time(svc, person, last_time) if person else None
    return Flow(
        svc.dialogue,
        preparation,
        last_time,
        {ally.id: ally for ally in allies[-MAX_ALLIES:]},  # a list kept before the cap
        agreed,
        person,
    )


def _reload(svc: Services, flow: Flow) -> Awaitable[Flow | None]:
    """Read the preparation again: after a change whose outcome memory cannot tell (an ally's
    new id)."""
    return current(svc, flow.preparation.person_id, flow.person)


def _with(flow: Flow, **changes: Any) -> Flow:
    """The flow after a change the database just committed, built without reading it again."""
    return replace(flow, preparation=replace(flow.preparation, **changes))


async def begin(svc: Services, person_id: int) -> tuple[Flow, bool]:
    """Open a preparation; the flag says whether one was already open (offer to resume)."""
    existing = await current(svc, person_id)
    if existing:
        return existing, True
    earlier = await svc.preparations.finished(person_id, limit=1)
    last_time = earlier[0] if earlier else None
    previous = dict(last_time.answers) if last_time else {}
    person = await svc.repo.account(person_id)
    agreed = await agreements.agreed_for_next_time(svc, person, last_time) if person else None
    if agreed is not None:
        previous[AGREED] = agreed
    first = engine.first_step(svc.dialogue, previous)
    preparation = await svc.preparations.start(person_id, first.id, svc.clock.now())
    return await _flow(svc, preparation, last_time, person), False


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
    if not moved:
        return None  # a doubled or late action: the handler reads the preparation again
    answers = dict(flow.answers)
    if answer is not None:  # as `move` stored it: a changed answer keeps its hidden mark
        kept = answers.get(answer.step)
        answers[answer.step] = replace(answer, hidden=kept.hidden if kept else False)
    return _with(
        flow,
        step=to.id,
        back_to_review=back_to_review and to.kind is not Kind.REVIEW,
        scratch={},
        message_id=None,
        answers=answers,
    )


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
    if step is None or step_id not in {s.id for s in flow.asked}:
        return None
    return await _go(svc, flow, step, back_to_review=True)


async def toggle_hidden(svc: Services, flow: Flow, step_id: str) -> Flow | None:
    if not await svc.preparations.toggle_hidden(flow.id, step_id):
        return None
    shown = flow.answers.get(step_id)
    if shown is None:
        return await _reload(svc, flow)
    return _with(flow, answers={**flow.answers, step_id: replace(shown, hidden=not shown.hidden)})


async def _scratch(svc: Services, flow: Flow, **values: object) -> Flow | None:
    scratch = {**flow.preparation.scratch, "chosen": flow.chosen_allies, **values}
    scratch = {k: v for k, v in scratch.items() if v is not None}
    if not await svc.preparations.set_scratch(flow.id, flow.step.id, scratch, svc.clock.now()):
        return None
    return _with(flow, scratch=scratch)


async def hold_typed(svc: Services, flow: Flow, text: str) -> Flow | None:
    """Keep typed text aside while the person says whether it was an answer."""
    scratch = {**flow.preparation.scratch, "typed": text}
    if not await svc.preparations.set_scratch(flow.id, flow.step.id, scratch, svc.clock.now()):
        return None
    return _with(flow, scratch=scratch)


async def forget_typed(svc: Services, flow: Flow) -> Flow:
    """The person said what the held text was: it is no longer kept aside (a pause or *go on*
    must not leave it in the database, and *my answer* stores it as the answer)."""
    if "typed" not in flow.preparation.scratch:
        return flow
    scratch = {k: v for k, v in flow.preparation.scratch.items() if k != "typed"}
    if not await svc.preparations.set_scratch(flow.id, flow.step.id, scratch, svc.clock.now()):
        return flow
    return _with(flow, scratch=scratch)


def typed(flow: Flow) -> str | None:
    text = flow.preparation.scratch.get("typed")
    return text if isinstance(text, str) else None


def review_messages(flow: Flow) -> list[int]:
    """The messages that show the review now, oldest first (empty before it is shown)."""
    ids = flow.preparation.scratch.get("review")
    return [int(i) for i in ids] if isinstance(ids, list) else []


def showing_review(flow: Flow, message_ids: Sequence[int]) -> dict[str, Any]:
    """The review's scratch once `message_ids` show it, so that a change edits them instead of
    adding a copy."""
    return {**flow.preparation.scratch, "review": list(message_ids)}


async def pause(svc: Services, flow: Flow) -> bool:
    return await svc.preparations.set_paused(flow.preparation.person_id, True)


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
    return await _scratch(svc, flow, new_ally=name, maybe_ally=None)


async def expect_ally_name(svc: Services, flow: Flow) -> Flow | None:
    """*Someone new* was pressed: the next typed text is a name, no need to ask."""
    return await _scratch(svc, flow, naming=True)


def expects_ally_name(flow: Flow) -> bool:
    return flow.preparation.scratch.get("naming") is True


async def hold_ally(svc: Services, flow: Flow, name: str) -> Flow | None:
    """Text typed on the jokers question without *Someone new*: kept aside until confirmed."""
    name = visible_name(name)
    if not flow.can_add_ally or not name:
        return None
    return await _scratch(svc, flow, maybe_ally=name)


def maybe_ally(flow: Flow) -> str | None:
    name = flow.preparation.scratch.get("maybe_ally")
    return name if isinstance(name, str) else None


async def confirm_ally(svc: Services, flow: Flow) -> Flow | None:
    name = maybe_ally(flow)
    return await name_new_ally(svc, flow, name) if name else None


async def cancel_new_ally(svc: Services, flow: Flow) -> Flow | None:
    return await _scratch(svc, flow, new_ally=None, maybe_ally=None, naming=None)


RELATION_MAX_LENGTH = 40  # a relation typed in the person's words, kept as they wrote it


def relation_for(text: str, step: Step, words: Mapping[str, Sequence[str]]) -> str | None:
    """The relation a typed answer names ("ma fille" → family), by the longest phrase found."""
    typed = _words(text)
    best: tuple[int, str] | None = None
    for option in step.options:
        for phrase in words.get(option.id, ()):
            wanted = _words(phrase)
            n = len(wanted)
            found = n and any(typed[i : i + n] == wanted for i in range(len(typed) - n + 1))
            if found and (best is None or n > best[0]):
                best = (n, option.id)
    return best[1] if best else None


async def add_typed_relation(
    svc: Services, flow: Flow, text: str, words: Mapping[str, Sequence[str]]
) -> Flow | None:
    """A relation typed instead of chosen: understood, else kept in the person's own words."""
    relation = relation_for(text, flow.step, words)
    if relation is not None:
        return await add_ally(svc, flow, relation)
    own = visible_name(text)
    return await add_ally(svc, flow, own if len(own) <= RELATION_MAX_LENGTH else "", free=True)


async def add_ally(svc: Services, flow: Flow, relation: str, *, free: bool = False) -> Flow | None:
    name = flow.new_ally_name
    if name is None or (not free and flow.step.option(relation) is None):
        return None
    scratch = {"chosen": flow.chosen_allies}
    added = await svc.preparations.add_ally(
        flow.id, flow.step.id, name, relation, scratch, svc.clock.now(), limit=MAX_ALLIES
    )
    return await _reload(svc, flow) if added else None


async def tell_outcome(svc: Services, flow: Flow, option_id: str) -> Flow | None:
    """How the next agreed step went; once each is told, that is the step's answer."""
    items = flow.agreed_items
    outcomes = [*flow.outcomes, option_id][: len(items)]
    if len(outcomes) < len(items):
        scratch = {"outcomes": outcomes}
        if not await svc.preparations.set_scratch(flow.id, flow.step.id, scratch, svc.clock.now()):
            return None
        return _with(flow, scratch=scratch)
    told = [{**item, "outcome": outcome} for item, outcome in zip(items, outcomes, strict=True)]
    return await give(svc, flow, Answer(flow.step.id, text=json.dumps(told, ensure_ascii=False)))


async def jokers_done(svc: Services, flow: Flow) -> Flow | None:
    chosen = [i for i in flow.chosen_allies if i in flow.allies]
    if not chosen:
        return await skip(svc, flow)
    return await give(svc, flow, Answer(flow.step.id, text=json.dumps(chosen)))


async def brief_input(svc: Services, flow: Flow, person: Account) -> BriefInput:
    """What the worker reads, exactly as the review shows it."""
    earlier = await svc.preparations.finished(person.user_id, limit=HISTORY_DEPTH)
    meeting = await svc.meetings.next_for(person.user_id, svc.clock.now())
    return BriefInput(
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
    svc: Services, flow: Flow, worker_id: int, sent: BriefInput, messages: Sequence[Outgoing]
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


class Typed(enum.Enum):
    """What typed text is, at the step the person is at."""

    ANSWERED = "answered"  # the step's answer: `flow` is the state after it (None: a conflict)
    TOO_LONG = "too_long"  # longer than the step takes (`limit`): nothing kept
    RELATION = "relation"  # who the ally being added is to the person (`flow`, or None)
    NAMED = "named"  # the name of the ally being added (`flow`, or None)
    NAME_TOO_LONG = "name_too_long"  # a name longer than `limit`: nothing kept
    ALLY_TO_CONFIRM = "ally_to_confirm"  # a name typed on the jokers question, held to confirm
    BUTTONS_ONLY = "buttons_only"  # this question takes its buttons (or a score in its range)


@dataclass(frozen=True)
class TypedOutcome:
    what: Typed
    flow: Flow | None = None
    answer: Answer | None = None
    limit: int = 0


async def take_text(
    svc: Services,
    flow: Flow,
    text: str,
    origin: Origin | None,
    relation_words: Mapping[str, Sequence[str]],
) -> TypedOutcome:
    """Typed text at the current step, decided here: the answer (within the step's length),
    an ally's name or relation on the jokers question, a score within the scale; else the
    question takes its buttons. `relation_words` are the reader's words for the relations."""
    step = flow.step
    if step.accepts_text:
        if len(text) > step.max_length:
            return TypedOutcome(Typed.TOO_LONG, limit=step.max_length)
        given = Answer(step.id, text=text, origin=origin)
        return TypedOutcome(Typed.ANSWERED, await give(svc, flow, given), given)
    if step.kind is Kind.JOKERS and flow.new_ally_name is not None:
        added = await add_typed_relation(svc, flow, text, relation_words)
        return TypedOutcome(Typed.RELATION, added)
    if step.kind is Kind.JOKERS:
        if len(text) > ALLY_NAME_MAX_LENGTH:
            return TypedOutcome(Typed.NAME_TOO_LONG, limit=ALLY_NAME_MAX_LENGTH)
        if expects_ally_name(flow):
            return TypedOutcome(Typed.NAMED, await name_new_ally(svc, flow, text))
        return TypedOutcome(Typed.ALLY_TO_CONFIRM, await hold_ally(svc, flow, text))
    score = score_of(step, text)
    if score is not None:
        given = Answer(step.id, text=str(score))
        return TypedOutcome(Typed.ANSWERED, await give(svc, flow, given), given)
    return TypedOutcome(Typed.BUTTONS_ONLY)


def score_of(step: Step, text: str) -> int | None:
    """A score typed or pressed on a scale step, if it is one within the scale's range (ASCII
    digits only: `"²".isdigit()` is true, but int() refuses it)."""
    if step.kind is not Kind.SCALE or not (text.isascii() and text.isdigit()):
        return None
    score = int(text)
    return score if step.minimum <= score <= step.maximum else None
