"""A health signal a supervisor can read: when Escale last heard from Telegram.

Each successful `getUpdates` rewrites a small file beside the database (its time and the
process id, nothing else). `python -m bot status` reads it together with the outbox's oldest
message that is due and unsent; the Dockerfile's HEALTHCHECK runs that command.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.request import HTTPXRequest

from bot.core.clock import Clock

log = logging.getLogger(__name__)

BEAT_EVERY = timedelta(seconds=5)  # at most one write per this much time, however fast polling is


def heartbeat_path(database: Path) -> Path:
    """The file beside `database` where the running instance says it is alive."""
    return database.with_name(database.name + ".health")


@dataclass(frozen=True)
class Beat:
    polled_at: datetime
    pid: int


def read_beat(database: Path) -> Beat | None:
    """The last heartbeat written next to `database`, or None if there is none (or unreadable)."""
    try:
        data = json.loads(heartbeat_path(database).read_text(encoding="utf-8"))
        return Beat(datetime.fromisoformat(data["polled_at"]), int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class Heartbeat:
    """Writes the heartbeat file atomically; failures are logged and never stop polling."""

    def __init__(self, database: Path, clock: Clock) -> None:
        self._path = heartbeat_path(database)
        self._clock = clock
        self._last: datetime | None = None
        self._failing = False

    def beat(self) -> None:
        now = self._clock.now()
        if self._last is not None and self._last <= now < self._last + BEAT_EVERY:
            return
        temporary = self._path.with_name(self._path.name + ".tmp")
        try:
            # On PostgreSQL nothing else creates the folder (the SQLite file would be in it).
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(
                json.dumps({"polled_at": now.isoformat(), "pid": os.getpid()}), encoding="utf-8"
            )
            os.replace(temporary, self._path)
        except OSError as error:
            if not self._failing:  # once, not at every poll
                log.warning("heartbeat not written error=%s", type(error).__name__)
            self._failing = True
            self._last = now
            return
        self._failing = False
        self._last = now

    def clear(self) -> None:
        """At a clean stop: no instance is polling any more."""
        try:
            self._path.unlink(missing_ok=True)
        except OSError as error:
            log.warning("heartbeat not removed error=%s", type(error).__name__)


class PollingRequest(HTTPXRequest):
    """The HTTP client PTB uses for `getUpdates` only: each answer from Telegram is a beat."""

    def __init__(self, heartbeat: Heartbeat, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._heartbeat = heartbeat

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code == 200:
            self._heartbeat.beat()
        return code, payload
