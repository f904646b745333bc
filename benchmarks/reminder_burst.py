"""A burst of reminders in real time: `python -m benchmarks.reminder_burst [--count 1000]`.

The real Application (built by `bot.app.build_application`, on the real `SystemClock`) polls a
fake Telegram on 127.0.0.1 that, like Telegram, answers 429 beyond 30 sends in any second.
`count` people each have one reminder due now; the script waits until every one is sent, then
prints the figures. Nothing is asserted; it touches no network beyond 127.0.0.1, writes only
to a temporary directory, and stops by itself (after `--timeout` seconds at worst).

`--runs N --baseline REV` runs the burst N times in fresh processes, alternating with the same
script of the git revision REV (checked out in a temporary directory, run with this Python),
and prints both side by side: each run's seconds, and their medians as ratios to each other
and to Telegram's floor (`count / 30` seconds), with the load average at each run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import resource
import statistics
import subprocess
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


HERE = Path(__file__).resolve().parent.parent  # the tree this script belongs to


@dataclass(frozen=True)
class Measured:
    """One run in a process of its own, as its printout says."""

    elapsed: float
    throttled: int
    load: float  # the one-minute load average as the run began


def measure(tree: Path, count: int, timeout: float) -> Measured:
    """Run this benchmark once as `tree` has it, in a fresh process of this Python."""
    load = os.getloadavg()[0]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.reminder_burst",
            f"--count={count}",
            f"--timeout={timeout}",
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    elapsed = re.search(r"^elapsed\s+([\d.]+) s$", done.stdout, re.MULTILINE)
    throttled = re.search(r"^429 answers\s+(\d+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or elapsed is None or throttled is None:
        raise RuntimeError(f"a run in {tree} failed:\n{done.stdout}\n{done.stderr[-2000:]}")
    return Measured(float(elapsed[1]), int(throttled[1]), load)


def checkout(revision: str, into: Path) -> Path:
    """The tree of `revision` (of this repository) in `into`, its catalogs compiled."""
    archive = subprocess.run(
        ["git", "-C", str(HERE), "archive", revision], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    pybabel = Path(sys.executable).with_name("pybabel")
    for catalog in into.glob("locales/*/LC_MESSAGES/messages.po"):
        subprocess.run(
            [str(pybabel), "compile", "-i", str(catalog), "-o", str(catalog.with_suffix(".mo"))],
            capture_output=True,
            check=True,
        )
    return into


def compare(count: int, runs: int, baseline: str | None, timeout: float) -> int:
    """`runs` runs of this tree, interleaved with as many of `baseline`'s; the figures."""
    floor = count / TELEGRAM_LIMIT
    with tempfile.TemporaryDirectory(prefix="escale-burst-base-") as directory:
        trees = {"this tree": HERE}
        if baseline is not None:
            trees = {baseline: checkout(baseline, Path(directory)), **trees}
        results: dict[str, list[Measured]] = {name: [] for name in trees}
        for run_number in range(1, runs + 1):
            line = [f"run {run_number}"]
            for name, tree in trees.items():
                result = measure(tree, count, timeout)
                results[name].append(result)
                line.append(
                    f"{name}: {result.elapsed:5.1f} s, {result.throttled} × 429 "
                    f"(load {result.load:.1f})"
                )
            print("   ".join(line), flush=True)
    print(f"{count} reminders; Telegram's floor {floor:.1f} s")
    medians = {}
    for name, measured in results.items():
        seconds = [m.elapsed for m in measured]
        medians[name] = statistics.median(seconds)
        print(
            f"{name:>12}: median {medians[name]:.1f} s (min {min(seconds):.1f}, max "
            f"{max(seconds):.1f}), {medians[name] / floor:.3f} × the floor, "
            f"{sum(m.throttled for m in measured)} × 429 in all"
        )
    if baseline is not None:
        print(f"this tree ÷ {baseline}: {medians['this tree'] / medians[baseline]:.3f} (medians)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reminder_burst")
    parser.add_argument("--count", type=int, default=1000, help="reminders due at once")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait before giving up"
    )
    parser.add_argument("--runs", type=int, default=1, help="runs, each in a fresh process")
    parser.add_argument("--baseline", help="a git revision to run side by side (main, say)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.runs > 1 or args.baseline is not None:
        return compare(args.count, args.runs, args.baseline, args.timeout)
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
