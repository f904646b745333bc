"""What one user can cost: at most so many updates handled a minute, per user.

Beyond the limit, the user gets one short notice, then silence until their minute has room
again; nothing they send meanwhile is read, stored or answered. The count lives in memory
only (it is about the last minute, and stores nothing about anyone) and follows the injected
clock. It runs before every other handler.
"""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime, timedelta

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import EscaleContext
from bot.core.clock import Clock
from bot.core.updates import in_private_chat
from bot.general.common_handlers import send
from bot.general.views import slow_down

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=1)
FORGET_AFTER = 1000  # users tracked before the idle ones are dropped


class FloodGuard:
    """Counts each user's updates in a rolling minute of the injected clock."""

    def __init__(self, per_minute: int, clock: Clock) -> None:
        self._limit = per_minute
        self._clock = clock
        self._seen: dict[int, deque[datetime]] = {}
        self._told: set[int] = set()

    def check(self, user_id: int) -> str:
        """ "ok" to handle the update, "notice" to say so once, "silent" to drop it."""
        now = self._clock.now()
        if len(self._seen) > FORGET_AFTER:
            self._forget_idle(now)
        times = self._seen.setdefault(user_id, deque())
        while times and times[0] + WINDOW <= now:
            times.popleft()
        if len(times) < self._limit:
            times.append(now)
            self._told.discard(user_id)
            return "ok"
        if user_id in self._told:
            return "silent"
        self._told.add(user_id)
        return "notice"

    def _forget_idle(self, now: datetime) -> None:
        for user_id in [
            u for u, times in self._seen.items() if not times or times[-1] + WINDOW <= now
        ]:
            del self._seen[user_id]
            self._told.discard(user_id)


async def guard(flood: FloodGuard, update: Update, context: EscaleContext) -> None:
    """Before every other handler: `flood` (one per application) counts this user's updates."""
    user = update.effective_user
    if user is None:
        return
    verdict = flood.check(user.id)
    if verdict == "ok":
        return
    if verdict == "notice":
        log.warning("flood limit reached user=%s: silent for a while", user.id)
        catalogs = context.services.catalogs
        chat = update.effective_chat
        if chat is not None and in_private_chat(update):  # never a customer's, a guest's chat
            t = catalogs.get(catalogs.resolve(None, user.language_code))
            try:
                await send(context, chat.id, slow_down(t))
            except TelegramError as error:
                log.info("flood notice not sent user=%s error=%s", user.id, type(error).__name__)
    raise ApplicationHandlerStop
