"""A burst of reminders in real time: `python -m benchmarks.reminder_burst [--count 1000]`.

The real Application (built by `bot.app.build_application`, on the real `SystemClock`) polls a
fake Telegram on 127.0.0.1 that, like Telegram, answers 429 beyond 30 sends in any second.
`count` people each have one reminder due now; the script waits until every one is sent, then
prints the figures. Nothing is asserted; it touches no network beyond 127.0.0.1, writes only
to a temporary directory, and stops by itself (after `--timeout` seconds at worst).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.seed import seed_burst
from bot.app import build_application
from bot.context import Services
from bot.core import logs
from bot.core.clock import SystemClock
from bot.core.config import Settings
from tests.conftest import start_app, stop_app
from tests.fake_telegram import FakeTelegram

TELEGRAM_LIMIT = 30  # sends a second before the fake answers 429, as Telegram does for a bot
ADMIN_ID = 900001
POLL_EVERY = 0.2  # seconds between looks at the database


@dataclass(frozen=True)
class Result:
    count: int
    sent: int
    received: int  # messages the fake stored in the people's chats
    elapsed: float  # seconds from waking the sender to the last row seen 'sent'
    throttled: int
    finished: bool

    @property
    def per_second(self) -> float:
        return self.sent / self.elapsed if self.elapsed > 0 else 0.0


async def run(count: int, timeout: float) -> Result:  # noqa: ASYNC109
    with tempfile.TemporaryDirectory(prefix="escale-burst-") as directory:
        async with FakeTelegram() as telegram:
            telegram.rate_limit(TELEGRAM_LIMIT)
            telegram.add_private_chat(ADMIN_ID, "Camille")  # for the admin menu set at start-up
            settings = Settings(
                token=telegram.token,
                api_base_url=telegram.base_url,
                admin_ids=frozenset({ADMIN_ID}),
                database_path=Path(directory) / "escale.sqlite3",
            )
            clock = SystemClock()
            app = build_application(settings, clock)
            await start_app(app)
            try:
                svc: Services = app.bot_data.services
                db = svc.repo.db
                burst = await seed_burst(db, telegram, count, clock.now(), invited_by=ADMIN_ID)
                started = time.perf_counter()
                svc.deliver()
                deadline = started + timeout
                sent, finished = 0, False
                while time.perf_counter() < deadline:
                    row = await db.fetchone(
                        """SELECT COUNT(*) FROM outbox
                           WHERE purpose = 'reminder' AND status = 'sent'"""
                    )
                    sent = row[0] if row else 0
                    if sent >= count:
                        finished = True
                        break
                    await asyncio.sleep(POLL_EVERY)
                elapsed = time.perf_counter() - started
            finally:
                await stop_app(app)
            received = sum(len(telegram.messages(person)) for person in burst.person_ids)
            return Result(count, sent, received, elapsed, telegram.throttled, finished)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reminder_burst")
    parser.add_argument("--count", type=int, default=1000, help="reminders due at once")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait before giving up"
    )
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    logs.configure(logging.WARNING)
    result = asyncio.run(run(args.count, args.timeout))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mib = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    print(f"reminders          {result.count}")
    print(f"sent               {result.sent}")
    print(f"received by fake   {result.received}")
    print(f"elapsed            {result.elapsed:.1f} s")
    print(f"messages/second    {result.per_second:.1f}")
    print(f"429 answers        {result.throttled}")
    print(f"peak RSS           {peak_mib:.1f} MiB")
    print(f"CPU (user+sys)     {usage.ru_utime + usage.ru_stime:.1f} s, whole process")
    if not result.finished:
        print(f"timed out after {args.timeout:.0f} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
