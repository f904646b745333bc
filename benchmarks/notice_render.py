"""What writing a notice when it is sent costs: `python -m benchmarks.notice_render [--count 500]`.

Invitations to prepare are queued as notices (a kind and a meeting id) and written by the outbox
when it sends them, in the reader's language of that moment. Before, they were written when
queued, from what the reminders' query had already read. This script seeds `count` people with
a reminder due now (benchmarks/seed.py), queues their invitations with the real producer, then
writes each one both ways, side by side in the same run:

- baseline: as they were written when queued — the meeting already read by the reminders'
  query, the preparation looked up, then the view;
- now: `bot.outbox.notices.render`, which reads the meeting, the person and the worker by id.

It prints the time per invitation for each and their ratio. Nothing is sent (the sender is not
woken), nothing is asserted; it writes only to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.seed import WORKER_NAME, seed_burst
from bot.app import build_application
from bot.context import Services
from bot.core import logs
from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.meetings import views as meeting_views
from bot.meetings.reminders import Reminders
from bot.meetings.store import Meeting
from bot.outbox import notices
from bot.preparation import flow as preparation
from bot.preparation import views as preparation_views
from bot.preparation.dialogue.model import Kind
from tests.conftest import start_app, stop_app
from tests.fake_telegram import FakeTelegram

ADMIN_ID = 900001


async def run(count: int) -> tuple[float, float, int]:
    """Seconds per invitation, written the old way and the new way, and how many were written."""
    with tempfile.TemporaryDirectory(prefix="escale-notices-") as directory:
        async with FakeTelegram() as telegram:
            telegram.add_private_chat(ADMIN_ID, "Camille")
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
                await seed_burst(svc.repo.db, telegram, count, clock.now(), invited_by=ADMIN_ID)
                await Reminders(svc).queue_due(clock.now())  # queued, the sender not woken
                rows = await svc.outbox.due(clock.now(), limit=count)
                # The reminders' own query had read each meeting already: not timed.
                meetings = [
                    await svc.meetings.get(row.data["meeting"], clock.now()) for row in rows
                ]
                baseline = await _timed(
                    [_as_queued(svc, meeting) for meeting in meetings if meeting is not None]
                )
                now = await _timed([notices.render(svc, row) for row in rows])
            finally:
                await stop_app(app)
    return baseline / len(rows), now / len(rows), len(rows)


async def _as_queued(svc: Services, meeting: Meeting) -> object:
    """What the reminders wrote at queue time: the flow, then the view, in the person's words."""
    t = svc.catalogs.get(svc.catalogs.resolve(None, "fr"))
    person_id = meeting.person_id
    flow = await preparation.current(svc, person_id)
    stopped = None
    if flow is not None:
        number, total = flow.progress
        stopped = meeting_views.Stopped(flow.id, number, total, flow.step.kind is Kind.REVIEW)
    reply = meeting_views.invitation(t, WORKER_NAME, meeting, stopped)
    return preparation_views.notice(t, person_id, reply)


async def _timed(calls: list[object]) -> float:
    """Total seconds to await each of `calls` in turn."""
    started = time.perf_counter()
    for call in calls:
        assert asyncio.iscoroutine(call)
        assert await call is not None
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.notice_render")
    parser.add_argument("--count", type=int, default=500, help="invitations to write")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    logs.configure(logging.WARNING)
    baseline, now, written = asyncio.run(run(args.count))
    print(f"invitations written          {written} (each way)")
    print(f"baseline: written at queue   {baseline * 1000:.2f} ms each")
    print(f"now: written when sent       {now * 1000:.2f} ms each")
    print(f"ratio now / baseline         {now / baseline:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
