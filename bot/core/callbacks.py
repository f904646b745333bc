"""Button payloads. They come back from the client, so handlers re-check everything they imply."""

from __future__ import annotations

import enum
import re
from datetime import datetime

LANGUAGE = "lang"
JOIN_YES = "join:yes"
JOIN_NO = "join:no"
JOIN_INFO = "join:info"  # join:info:<invitation>: the full privacy text, in place
WORKER_SUSPEND = "wk:suspend"
WORKER_RESUME = "wk:resume"
WORKER_PEOPLE = "wk:people"  # wk:people:<worker>: an admin sees whom a worker follows
MOVE = "mv"  # mv:<person>: an admin picks the worker a person moves to
MOVE_TO = "mvt"  # mvt:<person>:<old worker>:<new worker>
LEAVE = "lv"  # lv:<worker>: an admin says a worker leaves, then where their people go
LEAVE_TO = "lvt"  # lvt:<worker>:<new worker>: everyone to one worker
LEAVE_TO_PATTERN = re.compile(r"^lvt:(\d{1,18}):(\d{1,18})$")
MOVE_TO_PATTERN = re.compile(r"^mvt:(\d{1,18}):(\d{1,18}):(\d{1,18})$")
LEAVE_SHARE = "lva"  # lva:<worker>: shared among the other active workers
SHARE_YES = "shy"  # shy:<old worker>:<new worker>: a moved person shows the new one their history
SHARE_YES_PATTERN = re.compile(r"^shy:(\d{1,18}):(\d{1,18})$")
SHARE_NO = "shn"
INVITATION_REVOKE = "inx"  # inx:<invitation>
FORGET_YES = "forget:yes"
FORGET_NO = "forget:no"
PREPARE = "prepare"
READ = "read"
HISTORY = "history"
MEETING = "mt"  # a worker picked the person: mt:<person>
MEETING_CHANGE = "mtc"  # mtc:<meeting>
MEETING_CANCEL = "mtx"
MEETING_CANCEL_YES = "mtxy"
MEETING_KEEP = "mtk"
MEETING_CHANGE_NOTICE = "mtcn"  # mtcn:<meeting>: from a notice, which stays as it is
MEETING_CANCEL_NOTICE = "mtxn"
DATE_YES = "date:yes"  # date:yes:<person>:<unix time>: the date read back is right
DATE_YES_PATTERN = re.compile(r"^date:yes:(\d{1,18}):(\d{1,12})$")
DATE_NO = "date:no"
DATE_UNKNOWN = "date:unknown"  # a person does not know their meeting's date
REMIND_LATER = "rml"  # rml:<meeting>
REMIND_STOP = "rmn"
RESUME = "rsm"  # rsm:<preparation>: an invitation's *Continue where I stopped*
MEETING_COMING = "mty"  # mty:<meeting>: the person is coming
MEETING_ABSENT = "mta"  # mta:<meeting>: the person cannot come
ABSENT_NOTE = "mtan"  # mtan:<meeting>: add a few words for the worker
ABSENT_PROPOSE = "mtap"  # mtap:<meeting>: propose another time
ABSENT_UNDO = "mtau"  # mtau:<meeting>: can come after all
MEETING_ACCEPT = "mtok"  # mtok:<meeting>:<unix time>: the worker accepts the proposed time
MEETING_ACCEPT_PATTERN = re.compile(r"^mtok:(\d{1,12}):(\d{1,12})$")
DATE_PICK = "date:pick"  # date:pick:<person>:<unix time>: one reading of an ambiguous date
DATE_PICK_PATTERN = re.compile(r"^date:pick:(\d{1,18}):(\d{1,12})$")
AGREE_MEETING = "agm"  # agm:<meeting>: the worker writes down what was agreed at it
AGREE_PERSON = "agp"  # agp:<person>: from /agreed, without a meeting
# ag:<agreement>:<action>[:<argument>]: a press on a draft (worker) or a proposal (person).
AGREE = "ag"
TOPICS_BRIEF = "tpb"  # tpb:<preparation>: the worker answers a brief with topics
TOPICS_PERSON = "tpp"  # tpp:<person>: from /topics, without a brief
# tp:<list>:<action>[:<topic>]: a press on a draft list (worker) or on a topic (person).
TOPIC = "tp"
TOPIC_PATTERN = re.compile(r"^tp:(\d{1,12}):([a-z]{1,5})(?::(\d{1,12}))?$")
AGREE_PATTERN = re.compile(r"^ag:(\d{1,12}):([a-z]{1,5})(?::(\d{1,18}))?$")

# A preparation's buttons name the preparation and the step they were shown for, then an action
# and its argument: p:<preparation>:<step>:<action>[:<argument>] (at most 61 bytes).
STEP = "p"
STEP_PATTERN = re.compile(
    r"^p:(\d{1,12}):([a-z][a-z0-9_]{0,19}):([a-z]{1,4})(?::([a-z0-9_]{1,20}))?$"
)


@enum.unique
class StepAction(enum.StrEnum):
    """What a press on a preparation's button does: the <action> of p:<preparation>:<step>:...
    The views that make the buttons and the handler that reads them share these names."""

    GO = "go"  # continue where the person stopped
    PAUSE = "p"  # stop for now
    MINE = "my"  # what was typed is the answer, not a stop word
    NEW = "new"  # start a new preparation
    OPTION = "o"  # one option of a choice
    AGREED = "a"  # how an agreed step went
    VALUE = "v"  # a value on a scale
    SKIP = "s"  # I'd rather not
    BACK = "b"  # the previous question
    ACCEPT = "ok"  # the proposed question is mine
    FOR_THE_MEETING = "t"  # keep the question for the meeting
    JOKER = "j"  # pick a known ally
    NEW_JOKER = "n"  # someone new
    RELATION = "r"  # who the new ally is to the person
    CANCEL = "x"  # drop the ally being added
    DONE = "d"  # no more allies
    ADD_NAME = "y"  # yes, add this name
    HIDE = "h"  # hide or show a section
    EDIT = "e"  # edit a section
    SEND = "send"  # send the brief
    KEEP = "keep"  # keep it for me


def step(
    preparation_id: int, step_id: str, action: StepAction, argument: object | None = None
) -> str:
    data = f"{STEP}:{preparation_id}:{step_id}:{action}"
    return data if argument is None else f"{data}:{argument}"


@enum.unique
class AgreeAction(enum.StrEnum):
    """What a press on *What we agreed* does: the <action> of ag:<agreement>:<action>[:<n>].
    Values are in buttons already sent: never change one."""

    # on the worker's draft
    QUESTION = "q"  # write the question as put together
    PLAN_B = "b"  # write the plan B
    ADD_STEP = "add"  # a step: then who does it
    WHO_PERSON = "whop"  # the person does it
    WHO_WORKER = "whow"  # the worker does it
    WHO_ALLY = "whoa"  # an ally does it (the argument: the ally)
    REMOVE_STEP = "rm"  # remove step <n>
    NO_DATE = "nod"  # step <n> has no date
    SEND = "send"  # send the proposal to the person
    DROP = "drop"  # cancel the draft
    # on the person's proposal
    ACCEPT = "ok"  # that's right
    REJECT = "no"  # that's not what we said
    CHANGE = "ch"  # change something: which part
    BACK = "back"  # back to the proposal's three answers
    AMEND_QUESTION = "pq"  # change the question
    AMEND_PLAN_B = "pb"  # change the plan B
    AMEND_STEP = "ps"  # change step <n>

    @property
    def by_worker(self) -> bool:
        """A press on the worker's draft (else on the person's proposal)."""
        return self in _WORKER_AGREE


_WORKER_AGREE = frozenset(
    {
        *(AgreeAction.QUESTION, AgreeAction.PLAN_B, AgreeAction.ADD_STEP, AgreeAction.SEND),
        *(AgreeAction.WHO_PERSON, AgreeAction.WHO_WORKER, AgreeAction.WHO_ALLY),
        *(AgreeAction.REMOVE_STEP, AgreeAction.NO_DATE, AgreeAction.DROP),
    }
)


@enum.unique
class TopicAction(enum.StrEnum):
    """What a press on the worker's topics does: the <action> of tp:<list>:<action>[:<topic>].
    Values are in buttons already sent: never change one."""

    # on the worker's draft list
    MORE = "more"  # more topics
    WORD = "word"  # a word for the person
    SEND = "send"  # send the list
    DROP = "drop"  # cancel it
    # on one topic, by the person
    OK = "ok"  # OK to talk about it
    NOT_NOW = "nt"  # not this time
    COMMENT = "cm"  # a comment

    @property
    def on_draft(self) -> bool:
        """A press on the worker's draft list (else on a topic the person received)."""
        return self in (TopicAction.MORE, TopicAction.WORD, TopicAction.SEND, TopicAction.DROP)


def agree(agreement_id: int, action: AgreeAction, argument: int | None = None) -> str:
    data = f"{AGREE}:{agreement_id}:{action}"
    return data if argument is None else f"{data}:{argument}"


def topic(list_id: int, action: TopicAction, topic_id: int | None = None) -> str:
    data = f"{TOPIC}:{list_id}:{action}"
    return data if topic_id is None else f"{data}:{topic_id}"


def parse_agree(data: str) -> tuple[int, AgreeAction, int | None] | None:
    """The agreement, the action and its argument of an ag: payload; None if it is not one
    (an action no button makes)."""
    found = AGREE_PATTERN.match(data)
    if found is None or found[2] not in _AGREE_VALUES:
        return None
    return int(found[1]), AgreeAction(found[2]), int(found[3]) if found[3] else None


def parse_topic(data: str) -> tuple[int, TopicAction, int | None] | None:
    """The list, the action and the topic of a tp: payload; None if it is not one."""
    found = TOPIC_PATTERN.match(data)
    if found is None or found[2] not in _TOPIC_VALUES:
        return None
    return int(found[1]), TopicAction(found[2]), int(found[3]) if found[3] else None


_AGREE_VALUES = frozenset(a.value for a in AgreeAction)
_TOPIC_VALUES = frozenset(a.value for a in TopicAction)


def date_yes(person_id: int, at: datetime) -> str:
    """Names the person and the time read back, so an older read-back cannot confirm a newer one."""
    return f"{DATE_YES}:{person_id}:{int(at.timestamp())}"


def date_pick(person_id: int, at: datetime) -> str:
    return f"{DATE_PICK}:{person_id}:{int(at.timestamp())}"


def meeting_accept(meeting_id: int, at: datetime) -> str:
    return f"{MEETING_ACCEPT}:{meeting_id}:{int(at.timestamp())}"


def build(prefix: str, value: object | None = None) -> str:
    return prefix if value is None else f"{prefix}:{value}"


def pattern(prefix: str, value: str | None = None) -> re.Pattern[str]:
    """A regex for `prefix` alone, or `prefix:<value>` with `value` a regex group."""
    if value is None:
        return re.compile(rf"^{re.escape(prefix)}$")
    return re.compile(rf"^{re.escape(prefix)}:({value})$")
