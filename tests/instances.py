"""Escale as several processes behind a proxy, as a service deploys it (compose.yaml), for the
two-instance tests and the benchmark: each instance `python -m bot` on its own port, in webhook
mode, and a round-robin proxy in front that, like Caddy, tries the next instance when one does
not take the connection (and never sends a request that reached an instance twice)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from tests.conftest import ADMIN_ID, WEBHOOK_SECRET, free_port
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"
WEBHOOK_PATH = "/telegram"


class Proxy:
    """Round robin over `upstreams` (ports on 127.0.0.1); an instance that refuses the
    connection is skipped for the next one; if none takes it, 502, as Caddy answers."""

    def __init__(self, upstreams: Sequence[int]) -> None:
        self.upstreams = list(upstreams)
        self.port = free_port()
        self.forwarded: dict[int, int] = {port: 0 for port in self.upstreams}
        self._turn = itertools.cycle(range(len(self.upstreams)))
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        first = next(self._turn)
        for step in range(len(self.upstreams)):
            port = self.upstreams[(first + step) % len(self.upstreams)]
            try:
                async with self._session.post(
                    f"http://127.0.0.1:{port}{request.path}", data=body, headers=headers
                ) as answer:
                    self.forwarded[port] += 1
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectorError:
                continue  # not taken: nothing reached that instance, the next one may have it
            except (aiohttp.ClientError, TimeoutError):
                break  # it reached an instance that died meanwhile: never sent twice
        return web.Response(status=502, text="Bad Gateway")

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()


@dataclass
class Instance:
    """One `python -m bot`, its log lines kept (they never hold what anyone wrote)."""

    name: str
    port: int
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    _readers: list[asyncio.Task[None]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def follow(self) -> None:
        for stream in (self.process.stdout, self.process.stderr):
            assert stream is not None
            self._readers.append(asyncio.get_running_loop().create_task(self._read(stream)))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.lines.append(line.decode(errors="replace").rstrip())
            self._changed.set()

    async def logged(self, part: str, timeout: float = 60) -> None:  # noqa: ASYNC109
        """Return once a log line holds `part`."""
        async with asyncio.timeout(timeout):
            while not any(part in line for line in self.lines):
                if self.process.returncode is not None:
                    raise AssertionError(f"{self.name} ended: {self.text}")
                self._changed.clear()
                await self._changed.wait()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    async def end(self, sig: int = signal.SIGTERM) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        returncode = await asyncio.wait_for(self.process.wait(), 60)
        for reader in self._readers:
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        return returncode


def instance_environment(
    telegram: FakeTelegram, database: str, proxy: Proxy, port: int, **extra: str
) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "ESCALE_ADMIN_IDS": str(ADMIN_ID),
        "ESCALE_DATABASE": database,
        "ESCALE_WEBHOOK_URL": proxy.url,
        "ESCALE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "ESCALE_WEBHOOK_PORT": str(port),
        "ESCALE_SENDS_PER_SECOND": "1000",
        "ESCALE_UPDATES_PER_MINUTE": "10000",
        **extra,
    }


async def start_instance(
    name: str,
    telegram: FakeTelegram,
    database: str,
    proxy: Proxy,
    port: int,
    cwd: Path,
    **extra: str,
) -> Instance:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env=instance_environment(telegram, database, proxy, port, **extra),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    instance = Instance(name, port, process)
    instance.follow()
    await instance.logged("escale ready")
    return instance


@asynccontextmanager
async def cluster(
    telegram: FakeTelegram, database: str, count: int, workdir: Path, **extra: str
) -> AsyncIterator[tuple[Proxy, list[Instance]]]:
    """`count` instances of Escale on `database`, in webhook mode behind one proxy; each in a
    folder of its own (its heartbeat). The first is started alone, so it leads the outbox."""
    ports = [free_port() for _ in range(count)]
    proxy = Proxy(ports)
    await proxy.start()
    instances: list[Instance] = []
    try:
        for index, port in enumerate(ports):
            folder = workdir / f"instance-{index + 1}"
            folder.mkdir(parents=True, exist_ok=True)
            instances.append(
                await start_instance(
                    f"instance-{index + 1}", telegram, database, proxy, port, folder, **extra
                )
            )
        yield proxy, instances
    finally:
        for instance in instances:
            await instance.end()
        await proxy.stop()
