"""Button payloads (bot/core/callbacks.py): each one fits Telegram's 64 bytes at its largest,
and what a view builds, the handler reads back as it was built."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core import callbacks
from bot.core.callbacks import AgreeAction, StepAction, TopicAction

MAX_ID = 10**12 - 1  # a preparation, an agreement, a meeting, a list: up to 12 digits
MAX_USER = 10**18 - 1  # a Telegram user id: up to 18 digits
LATE = datetime(2286, 11, 20, 17, 46, 39, tzinfo=UTC)  # 10 digits of Unix time, and then some
LONGEST_STEP = "s" + "x" * 19
LONGEST_ARGUMENT = "a" * 20


def fits(data: str) -> bool:
    return 1 <= len(data.encode("utf-8")) <= 64


@pytest.mark.parametrize("action", list(StepAction))
def test_a_step_payload_round_trips_within_64_bytes(action: StepAction) -> None:
    data = callbacks.step(MAX_ID, LONGEST_STEP, action, LONGEST_ARGUMENT)
    assert fits(data)
    found = callbacks.STEP_PATTERN.match(data)
    assert found is not None
    assert found.groups() == (str(MAX_ID), LONGEST_STEP, action.value, LONGEST_ARGUMENT)
    assert StepAction(found[3]) is action


@pytest.mark.parametrize("action", list(AgreeAction))
@pytest.mark.parametrize("argument", [None, 1, MAX_USER])
def test_an_agreement_payload_round_trips_within_64_bytes(
    action: AgreeAction, argument: int | None
) -> None:
    data = callbacks.agree(MAX_ID, action, argument)
    assert fits(data)
    assert callbacks.parse_agree(data) == (MAX_ID, action, argument)


@pytest.mark.parametrize("action", list(TopicAction))
@pytest.mark.parametrize("topic_id", [None, 1, MAX_ID])
def test_a_topic_payload_round_trips_within_64_bytes(
    action: TopicAction, topic_id: int | None
) -> None:
    data = callbacks.topic(MAX_ID, action, topic_id)
    assert fits(data)
    assert callbacks.parse_topic(data) == (MAX_ID, action, topic_id)


def test_the_values_of_buttons_already_sent_are_kept() -> None:
    """Buttons in people's chats carry these: changing one would make them stale."""
    assert [a.value for a in AgreeAction] == [
        *("q", "b", "add", "whop", "whow", "whoa", "rm", "nod", "send", "drop"),
        *("ok", "no", "ch", "back", "pq", "pb", "ps"),
    ]
    assert [a.value for a in TopicAction] == ["more", "word", "send", "drop", "ok", "nt", "cm"]
    assert [a for a in AgreeAction if a.by_worker] == list(AgreeAction)[:10]
    assert [a for a in TopicAction if a.on_draft] == list(TopicAction)[:4]


@pytest.mark.parametrize(
    "data",
    ["ag:1:zz", "ag:1:", "ag:x:ok", "tp:1:yes:2", "tp:1:ok:x", "ag:1:ok:1:2", "p:1:s:ok"],
)
def test_a_payload_no_button_makes_is_not_read(data: str) -> None:
    assert callbacks.parse_agree(data) is None
    assert callbacks.parse_topic(data) is None


def test_payloads_with_times_round_trip_within_64_bytes() -> None:
    stamp = str(int(LATE.timestamp()))
    cases = [
        (callbacks.date_yes(MAX_USER, LATE), callbacks.DATE_YES_PATTERN, (str(MAX_USER), stamp)),
        (callbacks.date_pick(MAX_USER, LATE), callbacks.DATE_PICK_PATTERN, (str(MAX_USER), stamp)),
        (
            callbacks.meeting_accept(MAX_ID, LATE),
            callbacks.MEETING_ACCEPT_PATTERN,
            (str(MAX_ID), stamp),
        ),
    ]
    for data, pattern, groups in cases:
        assert fits(data), data
        found = pattern.match(data)
        assert found is not None and found.groups() == groups


def test_payloads_of_two_or_three_users_fit() -> None:
    cases = [
        (f"{callbacks.MOVE_TO}:{MAX_USER}:{MAX_USER}:{MAX_USER}", callbacks.MOVE_TO_PATTERN),
        (f"{callbacks.LEAVE_TO}:{MAX_USER}:{MAX_USER}", callbacks.LEAVE_TO_PATTERN),
        (f"{callbacks.SHARE_YES}:{MAX_USER}:{MAX_USER}", callbacks.SHARE_YES_PATTERN),
    ]
    for data, pattern in cases:
        assert fits(data) and pattern.match(data), data


PREFIXES = [
    value
    for name, value in vars(callbacks).items()
    if name.isupper() and isinstance(value, str) and not name.endswith("_PATTERN")
]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_prefix_with_the_largest_id_round_trips(prefix: str) -> None:
    data = callbacks.build(prefix, MAX_USER)
    assert fits(data)
    found = callbacks.pattern(prefix, r"\d{1,18}").match(data)
    assert found is not None and found[1] == str(MAX_USER)
    assert callbacks.pattern(prefix).match(callbacks.build(prefix))


def test_prefixes_are_distinct() -> None:
    assert len(PREFIXES) == len(set(PREFIXES)) > 30
