"""Steps that many end-to-end tests share: an admin brings a worker, a worker brings a person."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Escale
from tests.fake_telegram import TelegramUser

LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)")


def token_in(text: str) -> str:
    found = LINK.search(text)
    assert found, f"no invitation link in {text!r}"
    return found.group(2)


async def new_worker_token(escale: Escale, admin: TelegramUser) -> str:
    await admin.send("/newworker")
    return token_in(admin.last.text)


async def make_worker(
    escale: Escale, name: str = "Alice", language_code: str | None = "fr", **extra: object
) -> TelegramUser:
    admin = escale.admin()
    token = await new_worker_token(escale, admin)
    worker = escale.user(name, language_code, **extra)
    await worker.send(f"/start {token}")
    return worker


async def person_token(worker: TelegramUser, label: str | None = None) -> str:
    before = len(worker.messages)
    await worker.send(f"/invite {label}" if label else "/invite")
    # The outbox sender runs beside the handlers: a brief may land between /invite and now.
    links = [m.text for m in worker.messages[before:] if m.kind == "text" and LINK.search(m.text)]
    assert links, "no invitation link after /invite"
    return token_in(links[-1])


async def make_person(
    escale: Escale,
    worker: TelegramUser,
    name: str = "Léa",
    label: str | None = "Léa",
    language_code: str | None = "fr",
    **extra: Any,
) -> TelegramUser:
    token = await person_token(worker, label)
    person = escale.user(name, language_code, **extra)
    await person.send(f"/start {token}")
    agree = "I agree" if person.last.text.startswith("Hello") else "Je suis d'accord"
    await person.press(agree)
    return person
