"""Fixtures: a fake Telegram on 127.0.0.1 and the real Escale Application polling it."""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
import socket
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot
from telegram.ext import Application

from bot.accounts.store import Repository
from bot.app import build_application, http_requests
from bot.context import EscaleApplication
from bot.core import logs
from bot.core.clock import Clock
from bot.core.config import Settings, Webhook
from bot.core.db import Database
from bot.core.engines import open_database
from bot.core.i18n import Catalogs
from bot.core.transport import AiohttpRequest
from bot.core.updates import ALLOWED_UPDATES
from bot.outbox.sender import IDLE, Sender
from tests.engines import ENGINES, NOT_RUN, POSTGRES, fresh_schema
from tests.fake_telegram import FakeTelegram, TelegramGroup, TelegramUser

ADMIN_ID = 900001
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WEBHOOK_SECRET = "test-webhook-secret-0123456789"


def free_port() -> int:
    """A loopback port free now (for a webhook, whose URL is given before it listens)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def answer_once(
    writer: asyncio.StreamWriter, body: bytes, content_type: bytes = b"application/json"
) -> None:
    """For a test's own tiny HTTP server: one 200 with `body`, then the connection closed."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\n")
    writer.write(b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    writer.close()


def webhook_on_loopback() -> Webhook:
    """A webhook on 127.0.0.1, as the emulator reaches it (Telegram would need HTTPS)."""
    port = free_port()
    return Webhook(f"http://127.0.0.1:{port}/telegram", WEBHOOK_SECRET, "127.0.0.1", port)


class FakeClock:
    """A clock that moves only when a test says so; sleepers wake when it passes their moment."""

    def __init__(self, start: datetime = START):
        self.moment = start
        self._moved = asyncio.Condition()
        self._sleeping: Counter[datetime] = Counter()

    def now(self) -> datetime:
        return self.moment

    async def sleep_until(self, moment: datetime) -> None:
        # The outbox resting until its next look (every second beside other instances, so on
        # PostgreSQL) is no wait `someone_sleeps_until` is about, even at the same moment.
        task = asyncio.current_task()
        counted = task is None or task.get_name() != IDLE
        async with self._moved:
            self._sleeping[moment] += counted
            self._moved.notify_all()
            try:
                await self._moved.wait_for(lambda: self.moment >= moment)
            finally:
                self._sleeping[moment] -= counted

    async def someone_sleeps_until(self, moment: datetime) -> None:
        """Return once something (the bot waiting out a 429, say) sleeps until `moment`."""
        async with asyncio.timeout(10), self._moved:
            await self._moved.wait_for(lambda: self._sleeping[moment] > 0)

    def advance(self, delta: timedelta) -> None:
        self.moment += delta
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._moved:
            self._moved.notify_all()


# The tests' HTTP goes to the emulator on 127.0.0.1 and nowhere else: no proxy is taken from the
# environment (a developer's HTTPS_PROXY or ALL_PROXY would otherwise carry it).
LOOPBACK = functools.partial(http_requests, trust_env=False)


@functools.cache
def catalogs(default_locale: str, timezone: ZoneInfo) -> Catalogs:
    """One set of catalogs per language and time zone for the whole run: they do not change
    once loaded, and loading the six costs more than the rest of building an Application."""
    return Catalogs(default_locale, timezone)


def build(settings: Settings, clock: Clock) -> EscaleApplication:
    """`build_application` as the tests use it: the shared catalogs, loopback requests. Each
    Application still has its own pace, clock, heartbeat and HTTP clients."""
    return build_application(
        settings,
        clock,
        catalogs(settings.default_locale, settings.timezone),
        requests=LOOPBACK,
    )


async def start_app(
    app: Application[Any, Any, Any, Any, Any, Any], *, menus_settled: bool = True
) -> None:
    """What `run_polling` (or `run_webhook`, when the settings name a webhook) does before it
    waits, without signal handlers or a loop of its own.

    By default it also waits until the command menus, set in the background, are set: a test
    of a refused setMyCommands passes `menus_settled=False`."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None
    webhook: Webhook | None = app.bot_data.services.settings.webhook
    if webhook is None:
        await app.updater.start_polling(poll_interval=0, timeout=5, allowed_updates=ALLOWED_UPDATES)
    else:
        await app.updater.start_webhook(
            listen=webhook.listen,
            port=webhook.port,
            url_path=webhook.path,
            webhook_url=webhook.url,
            secret_token=webhook.secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    await app.start()
    startup_menus = app.bot_data.services.startup_menus
    if menus_settled and startup_menus is not None:
        await startup_menus.settled()


async def stop_app(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """What `run_polling` does once stopped: stop polling, stop, shut down, close resources."""
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_stop:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


@dataclass
class Escale:
    """A running Escale and the people around it; `restart()` rebuilds it on the same database."""

    telegram: FakeTelegram
    settings: Settings
    clock: FakeClock
    app: EscaleApplication
    _next_user_id: int = field(default=1000)

    async def settle(self, update_id: int) -> None:
        """Wait until the bot has fetched `update_id` and finished handling everything queued."""
        await self.telegram.wait_fetched(update_id)
        await self.app.update_queue.join()

    def user(self, first_name: str, language_code: str | None = "fr", **extra: Any) -> TelegramUser:
        self._next_user_id += 1
        return TelegramUser(
            self.telegram,
            self.settle,
            user_id=extra.pop("user_id", self._next_user_id),
            first_name=first_name,
            language_code=language_code,
            **extra,
        )

    def admin(self, language_code: str | None = "fr") -> TelegramUser:
        return self.user("Camille", language_code, user_id=ADMIN_ID, last_name="Admin")

    def group(self, **extra: Any) -> TelegramGroup:
        return TelegramGroup(self.telegram, self.settle, **extra)

    async def deliveries(self) -> None:
        """Wait until the outbox has sent everything due at the clock's current time."""
        sender = self.app.bot_data.services.sender
        assert isinstance(sender, Sender), "the outbox's sender starts in post_init"
        sender.wake()
        await sender.drained()

    @property
    def repo(self) -> Repository:
        return self.app.bot_data.services.repo

    @property
    def db(self) -> Database:
        return self.repo.db

    async def restart(self) -> None:
        await stop_app(self.app)
        self.app = build(self.settings, self.clock)
        await start_app(self.app)


@pytest.fixture(autouse=True)
def no_message_to_strangers(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """In every test, whatever starts the emulator: the bot never writes to a private chat that
    did not write to it first (a Business account's customer, a user seen in a group or in an
    inline-mode press). Real Telegram refuses it; the emulator records each attempt."""
    started: list[FakeTelegram] = []
    start = FakeTelegram.start

    async def recorded(fake: FakeTelegram) -> None:
        started.append(fake)
        await start(fake)

    monkeypatch.setattr(FakeTelegram, "start", recorded)
    yield
    if request.node.get_closest_marker("writes_to_strangers"):
        return
    for fake in started:
        assert fake.uninvited == [], (
            f"the bot wrote to private chats that never wrote to it: {sorted(set(fake.uninvited))}"
        )


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """A bare PTB Bot on Escale's own HTTP client (what tells a refused connection from a lost
    answer), talking to the emulator only."""
    async with Bot(
        telegram.token,
        base_url=telegram.base_url,
        base_file_url=telegram.base_file_url,
        request=AiohttpRequest(trust_env=False),
        get_updates_request=AiohttpRequest(trust_env=False),
    ) as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
        assert fake.unknown_methods == [], "the bot called Bot API methods the fake lacks"


@pytest.fixture(params=ENGINES)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str | Path]:
    """A blank database for a test, once per engine: a SQLite file not made yet, then a
    PostgreSQL schema of its own (tests/engines.py). `settings` takes its engine from it. A
    test about SQLite's own files is marked `sqlite_only`: its PostgreSQL variant is left out
    (`pytest_collection_modifyitems`)."""
    if request.param == "sqlite":
        yield tmp_path / "blank.sqlite3"
        return
    async with fresh_schema() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A blank database with every migration applied, made once per run by Escale's own
    `open_database`. Applying the migrations costs more than all the rest of a test's start;
    tests/test_migrations.py checks them from a blank database and from older schemas."""
    path = tmp_path_factory.mktemp("migrated") / "escale.sqlite3"

    async def migrate() -> None:
        await (await open_database(path)).close()

    loop = asyncio.new_event_loop()  # not the test's loop, and not set as the current one
    try:
        loop.run_until_complete(migrate())
    finally:
        loop.close()
    assert not path.with_name(path.name + "-wal").exists(), "the last close checkpoints the WAL"
    return path


@pytest.fixture
def database_path(migrated_database: Path, tmp_path: Path) -> Path:
    """Where a test's Escale keeps its data: a copy of the migrated blank database."""
    path = tmp_path / "escale.sqlite3"
    shutil.copyfile(migrated_database, path)
    return path


@pytest.fixture
def settings(telegram: FakeTelegram, database_path: Path, database: str | Path) -> Settings:
    """On SQLite, a copy of the migrated blank database; on PostgreSQL, a schema of its own
    (migrated when Escale opens it), `database_path` then keeping only the heartbeat."""
    return Settings(
        token=telegram.token,
        api_base_url=telegram.base_url,
        admin_ids=frozenset({ADMIN_ID}),
        database_path=database_path,
        database_url=database if isinstance(database, str) else None,
        # The test clock stands still unless a test moves it, and tests talk far faster than
        # people: the pace and the flood limit are raised, except where a test is about them.
        sends_per_second=1000,
        updates_per_minute=10000,
    )


@asynccontextmanager
async def running_escale(
    telegram: FakeTelegram,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    clock: FakeClock | None = None,
    *,
    menus_settled: bool = True,
    expected_errors: Sequence[str] = (),
) -> AsyncIterator[Escale]:
    """Escale started on these settings; once stopped, no token in the logs and no error but
    the `expected_errors` (parts of their messages), each of which must have been logged."""
    logs.quiet_noisy_loggers()
    caplog.set_level(logging.INFO)
    clock = clock or FakeClock()
    running = Escale(telegram, settings, clock, build(settings, clock))
    await start_app(running.app, menus_settled=menus_settled)
    try:
        yield running
    finally:
        await stop_app(running.app)
    # Every phase's records: in teardown, `caplog.records` holds only the teardown's own.
    records = [r for when in ("setup", "call", "teardown") for r in caplog.get_records(when)]
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR and not _hung_up(r)]
    failures = [e for e in errors if not any(part in e for part in expected_errors)]
    assert not failures, f"the bot logged errors: {failures}"
    for part in expected_errors:
        assert any(part in e for e in errors), f"no error logged with {part!r}: {errors}"
    assert not any(telegram.token in r.getMessage() for r in records), "the token reached the logs"
    assert telegram.token not in caplog.text, "the token reached the logs"


def _hung_up(record: logging.LogRecord) -> bool:
    """The emulator's web server saying a client closed its connection mid-request (the bot
    stopping while a call was on its way): the server's log, not the bot's error."""
    error = record.exc_info[1] if record.exc_info else None
    return record.name == "aiohttp.server" and isinstance(error, ConnectionResetError)


@pytest.fixture
async def escale(
    telegram: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Escale]:
    async with running_escale(telegram, settings, caplog) as running:
        yield running


NOT_ON_POSTGRES: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL variants are left out (not skipped one by one) when no server is set,
    and counted in one line of the summary; so are those of tests about SQLite's own files."""
    kept, left_out = [], []
    for item in items:
        on_postgres = item.get_closest_marker("postgresql") is not None
        if on_postgres and (not POSTGRES or item.get_closest_marker("sqlite_only")):
            left_out.append(item)
            if not POSTGRES:
                NOT_ON_POSTGRES.append(item.nodeid)
        else:
            kept.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say loudly when the sandbox's browser tests could not run, and why."""
    reasons = [
        str(report.longrepr[-1])
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and "browser tests" in str(report.longrepr[-1])
    ]
    if NOT_ON_POSTGRES:
        terminalreporter.write_line(
            f"{len(NOT_ON_POSTGRES)} POSTGRESQL TESTS NOT RUN: {NOT_RUN}", yellow=True, bold=True
        )
    if reasons:
        terminalreporter.write_line(
            f"{len(reasons)} BROWSER TESTS NOT RUN: " + "; ".join(sorted(set(reasons))),
            yellow=True,
            bold=True,
        )
