"""One stranger floods Escale: `python -m benchmarks.flood [--flood 500] [--runs 3]`.

The real Application (on the real clock) polls a fake Telegram on 127.0.0.1 that, like
Telegram, answers 429 beyond 30 sends in any second. A person sends /help and the script
measures how long their answer takes: alone, then right behind a stranger's flood of
`--flood` messages sent at once, with Escale's per-user limit, and (for comparison, as
Escale was before it) with that limit lifted (the shared pace stays on). Prints the figures
side by side, as ratios to the quiet run. Nothing is asserted; it touches no network beyond
127.0.0.1, writes only to a temporary directory, and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import build_application
from bot.core import logs
from bot.core.clock import SystemClock
from bot.core.config import Settings
from tests.conftest import start_app, stop_app
from tests.fake_telegram import FakeTelegram, TelegramUser

TELEGRAM_LIMIT = 30
ADMIN_ID = 900001
PERSON_ID = 4242
STRANGER_ID = 6666


async def _fetched(telegram: FakeTelegram, update_id: int) -> None:
    await telegram.wait_fetched(update_id, timeout=600)


async def reply_time(flood: int, settings: Settings) -> tuple[float, int, int]:
    """Seconds until the person's /help is answered, behind `flood` messages from a stranger;
    with the 429s the fake answered and the replies the stranger got."""
    async with FakeTelegram() as telegram:
        telegram.rate_limit(TELEGRAM_LIMIT)
        telegram.add_private_chat(ADMIN_ID, "Camille")
        settings = dataclasses.replace(
            settings, api_base_url=telegram.base_url, token=telegram.token
        )
        app = build_application(settings, SystemClock())
        await start_app(app)
        try:

            async def settle(update_id: int) -> None:
                await _fetched(telegram, update_id)

            person = TelegramUser(telegram, settle, user_id=PERSON_ID, first_name="Léa")
            stranger = TelegramUser(telegram, settle, user_id=STRANGER_ID, first_name="Flood")
            for number in range(flood):  # all queued before the person writes
                stranger_update = {
                    "message": {
                        "message_id": telegram.next_message_id(STRANGER_ID),
                        "date": telegram.now(),
                        "chat": stranger.chat_dict,
                        "from": stranger.user_dict,
                        "text": f"spam {number}",
                    }
                }
                telegram.push_update(stranger_update)
            started = time.perf_counter()
            await person.send("/help")
            while not telegram.messages(PERSON_ID):
                await telegram.wait_for_call("sendMessage", timeout=600)
            elapsed = time.perf_counter() - started
            return elapsed, telegram.throttled, len(telegram.messages(STRANGER_ID))
        finally:
            await stop_app(app)


async def run(flood: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="escale-flood-") as directory:
        base = Settings(
            token="0:placeholder", admin_ids=frozenset({ADMIN_ID}), database_path=Path(directory)
        )
        cases = {
            "no flood": (0, base),
            f"flood of {flood}, per-user limit": (flood, base),
            f"flood of {flood}, no per-user limit": (
                flood,
                dataclasses.replace(base, updates_per_minute=10_000_000),
            ),
        }
        results: dict[str, list[tuple[float, int, int]]] = {name: [] for name in cases}
        for run_number in range(runs):
            for name, (size, settings) in cases.items():
                path = Path(directory) / f"{run_number}-{len(results[name])}-{size}.sqlite3"
                measured = await reply_time(size, dataclasses.replace(settings, database_path=path))
                results[name].append(measured)
        quiet = statistics.median(r[0] for r in results["no flood"])
        print(f"person's /help answered in (median of {runs}; ratio to no flood)")
        for name, runs_of_case in results.items():
            seconds = statistics.median(r[0] for r in runs_of_case)
            throttled = max(r[1] for r in runs_of_case)
            answered = max(r[2] for r in runs_of_case)
            print(
                f"  {name:<34} {seconds * 1000:9.1f} ms  x{seconds / quiet:8.1f}"
                f"   stranger answered {answered:4d}   429s {throttled}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.flood")
    parser.add_argument("--flood", type=int, default=500, help="messages from the stranger")
    parser.add_argument("--runs", type=int, default=3, help="runs of each case")
    args = parser.parse_args(argv)
    logs.configure(logging.ERROR)
    asyncio.run(run(args.flood, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
