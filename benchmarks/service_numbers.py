"""What running a service costs: `python -m benchmarks.service_numbers [--people 4000]`.

Builds a database in a temporary directory (one worker per 200 people; five meetings, each with
an invitation to prepare and a sent preparation, per person), then times, side by side with a
baseline measured in the same run:

- the counts behind `/stats`, against one read of every preparation row (the least any count
  must do);
- one retention pass's queries (who is told, who is erased);
- `python -m bot backup`'s online backup with its checks, against a plain file copy (which would
  not be safe on a live database).

Nothing is asserted; it writes only to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.db import Database
from bot.core.engines import open_database
from bot.core.period import Period
from bot.core.rows import to_db_time
from bot.service.operations.backup import backup
from bot.service.retention_store import RetentionStore
from bot.service.stats_store import StatsStore

NOW = datetime(2026, 12, 1, tzinfo=UTC)


async def seed(db: Database, people: int) -> None:
    workers = max(1, people // 200)
    async with db.transaction() as tx:
        for index in range(workers):
            await tx.execute(
                "INSERT INTO users (id, display_name, created_at) VALUES (?, 'W', ?)",
                (10_000 + index, to_db_time(NOW)),
            )
            await tx.execute(
                "INSERT INTO workers VALUES (?, 'active', 1, ?)", (10_000 + index, to_db_time(NOW))
            )
        for index in range(people):
            person, worker = 100_000 + index, 10_000 + index % workers
            active = to_db_time(NOW - timedelta(days=index % 900))
            await tx.execute(
                """INSERT INTO users (id, display_name, created_at, last_active_at)
                   VALUES (?, 'P', ?, ?)""",
                (person, active, active),
            )
            await tx.execute("INSERT INTO people VALUES (?, ?, NULL, ?)", (person, worker, active))
            for week in range(5):
                at = NOW - timedelta(days=index % 900 + 7 * week)
                inserted = await tx.execute(
                    """INSERT INTO meetings (person_id, at, status, created_at, updated_at)
                       VALUES (?, ?, 'planned', ?, ?) RETURNING id""",
                    (person, to_db_time(at), to_db_time(at), to_db_time(at)),
                )
                meeting = await inserted.fetchone()
                assert meeting is not None
                await tx.execute(
                    """INSERT INTO reminders (meeting_id, kind, due_at, status)
                       VALUES (?, 'invite', ?, 'queued')""",
                    (meeting["id"], to_db_time(at - timedelta(days=2))),
                )
                await tx.execute(
                    """INSERT INTO preparations (person_id, worker_id, status, started_at,
                                                 updated_at, finished_at, meeting_id)
                       VALUES (?, ?, 'sent', ?, ?, ?, ?)""",
                    (
                        person,
                        worker,
                        to_db_time(at - timedelta(days=1)),
                        to_db_time(at),
                        to_db_time(at - timedelta(hours=20)),
                        meeting["id"],
                    ),
                )


async def timed(action: Callable[[], Awaitable[object]], runs: int = 3) -> float:
    """The best of `runs`, in milliseconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        await action()
        best = min(best, time.perf_counter() - start)
    return best * 1000


async def main(people: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="escale-bench-"))
    try:
        path = folder / "escale.sqlite3"
        db = await open_database(path)
        await seed(db, people)
        stats = await timed(lambda: StatsStore(db).counts(NOW))
        scan = await timed(lambda: db.fetchall("SELECT started_at, worker_id FROM preparations"))
        store, period = RetentionStore(db), Period(months=24)

        async def retention_queries() -> None:
            await store.to_warn(period.before(NOW + period.warning_ahead()))
            await store.to_erase(period.before(NOW), NOW - period.warning_ahead())

        retention = await timed(retention_queries)
        await db.close()

        async def online_backup() -> None:
            await asyncio.to_thread(backup, path, folder / "backup.sqlite3")

        async def plain_copy() -> None:
            await asyncio.to_thread(shutil.copyfile, path, folder / "copy.sqlite3")

        copy_ms = await timed(online_backup)
        plain_ms = await timed(plain_copy)
        size = path.stat().st_size / 1024 / 1024
        print(f"{people} people, {5 * people} preparations with meetings and invitations")
        print(
            f"  /stats counts      {stats:8.1f} ms   read every row once {scan:7.1f} ms"
            f"   x{stats / scan:.1f}"
        )
        print(f"  retention queries  {retention:8.1f} ms")
        print(
            f"  backup ({size:.1f} MiB)  {copy_ms:8.1f} ms   plain file copy {plain_ms:11.1f} ms"
            f"   x{copy_ms / plain_ms:.1f}"
        )
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=4000)
    asyncio.run(main(parser.parse_args().people))
