"""Time as an injected dependency, so expiries and reminders are tested without waiting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Protocol

LONGEST_NAP = 60.0  # seconds; a sleeper wakes at least this often, so a changed clock is noticed


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime, and waits for a moment to come."""

    def now(self) -> datetime: ...

    async def sleep_until(self, moment: datetime) -> None:
        """Return once `now()` is at or after `moment` (or a little earlier; callers re-check)."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, moment: datetime) -> None:
        delay = (moment - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(min(delay, LONGEST_NAP))
