"""`python -m bot status`: is Escale healthy? The same answer for Docker and for a human.

Healthy means: the instance heard from Telegram lately (a successful `getUpdates`; with a
webhook, a `getWebhookInfo` that reports no delivery problem), and no message in the outbox has
been due for long without being sent. Exit code 0 if healthy, 1 if
not, so `HEALTHCHECK CMD python -m bot status` works as it is.

On PostgreSQL the heartbeat is still a file of this instance (each container says whether it
polls), beside where the SQLite file would be (`data/escale.sqlite3.health`); the outbox is
read from the server, for every instance at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bot.core.config import DEFAULT_DATABASE, without_password
from bot.core.db import BUSY_TIMEOUT_SECONDS
from bot.core.rows import from_db_time, to_db_time
from bot.service.health import read_beat

POLL_LIMIT = timedelta(minutes=2)  # long polling answers every 10 s, the webhook check every 30 s
OUTBOX_LIMIT = timedelta(minutes=10)  # paced sending clears 1,000 messages in under a minute


@dataclass(frozen=True)
class Health:
    healthy: bool
    lines: list[str]


def health(database: Path, now: datetime | None = None, url: str | None = None) -> Health:
    """Read the heartbeat (beside `database`) and the outbox (read-only: in that SQLite file,
    or on the PostgreSQL server at `url`) and judge them at `now`."""
    now = now or datetime.now(UTC)
    lines = [f"database: {without_password(url) if url else database}"]
    healthy = True
    beat = read_beat(database)
    if beat is None:
        healthy = False
        lines.append("polling: no heartbeat (Escale is not running, or has not polled yet)")
    elif beat.mode == "webhook":
        age = now - beat.polled_at
        fresh = age <= POLL_LIMIT
        healthy = healthy and fresh and beat.problem is None
        verdict = "TOO OLD" if not fresh else "ok" if beat.problem is None else beat.problem
        lines.append(
            f"webhook: Telegram last asked {beat.polled_at.isoformat(timespec='seconds')} "
            f"({_ago(age)} ago, process {beat.pid}) — {verdict}"
        )
    else:
        age = now - beat.polled_at
        fresh = age <= POLL_LIMIT
        healthy = healthy and fresh
        lines.append(
            f"polling: last getUpdates {beat.polled_at.isoformat(timespec='seconds')} "
            f"({_ago(age)} ago, process {beat.pid}) — {'ok' if fresh else 'TOO OLD'}"
        )
    try:
        oldest, waiting, held = _postgres_outbox(url, now) if url else _outbox(database, now)
    except (sqlite3.Error, OSError, asyncpg.PostgresError) as error:
        return Health(False, [*lines, f"outbox: cannot be read ({error})"])
    if oldest is None:
        lines.append("outbox: nothing due")
    else:
        late = now - oldest
        fresh = late <= OUTBOX_LIMIT
        healthy = healthy and fresh
        lines.append(
            f"outbox: {waiting} due, the oldest since {_ago(late)} — {'ok' if fresh else 'STUCK'}"
        )
    if held:
        lines.append(f"outbox: {held} held for someone who blocked the bot (not a fault)")
    lines.append("healthy" if healthy else "UNHEALTHY")
    return Health(healthy, lines)


def _outbox(database: Path, now: datetime) -> tuple[datetime | None, int, int]:
    if not database.is_file():
        raise OSError(f"{database} does not exist")
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        oldest, waiting = connection.execute(
            """SELECT MIN(due_at), COUNT(*) FROM outbox
               WHERE status IN ('pending', 'sending') AND due_at <= ?""",
            (to_db_time(now),),
        ).fetchone()
        (held,) = connection.execute("SELECT COUNT(*) FROM outbox WHERE status = 'held'").fetchone()
    finally:
        connection.close()
    return (from_db_time(oldest) if oldest else None), int(waiting), int(held)


_OLDEST_DUE = """SELECT MIN(due_at), COUNT(*) FROM outbox
                  WHERE status IN ('pending', 'sending') AND due_at <= $1"""
_HELD = "SELECT COUNT(*) FROM outbox WHERE status = 'held'"


def _postgres_outbox(url: str, now: datetime) -> tuple[datetime | None, int, int]:
    """The same figures from the server, read on a thread of their own (the caller may be
    inside an event loop, as a test is)."""

    async def read() -> tuple[datetime | None, int, int]:
        connection = await asyncpg.connect(url, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            row = await connection.fetchrow(_OLDEST_DUE, to_db_time(now))
            oldest, waiting = (row[0], row[1]) if row is not None else (None, 0)
            held = await connection.fetchval(_HELD)
        finally:
            await connection.close()
        return (from_db_time(oldest) if oldest else None), int(waiting), int(held)

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, read()).result()


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def run(database: str | Path) -> int:
    if isinstance(database, str):  # a PostgreSQL server: this instance's heartbeat file
        result = health(DEFAULT_DATABASE, url=database)
    else:
        result = health(database)
    print("\n".join(result.lines))
    return 0 if result.healthy else 1
