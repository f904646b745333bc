"""A dialogue file read and checked: its steps, their kinds, options and conditions.

The file is TOML (read by the standard library, comments allowed, no indentation traps). Every
text in it is an English gettext message id; translations live in `locales/` like the code's.
Loading refuses a file with any mistake, naming the file, the step and the field.
"""

from __future__ import annotations

import enum
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.core.config import PREPARATION

STEP_ID = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
OPTION_ID = re.compile(r"^[a-z][a-z0-9_]{0,11}$")
DEFAULT_MAX_LENGTH = 1000
LONGEST_MAX_LENGTH = 3000
PREVIOUS = "previous"
PROPOSAL = "proposal"  # in an own_question step's question: the wording built
# Among last time's answers: the steps agreed with the worker after the last meeting, as JSON
# (no step id can start with "_", so it never meets a step's answer).
AGREED = "_agreed"


class DialogueError(Exception):
    """The dialogue file cannot be used; the message names the file, the step and the field."""


class Kind(enum.Enum):
    TEXT = "text"  # free text or a voice message
    CHOICE = "choice"  # one option among buttons
    SCALE = "scale"  # a number between min and max, as buttons
    JOKERS = "jokers"  # allies: known ones as buttons, new ones as name + relation
    OWN_QUESTION = "own_question"  # the person's question in their words, or kept for together
    AGREED = "agreed"  # how each step agreed with the worker last time went, one option each
    REVIEW = "review"  # what the worker will read; hide, edit, send or keep


FREE_TEXT_KINDS = frozenset({Kind.TEXT, Kind.OWN_QUESTION})


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    quiet: bool = False  # an answer that tells the worker little: the brief folds it
    praise: str | None = None  # a word of recognition shown when this option is chosen


@dataclass(frozen=True)
class Variant:
    """Another question (and label) for a step, used when earlier answers have given values:
    e.g. a follow-up of a scale that asks something else at its lowest point."""

    equals: tuple[tuple[str, str], ...]
    question: str
    label: str | None = None


@dataclass(frozen=True)
class Condition:
    """When a step is asked: every step in `answered` was answered (not skipped) in this
    preparation, one of `answered_any` too, `answered_last_time`, if set, was answered in the
    person's previous one, and `agreed`, if set, says whether steps agreed with the worker
    after the last meeting are waiting to be looked back on."""

    answered: tuple[str, ...] = ()
    answered_last_time: str | None = None
    answered_any: tuple[str, ...] = ()
    agreed: bool | None = None


@dataclass(frozen=True)
class Step:
    id: str
    kind: Kind
    question: str
    label: str = ""
    hint: str | None = None
    skippable: bool = True
    when: Condition = Condition()
    options: tuple[Option, ...] = ()  # choice options, or the relations a joker can have
    minimum: int = 1
    maximum: int = 5
    low_label: str | None = None
    high_label: str | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    proposal: str | None = None
    translator_note: str | None = None
    lead: int | None = None  # rank among the brief's opening sections; None: in file order
    variants: tuple[Variant, ...] = ()
    attachments: bool = False  # a text step that also takes a photo or a document

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def accepts_text(self) -> bool:
        return self.kind in FREE_TEXT_KINDS

    @property
    def question_refers_back(self) -> bool:
        """Its question quotes last time: the brief shows what it was about, even unanswered."""
        return any(scope == PREVIOUS for scope, _ in placeholders(self.question))


@dataclass(frozen=True)
class Dialogue:
    path: Path
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def index(self, step_id: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)

    @property
    def review(self) -> Step:
        return self.steps[-1]


_FIELDS: dict[Kind, frozenset[str]] = {
    Kind.TEXT: frozenset({"max_length", "attachments"}),
    Kind.CHOICE: frozenset({"options"}),
    Kind.AGREED: frozenset({"options"}),
    Kind.SCALE: frozenset({"min", "max", "low_label", "high_label"}),
    Kind.JOKERS: frozenset({"relations"}),
    Kind.OWN_QUESTION: frozenset({"proposal", "max_length"}),
    Kind.REVIEW: frozenset(),
}
_COMMON = frozenset(
    {"id", "kind", "label", "question", "hint", "skippable", "when", "note", "lead", "variants"}
)


def load(path: Path = PREPARATION) -> Dialogue:
    """Read and check a dialogue file; raise DialogueError on the first mistake found."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DialogueError(f"{path}: cannot be read ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise DialogueError(f"{path}: not valid TOML ({error})") from None
    return parse(data, path)


def parse(data: Mapping[str, Any], path: Path) -> Dialogue:
    unknown = set(data) - {"step"}
    if unknown:
        raise DialogueError(f"{path}: unknown top-level field {sorted(unknown)[0]!r}")
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise DialogueError(f"{path}: no [[step]] found")
    steps: list[Step] = []
    for number, raw in enumerate(raw_steps, start=1):
        step_id = raw.get("id") if isinstance(raw, dict) else None
        steps.append(_step(raw, _Where(path, number, step_id), steps))
    dialogue = Dialogue(path, tuple(steps))
    _check_whole(dialogue)
    return dialogue


@dataclass(frozen=True)
class _Where:
    path: Path
    number: int
    step_id: object

    def error(self, field: str, problem: str) -> DialogueError:
        name = f"step {self.step_id!r}" if isinstance(self.step_id, str) else "step"
        return DialogueError(f"{self.path}: {name} (#{self.number}), field {field!r}: {problem}")


def _step(raw: object, where: _Where, earlier: list[Step]) -> Step:
    if not isinstance(raw, dict):
        raise where.error("step", "must be a table")
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not step_id:
        raise where.error("id", "missing")
    if not STEP_ID.match(step_id):
        raise where.error("id", "use 1-20 lowercase letters, digits or _ (starting with a letter)")
    if any(s.id == step_id for s in earlier):
        raise where.error("id", "duplicate: another step already has this id")
    kind_name = raw.get("kind")
    try:
        kind = Kind(kind_name)
    except ValueError:
        known = ", ".join(k.value for k in Kind)
        raise where.error("kind", f"unknown kind {kind_name!r} (known: {known})") from None
    extra = set(raw) - _COMMON - _FIELDS[kind]
    if extra:
        raise where.error(sorted(extra)[0], f"not a field of a {kind.value} step")
    known_ids = {s.id for s in earlier}
    question = _text(raw, "question", where, required=True)
    own = {PROPOSAL} if kind is Kind.OWN_QUESTION else set()
    _check_placeholders(question, "question", where, known_ids | own)
    label = _text(raw, "label", where, required=kind is not Kind.REVIEW)
    skippable = raw.get("skippable", kind is not Kind.REVIEW)
    if not isinstance(skippable, bool):
        raise where.error("skippable", "must be true or false")
    if kind is Kind.REVIEW and skippable:
        raise where.error("skippable", "the review cannot be skipped")
    lead = raw.get("lead")
    if lead is not None and (
        not isinstance(lead, int) or isinstance(lead, bool) or not 1 <= lead <= 99
    ):
        raise where.error("lead", "must be a whole number from 1 to 99")
    if kind is Kind.REVIEW and lead is not None:
        raise where.error("lead", "the review is not a section of the brief")
    step = Step(
        id=step_id,
        kind=kind,
        question=question,
        label=label,
        hint=_text(raw, "hint", where),
        skippable=skippable,
        when=_condition(raw.get("when"), where, known_ids),
        translator_note=_text(raw, "note", where),
        lead=lead,
        variants=_variants(raw.get("variants"), where, earlier, known_ids | own),
    )
    if kind in (Kind.CHOICE, Kind.AGREED):
        return replace(step, options=_options(raw, "options", where))
    if kind is Kind.JOKERS:
        return replace(step, options=_options(raw, "relations", where))
    if kind is Kind.SCALE:
        minimum, maximum = raw.get("min", 1), raw.get("max", 5)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (minimum, maximum)):
            raise where.error("min", "min and max must be whole numbers")
        if not 0 <= minimum < maximum <= minimum + 9:
            raise where.error("max", "need 0 <= min < max, with at most 10 values")
        return replace(
            step,
            minimum=minimum,
            maximum=maximum,
            low_label=_text(raw, "low_label", where),
            high_label=_text(raw, "high_label", where),
        )
    if kind in FREE_TEXT_KINDS:
        max_length = raw.get("max_length", DEFAULT_MAX_LENGTH)
        whole = isinstance(max_length, int) and not isinstance(max_length, bool)
        if not whole or not 1 <= max_length <= LONGEST_MAX_LENGTH:
            raise where.error(
                "max_length", f"must be a whole number from 1 to {LONGEST_MAX_LENGTH}"
            )
        step = replace(step, max_length=max_length)
    if kind is Kind.TEXT:
        attachments = raw.get("attachments", False)
        if not isinstance(attachments, bool):
            raise where.error("attachments", "must be true or false")
        return replace(step, attachments=attachments)
    if kind is Kind.OWN_QUESTION:
        proposal = _text(raw, "proposal", where, required=True)
        _check_placeholders(proposal, "proposal", where, known_ids)
        return replace(step, proposal=proposal)
    return step


def _text(raw: Mapping[str, Any], field: str, where: _Where, *, required: bool = False) -> Any:
    value = raw.get(field)
    if value is None:
        if required:
            raise where.error(field, "missing")
        return None if field != "label" else ""
    if not isinstance(value, str) or not value.strip():
        raise where.error(field, "must be a non-empty text")
    return value


def _options(raw: Mapping[str, Any], field: str, where: _Where) -> tuple[Option, ...]:
    items = raw.get(field)
    if not isinstance(items, list) or not items:
        raise where.error(field, "needs at least one option")
    options: list[Option] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise where.error(field, f"option {number} must be a table with id and label")
        option_id = item.get("id")
        if not isinstance(option_id, str) or not OPTION_ID.match(option_id):
            raise where.error(
                field, f"option {number}: id must be 1-12 lowercase letters, digits or _"
            )
        if any(o.id == option_id for o in options):
            raise where.error(field, f"option {number}: duplicate id {option_id!r}")
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            raise where.error(field, f"option {option_id!r} has no label")
        extra = set(item) - {"id", "label", "quiet", "praise"}
        if extra:
            raise where.error(field, f"option {option_id!r}: unknown field {sorted(extra)[0]!r}")
        quiet = item.get("quiet", False)
        if not isinstance(quiet, bool):
            raise where.error(field, f"option {option_id!r}: quiet must be true or false")
        praise = item.get("praise")
        if praise is not None and (not isinstance(praise, str) or not praise.strip()):
            raise where.error(field, f"option {option_id!r}: praise must be a non-empty text")
        options.append(Option(option_id, label, quiet, praise))
    return tuple(options)


def _variants(
    raw: object, where: _Where, earlier: list[Step], known_ids: set[str]
) -> tuple[Variant, ...]:
    """`variants = [{ when = { confidence = "1" }, question = "…", label = "…" }]`: the first
    whose every earlier step has the given answer replaces the step's question and label."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise where.error("variants", "must be a list of tables with when and question")
    found: list[Variant] = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise where.error("variants", f"variant {number} must be a table")
        extra = set(item) - {"when", "question", "label"}
        if extra:
            raise where.error("variants", f"variant {number}: unknown field {sorted(extra)[0]!r}")
        when = item.get("when")
        if not isinstance(when, dict) or not when:
            raise where.error("variants", f'variant {number}: when = {{ step = "answer" }}')
        equals: list[tuple[str, str]] = []
        for step_id, value in when.items():
            source = next((s for s in earlier if s.id == step_id), None)
            if source is None:
                raise where.error(
                    "variants", f"variant {number}: {step_id!r} is not an earlier step"
                )
            if not isinstance(value, str) or not value:
                raise where.error(
                    "variants", f"variant {number}: the answer for {step_id!r} must be a text"
                )
            valid = (
                source.option(value) is not None
                if source.kind is Kind.CHOICE
                else source.kind is Kind.SCALE
                and value.isdigit()
                and source.minimum <= int(value) <= source.maximum
            )
            if not valid:
                raise where.error(
                    "variants", f"variant {number}: {value!r} is not an answer of {step_id!r}"
                )
            equals.append((step_id, value))
        question = _text(item, "question", where, required=True)
        _check_placeholders(question, "variants", where, known_ids)
        label = item.get("label")
        if label is not None and (not isinstance(label, str) or not label.strip()):
            raise where.error("variants", f"variant {number}: label must be a non-empty text")
        found.append(Variant(tuple(equals), question, label))
    return tuple(found)


def _condition(raw: object, where: _Where, known_ids: set[str]) -> Condition:
    if raw is None:
        return Condition()
    if not isinstance(raw, dict):
        raise where.error("when", 'must be a table, e.g. when = { answered = ["want"] }')
    extra = set(raw) - {"answered", "answered_last_time", "answered_any", "agreed"}
    if extra:
        raise where.error("when", f"unknown condition {sorted(extra)[0]!r}")
    lists: dict[str, tuple[str, ...]] = {}
    for field in ("answered", "answered_any"):
        named = raw.get(field, [])
        if isinstance(named, str):
            named = [named]
        if not isinstance(named, list) or not all(isinstance(a, str) for a in named):
            raise where.error("when", f"{field} must list step ids")
        for step_id in named:
            if step_id not in known_ids:
                raise where.error(
                    "when", f"{field} names {step_id!r}, which is not an earlier step"
                )
        lists[field] = tuple(named)
    last_time = raw.get("answered_last_time")
    if last_time is not None and not isinstance(last_time, str):
        raise where.error("when", "answered_last_time must be one step id")
    agreed = raw.get("agreed")
    if agreed is not None and not isinstance(agreed, bool):
        raise where.error("when", "agreed must be true or false")
    return Condition(lists["answered"], last_time, lists["answered_any"], agreed)


def placeholders(text: str) -> list[tuple[str, str]]:
    """The `{step}` (scope "") and `{previous.step}` (scope "previous") names in a text."""
    found = []
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None:
            scope, _, step_id = name.rpartition(".")
            found.append((scope, step_id))
    return found


def _check_placeholders(text: str, field: str, where: _Where, known_ids: set[str]) -> None:
    """`{step}` must be an earlier step of this dialogue; `{previous.step}` is checked whole."""
    try:
        names = placeholders(text)
    except ValueError as error:
        raise where.error(field, f"broken placeholder ({error})") from None
    for scope, step_id in names:
        if scope not in ("", PREVIOUS) or (scope == "" and step_id not in known_ids):
            name = f"{scope}.{step_id}" if scope else step_id
            raise where.error(field, f"placeholder {{{name}}} does not name an earlier step")


def _check_whole(dialogue: Dialogue) -> None:
    ids = {s.id for s in dialogue.steps}
    reviews = [s for s in dialogue.steps if s.kind is Kind.REVIEW]
    where = _Where(dialogue.path, len(dialogue.steps), dialogue.steps[-1].id)
    if len(reviews) != 1 or dialogue.steps[-1].kind is not Kind.REVIEW:
        raise where.error("kind", "a dialogue ends with exactly one review step")
    if len(dialogue.steps) < 2:
        raise where.error("kind", "a dialogue needs at least one question before its review")
    for number, step in enumerate(dialogue.steps, start=1):
        here = _Where(dialogue.path, number, step.id)
        last_time = step.when.answered_last_time
        if last_time is not None and last_time not in ids:
            raise here.error("when", f"answered_last_time names {last_time!r}, which is not a step")
        for field in ("question", "proposal"):
            text = getattr(step, field)
            for scope, step_id in placeholders(text) if text else []:
                if scope == PREVIOUS and step_id not in ids:
                    raise here.error(
                        field, f"placeholder {{previous.{step_id}}} does not name a step"
                    )
