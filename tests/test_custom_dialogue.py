"""A service changes its preparation by editing the dialogue file alone: drop, reorder, add a step.

Each test writes a modified copy of dialogues/preparation.toml and runs the real Escale on it,
then checks what the person is asked and what the worker reads.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.config import PREPARATION, Settings
from bot.preparation.dialogue.model import load
from tests.conftest import Escale, running_escale
from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.test_preparation import answers_row, briefs, prepared_pair


def shipped_steps() -> dict[str, str]:
    """The shipped steps, each as its own `[[step]]` block of TOML, by id in file order."""
    _, *blocks = re.split(r"^\[\[step\]\]\n", PREPARATION.read_text(encoding="utf-8"), flags=re.M)
    steps: dict[str, str] = {}
    for block in blocks:
        found = re.match(r'id = "(\w+)"', block)
        assert found, f"a step block that does not start with its id: {block!r}"
        steps[found.group(1)] = "[[step]]\n" + block
    assert list(steps) == [step.id for step in load(PREPARATION).steps]
    return steps


SHIPPED = shipped_steps()
ORDER = list(SHIPPED)

HOUSING = """
[[step]]
id = "housing"
kind = "choice"
label = "Where I live"
question = "Where do you live at the moment?"
options = [
    { id = "own", label = "In my own home" },
    { id = "hosted", label = "With family or friends" },
    { id = "none", label = "No fixed address" },
]
"""

StartEscale = Callable[[str], Awaitable[Escale]]


def dialogue(order: Sequence[str]) -> str:
    """A dialogue file made of the shipped steps (and HOUSING) in `order`."""
    blocks = {**SHIPPED, "housing": HOUSING}
    return "\n".join(blocks[step_id] for step_id in order)


def placed(step_id: str, *, before: str) -> list[str]:
    """The shipped order with `step_id` (moved or new) just before `before`."""
    rest = [s for s in ORDER if s != step_id]
    at = rest.index(before)
    return [*rest[:at], step_id, *rest[at:]]


def questions(person: TelegramUser) -> list[str]:
    """Every question the person was shown, oldest first."""
    return [m.text for m in person.messages if m.text.startswith("Question ")]


@pytest.fixture
async def escale_with(
    telegram: FakeTelegram,
    settings: Settings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[StartEscale]:
    """Start Escale on a dialogue file with the given text, as conftest's `escale` does."""
    async with AsyncExitStack() as stack:

        async def start(text: str) -> Escale:
            path = tmp_path / "dialogue.toml"
            path.write_text(text, encoding="utf-8")
            custom = replace(settings, dialogue_path=path)
            return await stack.enter_async_context(running_escale(telegram, custom, caplog))

        yield start


async def answer_from_want_to_review(person: TelegramUser) -> None:
    """The shipped questions from `want` on, answered; the person ends at the review."""
    await person.send("to pay my rent on time")
    await person.send("I don't understand the letters")
    await person.press("✔ Yes, that's my question")
    await person.press("I'd rather not")  # who else is involved
    await person.press("✔ Done")  # no joker
    await person.send("Call the CAF on Monday")
    await person.press("I'd rather not")  # plan B
    await person.press("3")
    await person.send("I already called once")
    await person.press("I'd rather not")  # what I expect from my worker
    assert "Here is what your social worker will read" in person.last.text


async def send_brief(escale: Escale, person: TelegramUser, worker: TelegramUser) -> str:
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    [brief] = briefs(worker)
    return brief.text


async def test_a_dropped_step_is_never_asked_nor_in_the_brief(escale_with: StartEscale) -> None:
    escale = await escale_with(dialogue([s for s in ORDER if s != "for_whom"]))
    worker, person = await prepared_pair(escale)

    await person.send("/prepare")
    assert person.last.text.startswith("Question 1 of 12\n"), "13 questions in the shipped file"
    await person.send("My rent is late again")
    assert person.last.text.startswith("Question 2 of 12\n")
    assert "If things went your way" in person.last.text
    await answer_from_want_to_review(person)

    assert len(questions(person)) == 11
    assert not any("Who is it a problem for?" in text for text in person.texts())
    assert "✏️ Who it is a problem for" not in person.buttons()
    assert "for_whom" not in await answers_row(escale, person)
    brief = await send_brief(escale, person, worker)
    assert "My rent is late again" in brief
    assert "Who it is a problem for" not in brief and "For me" not in brief


async def test_reordered_steps_are_asked_in_the_new_order(escale_with: StartEscale) -> None:
    escale = await escale_with(dialogue(placed("small_step", before="problem")))
    _, person = await prepared_pair(escale)

    await person.send("/prepare")
    await person.send("Call the CAF on Monday")
    await person.send("My rent is late again")
    await person.press("For me")
    first, second, third, fourth = questions(person)
    assert first.startswith("Question 1 of 13\n") and "What small step" in first
    assert second.startswith("Question 2 of 13\n") and "What is a problem for you" in second
    assert third.startswith("Question 3 of 13\n") and "Who is it a problem for?" in third
    assert fourth.startswith("Question 4 of 13\n") and "If things went your way" in fourth
    stored = await answers_row(escale, person)
    assert stored["small_step"][1] == "Call the CAF on Monday"
    assert stored["problem"][1] == "My rent is late again"

    await person.press("« Back")
    await person.press("« Back")
    await person.press("« Back")
    assert "What small step" in person.last.text, "back follows the new order too"


async def test_an_added_step_is_asked_answered_and_in_the_brief(escale_with: StartEscale) -> None:
    escale = await escale_with(dialogue(placed("housing", before="for_whom")))
    worker, person = await prepared_pair(escale)

    await person.send("/prepare")
    assert person.last.text.startswith("Question 1 of 14\n")
    await person.send("My rent is late again")
    housing = person.last
    assert housing.text.startswith("Question 2 of 14\n")
    assert "Where do you live at the moment?" in housing.text
    assert person.buttons(housing) == [
        "In my own home",
        "With family or friends",
        "No fixed address",
        "« Back",
        "I'd rather not",
        "⏸ Later",
    ]
    await person.press("With family or friends")
    assert "✔ With family or friends" in housing.text and housing.buttons == []
    assert "Who is it a problem for?" in person.last.text
    assert (await answers_row(escale, person))["housing"] == (0, "hosted", None, 0)
    await person.press("For me")
    await answer_from_want_to_review(person)

    assert "✏️ Where I live" in person.buttons()
    brief = await send_brief(escale, person, worker)
    assert "Where I live\nWith family or friends" in brief
    assert (
        brief.index("My problem today")
        < brief.index("Where I live")
        < brief.index("Who it is a problem for")
    )
