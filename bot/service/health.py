"""A health signal a supervisor can read: when Escale last heard from Telegram.

With long polling, each successful `getUpdates` rewrites a small file beside the database (its
time and the process id, nothing else). With a webhook no `getUpdates` comes, and a quiet night
brings no update either: every 30 seconds Escale asks Telegram `getWebhookInfo` instead, and
writes the beat with what Telegram says of its deliveries to Escale's address (a problem, or
none). `python -m bot status` reads it together with the outbox's oldest message that is due
and unsent; the Dockerfile's HEALTHCHECK runs that command.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from telegram import Bot, WebhookInfo
from telegram.error import TelegramError

from bot.core.clock import Clock
from bot.core.transport import AiohttpRequest

log = logging.getLogger(__name__)

BEAT_EVERY = timedelta(seconds=5)  # at most one write per this much time, however fast polling is
CHECK_EVERY = timedelta(seconds=30)  # webhook mode: how often Telegram is asked about deliveries
RECHECK = timedelta(seconds=5)  # deliveries seemed to fail: asked again this soon to be sure
DELIVERY_FAILING = timedelta(minutes=2)  # a delivery error this recent, with updates waiting

LISTENING_CHECK = 0.05  # seconds, while start-up sets the webhook

Mode = Literal["polling", "webhook"]


def heartbeat_path(database: Path) -> Path:
    """The file beside `database` where the running instance says it is alive."""
    return database.with_name(database.name + ".health")


@dataclass(frozen=True)
class Beat:
    """When the instance last heard from Telegram, how (`mode`), and what Telegram reported
    wrong with its deliveries to a webhook, if anything."""

    polled_at: datetime
    pid: int
    mode: Mode = "polling"
    problem: str | None = None


def read_beat(database: Path) -> Beat | None:
    """The last heartbeat written next to `database`, or None if there is none (or unreadable)."""
    try:
        data = json.loads(heartbeat_path(database).read_text(encoding="utf-8"))
        mode = data.get("mode", "polling")
        problem = data.get("problem")
        if mode not in ("polling", "webhook") or not isinstance(problem, str | None):
            return None
        return Beat(datetime.fromisoformat(data["polled_at"]), int(data["pid"]), mode, problem)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


class Heartbeat:
    """Writes the heartbeat file atomically; failures are logged and never stop polling."""

    def __init__(self, database: Path, clock: Clock) -> None:
        self._path = heartbeat_path(database)
        self._clock = clock
        self._last: datetime | None = None
        self._last_problem: str | None = None
        self._failing = False

    def beat(self, mode: Mode = "polling", problem: str | None = None) -> None:
        now = self._clock.now()
        same = problem == self._last_problem
        if same and self._last is not None and self._last <= now < self._last + BEAT_EVERY:
            return
        self._last_problem = problem
        temporary = self._path.with_name(self._path.name + ".tmp")
        beat: dict[str, Any] = {"polled_at": now.isoformat(), "pid": os.getpid(), "mode": mode}
        if problem is not None:
            beat["problem"] = problem
        try:
            # On PostgreSQL nothing else creates the folder (the SQLite file would be in it).
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(beat), encoding="utf-8")
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


class PollingRequest(AiohttpRequest):
    """The HTTP client PTB uses for `getUpdates` only: each answer from Telegram is a beat."""

    def __init__(self, heartbeat: Heartbeat, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._heartbeat = heartbeat

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code == 200:
            self._heartbeat.beat()
        return code, payload


def delivery_problem(info: WebhookInfo, url: str, now: datetime) -> str | None:
    """What keeps Telegram from delivering updates to Escale at `url`, from `getWebhookInfo`."""
    if not info.url:
        return "Telegram has no webhook set for this bot (another program may have removed it)"
    if info.url != url:
        return "Telegram posts this bot's updates to another address (another program set it)"
    failed = info.last_error_date
    if failed is not None and now - failed <= DELIVERY_FAILING and info.pending_update_count:
        seconds = max(0, int((now - failed).total_seconds()))
        return (
            f"Telegram cannot deliver: {info.pending_update_count} update(s) waiting, "
            f"last error {seconds} s ago: {info.last_error_message or 'no detail'}"
        )
    return None


class WebhookWatch:
    """Webhook mode's heartbeat: every `CHECK_EVERY`, ask Telegram how its deliveries go.

    A beat is written only when Telegram answers, so a Bot API out of reach shows as an old
    beat; what Telegram reports (another address, deliveries failing) goes in the beat."""

    def __init__(
        self,
        bot: Bot,
        url: str,
        heartbeat: Heartbeat,
        clock: Clock,
        listening: Callable[[], bool] = lambda: True,
    ) -> None:
        self._bot = bot
        self._url = url
        self._heartbeat = heartbeat
        self._clock = clock
        self._listening = listening
        self._failing = False  # the last check saw deliveries failing
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> str | None:
        """Ask Telegram once and write the beat; the problem found, if any.

        Failing deliveries count only when two checks in a row see them: right after a start,
        Telegram is often still retrying what arrived while Escale was away."""
        try:
            info = await self._bot.get_webhook_info()
        except TelegramError as error:
            log.warning("webhook check failed error=%s", type(error).__name__)
            return None
        problem = delivery_problem(info, self._url, self._clock.now())
        failing = problem is not None and info.url == self._url
        confirmed = problem if not failing or self._failing else None
        self._failing = failing
        if confirmed is not None:
            log.warning("webhook problem: %s", confirmed)
        self._heartbeat.beat("webhook", confirmed)
        return confirmed

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="webhook-watch")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        # The webhook is set once Escale listens, just after start-up: asked before, Telegram
        # would truthfully say there is none. PTB offers no event to wait on.
        while not self._listening():  # noqa: ASYNC110
            await asyncio.sleep(LISTENING_CHECK)
        while True:
            await self.check()
            moment = self._clock.now() + (RECHECK if self._failing else CHECK_EVERY)
            while self._clock.now() < moment:
                await self._clock.sleep_until(moment)
