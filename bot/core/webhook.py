"""Webhook mode's receiving end: Telegram hears "200 OK" for an update only once it is handled.

PTB's webhook server (tornado) awaits `update_queue.put(update)` before it answers Telegram.
Given this queue, that `put` runs the update through the Application's handlers first. So:

- an update Telegram sees acknowledged has been handled, its answers committed: an instance
  killed mid-update never answered, and Telegram delivers that update again (to another
  instance behind the proxy, or to this one once it is back);
- Telegram keeps one update per chat in flight and sends a chat's next update only after the
  previous one was acknowledged, so the updates of one chat are handled in order, one at a
  time, even when several instances share the work; different chats run side by side.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import Application


class HandledBeforeAnswer(asyncio.Queue[object]):
    """An update queue whose `put` handles an update before returning (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None

    def attach(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._app = app

    async def put(self, item: object) -> None:
        app = self._app
        if not isinstance(item, Update) or app is None:
            await super().put(item)  # PTB's own signals (its stop), never an update
            return
        await app.update_processor.process_update(item, app.process_update(item))
