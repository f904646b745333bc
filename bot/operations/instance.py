"""Is an instance of Escale using this database right now? Asked before anything unsafe."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.health import Beat, pid_alive, read_beat

RECENT = timedelta(minutes=2)  # a live instance beats at least every long-poll timeout


def running_instance(database: Path, now: datetime | None = None) -> Beat | None:
    """The heartbeat of an instance that looks alive: its process runs here, or it beat lately
    (another container on the same volume). A clean stop removes the heartbeat."""
    beat = read_beat(database)
    if beat is None:
        return None
    now = now or datetime.now(UTC)
    if beat.pid != os.getpid() and pid_alive(beat.pid):
        return beat
    if now - RECENT <= beat.polled_at <= now + RECENT:
        return beat
    return None


def in_use_message(database: Path, beat: Beat) -> str:
    return (
        f"escale: {database} is in use by a running Escale (process {beat.pid}, last poll "
        f"{beat.polled_at.isoformat(timespec='seconds')}); stop it first"
    )
