"""Throughput and p99 of one and two Escale instances on PostgreSQL, beside one on SQLite.

    .venv/bin/python -m benchmarks.instances [--people 40] [--postgres URL]

Each configuration runs as a service deploys it: `python -m bot` processes in webhook mode
behind a round-robin proxy (tests/instances.py), against the fake Telegram on 127.0.0.1. The
same people (joined beforehand, not timed) then all prepare their meeting at once, each
answering every question as soon as the previous answer was handled, as a person would with
the reply in front of them. Timed: each update from its post to Telegram's acknowledgement,
which Escale gives only once the update is handled and its reply sent. Printed: updates per
second, median and p99 latency, each configuration beside the SQLite one as a ratio.

The pace of sends is lifted (1000 a second): this measures Escale and its database, not
Telegram's flood limit. PostgreSQL is the server at `--postgres` (or ESCALE_TEST_POSTGRES);
each configuration gets a schema of its own, dropped afterwards. Without one, only SQLite runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tests.conftest import ADMIN_ID
from tests.engines import in_schema
from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.instances import TOKEN, cluster
from tests.journeys import person_token, token_in
from tests.walk import Reading, first_preparation


@dataclass(frozen=True)
class Result:
    name: str
    updates: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@asynccontextmanager
async def _schema(server: str) -> AsyncIterator[str]:
    name = f"bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f"CREATE SCHEMA {name}")
    finally:
        await connection.close()
    try:
        yield in_schema(server, name)
    finally:
        connection = await asyncpg.connect(server)
        try:
            await connection.execute(f"DROP SCHEMA {name} CASCADE")
        finally:
            await connection.close()


async def _run(name: str, database: str, instances: int, people: int, workdir: Path) -> Result:
    latencies: list[float] = []
    timing = False
    async with FakeTelegram(token=TOKEN) as telegram:

        async def handled(update_id: int) -> None:
            started = time.perf_counter()
            await telegram.wait_fetched(update_id, timeout=300)
            if timing:
                latencies.append(time.perf_counter() - started)

        async with cluster(telegram, database, instances, workdir, ESCALE_REMINDER_OFFSETS=""):
            admin = TelegramUser(
                telegram, handled, user_id=ADMIN_ID, first_name="Camille", language_code="en"
            )
            worker = TelegramUser(
                telegram, handled, user_id=2000, first_name="Alice", language_code="en"
            )
            await admin.send("/newworker")
            await worker.send(f"/start {token_in(admin.last.text)}")
            joined = []
            for number in range(people):
                link = await person_token(worker, f"P{number}")
                person = TelegramUser(
                    telegram,
                    handled,
                    user_id=3000 + number,
                    first_name=f"P{number}",
                    language_code="en",
                )
                await person.send(f"/start {link}")
                await person.press("I agree")
                joined.append(person)
            timing = True
            begun = time.perf_counter()
            await asyncio.gather(*(first_preparation(p, Reading()) for p in joined))
            seconds = time.perf_counter() - begun
    return Result(name, len(latencies), seconds, latencies)


def _print(results: list[Result]) -> None:
    base = results[0]
    print(
        f"{'configuration':<28} {'updates':>8} {'per s':>8} {'ratio':>6} "
        f"{'median ms':>10} {'p99 ms':>8} {'p99 ratio':>9}"
    )
    for result in results:
        print(
            f"{result.name:<28} {result.updates:>8} {result.per_second:>8.1f} "
            f"{result.per_second / base.per_second:>6.2f} "
            f"{statistics.median(result.latencies) * 1000:>10.1f} "
            f"{result.quantile(0.99) * 1000:>8.1f} "
            f"{result.quantile(0.99) / base.quantile(0.99):>9.2f}"
        )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--postgres", default=os.environ.get("ESCALE_TEST_POSTGRES", ""))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        results.append(
            await _run(
                "SQLite, 1 instance",
                str(work / "escale.sqlite3"),
                1,
                args.people,
                work / "sqlite",
            )
        )
        if args.postgres:
            for count in (1, 2):
                async with _schema(args.postgres) as url:
                    results.append(
                        await _run(
                            f"PostgreSQL, {count} instance{'s' if count > 1 else ''}",
                            url,
                            count,
                            args.people,
                            work / f"pg{count}",
                        )
                    )
        else:
            print("no PostgreSQL: give --postgres URL or set ESCALE_TEST_POSTGRES", file=sys.stderr)
    print(f"{args.people} people preparing at once, webhook mode, {os.cpu_count()} CPU cores")
    _print(results)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
