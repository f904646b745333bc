"""Updates of different chats at once, the updates of one chat one after another.

PTB handles one update at a time by default, so one slow reply (a 429 waited out, a slow
disk) holds up everyone. `concurrent_updates(True)` runs them all at once, and then two
messages a person sends in a row may be handled in the wrong order: the second answer stored
as the first, or against a question the first one had already moved past.

`PerChatOrder` runs each update once every earlier update of its chat has finished (keyed by
the chat, or by the user for an update without a chat, such as a button of an inline-mode
message), and updates of different chats side by side.

Two bounds, so that one busy chat can never hold up the others:

- `running`: handlers at work at the same moment. Only the head of each chat's line takes one
  of these places: an update waiting behind an earlier one of its own chat holds none, so a
  chat with 500 updates queued uses one place, and the other chats have all the others.
- `accepted`: updates PTB hands over at once (its own semaphore, taken before `PerChatOrder`
  sees an update). Waiting updates hold one of these, so it is large: they cost a few hundred
  bytes each, and the per-user flood limit (`ESCALE_UPDATES_PER_MINUTE`) drops a flooder's
  updates at once, at the head of their line. PTB's semaphore wakes its waiters first come,
  first served, so even when it is full the order within a chat holds.

Each chat's line is a lock with a count of the updates that hold or wait for it; the last one
out removes it, so the table holds only chats with work in progress (`lines`).

The order is kept within one process; work that crosses chats (a worker moving the meeting of
a person who is answering) stays correct through the database (one writer, BEGIN IMMEDIATE),
not through this class.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

RUNNING = 64  # handlers at work at once: enough for the disk and the pace to be the limit
ACCEPTED = 10_000  # updates handed over at once, most of them waiting for their chat


@dataclass
class _Line:
    """One chat's updates: the one at work holds the lock, the others wait for it in order."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    updates: int = 0  # holding or waiting for the lock


def order_key(update: object) -> int | None:
    """The chat an update belongs to, else its user; None for what has neither (a poll)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatOrder(BaseUpdateProcessor):
    """Different chats at once, each chat in arrival order (see the module's docstring)."""

    def __init__(self, running: int = RUNNING, accepted: int = ACCEPTED) -> None:
        if not 1 <= running <= accepted:
            raise ValueError("running must be at least 1 and at most accepted")
        super().__init__(accepted)
        self._running = asyncio.Semaphore(running)
        self._lines: dict[int, _Line] = {}

    @property
    def lines(self) -> int:
        """Chats with an update at work or waiting: 0 once everything is handled."""
        return len(self._lines)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        # Taken before the first await: PTB starts the updates' tasks in arrival order, so
        # they join their chat's line in that order too.
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = _Line()
        line.updates += 1
        started = False
        try:
            async with line.lock, self._running:
                started = True
                await coroutine
        finally:
            line.updates -= 1
            if line.updates == 0:
                del self._lines[key]
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: never run, and no warning

    async def initialize(self) -> None:
        """Nothing to set up: the lines are made as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for the updates at work before it shuts down."""
