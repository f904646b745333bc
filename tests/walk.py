"""A person's whole first preparation, walked in any language: buttons are pressed by what they
do (their callback data), never by their label, so the walk works for every catalog."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.conftest import Escale
from tests.fake_telegram import SentMessage, TelegramUser
from tests.journeys import person_token

ANSWER = "My rent is late and the letters scare me"


@dataclass
class Reading:
    """Every bot message the person received, as it was first shown, in order."""

    seen: dict[int, str] = field(default_factory=dict)
    review_ids: set[int] = field(default_factory=set)
    consent_id: int | None = None

    def look(self, person: TelegramUser) -> None:
        for message in person.messages:
            if message.message_id not in self.seen and message.kind == "text":
                self.seen[message.message_id] = message.text


def _actions(message: SentMessage) -> dict[str, str]:
    """A preparation message's buttons by action: p:<prep>:<step>:<action>[:<arg>]."""
    found: dict[str, str] = {}
    for row in message.buttons:
        for button in row:
            data = button.callback_data or ""
            parts = data.split(":")
            if len(parts) >= 4 and parts[0] == "p":
                found.setdefault(parts[3], data)
    return found


def _with_buttons(person: TelegramUser) -> SentMessage:
    return next(m for m in reversed(person.messages) if not m.deleted and m.buttons)


async def join(
    escale: Escale, worker: TelegramUser, language: str, reading: Reading
) -> TelegramUser:
    """A person opens their link in `language` and agrees; the consent screen is noted."""
    token = await person_token(worker, "Léa")
    person = escale.user("Léa", language)
    await person.send(f"/start {token}")
    consent = _with_buttons(person)
    reading.look(person)
    reading.consent_id = consent.message_id
    await person.press_data(consent.buttons[0][0].callback_data or "", consent.message_id)
    reading.look(person)
    return person


async def first_preparation(person: TelegramUser, reading: Reading, *, send: bool = True) -> None:
    """Answer every question as a person would (text typed, a choice, 3 on the scale, a new
    joker named and related), up to the review; then send it, or stop there."""
    mark = max((m.message_id for m in person.messages), default=0)
    await person.send("/prepare")
    for _ in range(60):
        reading.look(person)
        message = _with_buttons(person)
        actions = _actions(message)
        if "send" in actions:  # the review: what came after the last answer
            reading.review_ids.update(i for i in reading.seen if i > mark)
            if send:
                await person.press_data(actions["send"], message.message_id)
                reading.look(person)
            return
        mark = max(m.message_id for m in person.messages)
        if "o" in actions:
            await person.press_data(actions["o"], message.message_id)
        elif "v" in actions:
            scale = [
                b.callback_data or ""
                for row in message.buttons
                for b in row
                if ":v:" in (b.callback_data or "")
            ]
            await person.press_data(scale[len(scale) // 2], message.message_id)
        elif "ok" in actions:
            await person.press_data(actions["ok"], message.message_id)
        elif "y" in actions:  # confirm the joker typed
            await person.press_data(actions["y"], message.message_id)
        elif "r" in actions:  # their relation
            await person.press_data(actions["r"], message.message_id)
        elif "j" in actions and "d" in actions:
            await person.press_data(actions["d"], message.message_id)
        elif "d" in actions:
            await person.send("Marie")
        else:
            await person.send(ANSWER)
    raise AssertionError("the preparation never reached its review")
