"""The same store operations on both engines: `python -m benchmarks.store_engines [--people 300]`.

Runs Escale's own stores (no Telegram) on a SQLite file in a temporary directory and, when
`ESCALE_BENCH_POSTGRES` (or `ESCALE_TEST_POSTGRES`) names a server, on a fresh schema there,
then prints for each engine the operations per second and the p50/p99 latency of:

- `join`: a worker's link created and a person joining with it (several transactions);
- `answer`: a language change, one upsert each (the smallest write);
- `read`: an account read back;
- `burst`: the same joins, 20 at once (SQLite's one writer against PostgreSQL's pool);
- `forget`: a person erased, with the engine's scrub (SQLite: a WAL checkpoint; PostgreSQL:
  VACUUM FULL of the tables the erasure changed).

PostgreSQL's figures are shown beside SQLite's as ratios. Nothing is asserted; the schema is
dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bot.accounts.store import Repository, TelegramProfile
from bot.core.engines import open_database

NOW = datetime(2026, 12, 1, tzinfo=UTC)
WEEK = timedelta(days=7)
WORKER = TelegramProfile(1, "Alice", "fr")


async def _timed(
    count: int, step: Callable[[int], Awaitable[object]], *, together: int = 1
) -> tuple[float, list[float]]:
    """Run `step(i)` for i < count, `together` at a time; the elapsed time and each latency."""
    latencies: list[float] = []
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            started = time.perf_counter()
            await step(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(together)))
    return time.perf_counter() - started, latencies


async def measure(location: str | Path, people: int) -> dict[str, tuple[float, float, float]]:
    """For each operation: (per second, p50 ms, p99 ms)."""
    db = await open_database(location)
    repo = Repository(db)
    await repo.create_invitation("worker", "w", 0, None, NOW, NOW + WEEK)
    await repo.redeem_worker_invitation("w", WORKER, NOW)
    results: dict[str, tuple[float, float, float]] = {}

    async def join(i: int) -> None:
        token = f"p{i}"
        invitation = await repo.create_invitation("person", token, 1, f"P{i}", NOW, NOW + WEEK)
        who = TelegramProfile(10_000 + i, f"Person {i}", "fr")
        await repo.claim_person_invitation(token, who.user_id, NOW)
        await repo.accept_person_invitation(invitation.id, who, "fr", 1, NOW)

    async def burst_join(i: int) -> None:
        await join(people + i)

    async def answer(i: int) -> None:
        await repo.set_language(
            TelegramProfile(10_000 + i % people, f"Person {i}", "fr"), "en", NOW
        )

    async def read(i: int) -> None:
        await repo.account(10_000 + i % people)

    async def forget(i: int) -> None:
        await repo.forget_person(10_000 + i, NOW)

    try:
        for name, step, count, together in (
            ("join", join, people, 1),
            ("answer", answer, people, 1),
            ("read", read, people, 1),
            ("burst", burst_join, people, 20),
            ("forget", forget, min(people, 50), 1),
        ):
            elapsed, latencies = await _timed(count, step, together=together)
            ordered = sorted(latencies)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            results[name] = (count / elapsed, statistics.median(ordered) * 1000, p99 * 1000)
    finally:
        await db.close()
    return results


async def _schema(url: str) -> tuple[str, str]:
    name = f"bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f"CREATE SCHEMA {name}")
    finally:
        await connection.close()
    joiner = "&" if "?" in url else "?"
    return name, f"{url}{joiner}search_path={name}"


async def _drop(url: str, name: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f"DROP SCHEMA {name} CASCADE")
    finally:
        await connection.close()


async def main(people: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        sqlite = await measure(Path(directory) / "escale.sqlite3", people)
    server = os.environ.get("ESCALE_BENCH_POSTGRES") or os.environ.get("ESCALE_TEST_POSTGRES")
    postgres = None
    if server:
        name, url = await _schema(server)
        try:
            postgres = await measure(url, people)
        finally:
            await _drop(server, name)
    print(f"{people} people; per second, p50 and p99 in ms")
    header = f"{'':8} {'SQLite':>28}"
    if postgres:
        header += f" {'PostgreSQL':>28} {'PG/SQLite per second':>22}"
    print(header)
    for operation, (rate, p50, p99) in sqlite.items():
        line = f"{operation:8} {rate:10.0f}/s {p50:7.2f} {p99:8.2f}"
        if postgres:
            pg_rate, pg_50, pg_99 = postgres[operation]
            line += f" {pg_rate:10.0f}/s {pg_50:7.2f} {pg_99:8.2f} {pg_rate / rate:22.2f}"
        print(line)
    if not postgres:
        print("PostgreSQL not measured: set ESCALE_BENCH_POSTGRES to a server's URL")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    asyncio.run(main(parser.parse_args().people))
