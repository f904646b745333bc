"""The outbox: messages that must arrive, written in the same transaction as their cause."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import aiosqlite

from bot.repository.common import to_db_time

OutgoingKind = Literal["text", "voice"]
Buttons = Sequence[Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message to send: HTML text, or a voice by file id with an HTML caption.

    `repeat_note` is written in the recipient's language when the message is queued; it heads
    the message if it has to be sent again after an attempt whose outcome is unknown.
    """

    chat_id: int
    kind: OutgoingKind
    body: str
    repeat_note: str
    caption: str | None = None
    buttons: Buttons = field(default=())
    protect: bool = False


async def enqueue(
    tx: aiosqlite.Connection,
    messages: Sequence[Outgoing],
    *,
    purpose: str,
    now: datetime,
    preparation_id: int | None = None,
) -> None:
    """Queue `messages`, in order, inside the caller's transaction."""
    for message in messages:
        await tx.execute(
            """INSERT INTO outbox (chat_id, purpose, preparation_id, kind, body, caption, buttons,
                                   protect, repeat_note, status, due_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)""",
            (
                message.chat_id,
                purpose,
                preparation_id,
                message.kind,
                message.body,
                message.caption,
                json.dumps([list(map(list, row)) for row in message.buttons])
                if message.buttons
                else None,
                int(message.protect),
                message.repeat_note,
                to_db_time(now),
                to_db_time(now),
            ),
        )
