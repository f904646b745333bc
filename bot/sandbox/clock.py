"""The sandbox's clock: real time plus an offset the page moves forward (time travel)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.core.clock import LONGEST_NAP


def _system_now() -> datetime:
    return datetime.now(UTC)


class SandboxClock:
    """Runs like the real clock, ahead by `offset`; moving it wakes every sleeper at once."""

    def __init__(
        self, offset: timedelta = timedelta(0), wall: Callable[[], datetime] = _system_now
    ) -> None:
        self.offset = offset
        self._wall = wall
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return self._wall() + self.offset

    def timestamp(self) -> float:
        """Unix time on this clock, for the dates of messages."""
        return self.now().timestamp()

    async def sleep_until(self, moment: datetime) -> None:
        delay = (moment - self.now()).total_seconds()
        if delay <= 0:
            return
        moved = self._moved
        try:
            async with asyncio.timeout(min(delay, LONGEST_NAP)):
                await moved.wait()
        except TimeoutError:
            pass

    def advance(self, delta: timedelta) -> None:
        """Jump forward (never back: Escale's records assume time only grows)."""
        if delta > timedelta(0):
            self.offset += delta
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()
