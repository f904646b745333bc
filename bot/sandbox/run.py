"""Start-up of the sandbox: which port, one line saying where it is, then run until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from aiohttp import web

from bot.core import logs
from bot.core.config import ConfigError, raw_setting
from bot.core.db import DatabaseError
from bot.core.i18n import CatalogError
from bot.preparation.dialogue.model import DialogueError
from bot.sandbox import web as page
from bot.sandbox.world import DEFAULT_DATABASE, Sandbox

DEFAULT_PORT = 8080
PORTS_TRIED = 20  # with the default port taken, the next ones are tried, and the one used said


def sandbox_port(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> tuple[int, bool]:
    """(port, whether it was asked for) from ESCALE_SANDBOX_PORT; 0 picks any free port."""
    raw = raw_setting("ESCALE_SANDBOX_PORT", environ, env_file)
    if not raw:
        return DEFAULT_PORT, False
    if not raw.isdigit() or int(raw) > 65535:
        raise ConfigError(
            f"ESCALE_SANDBOX_PORT: {raw!r} is not a port number (a number from 1 to 65535, "
            "e.g. 8080)"
        )
    return int(raw), True


async def open_page(sandbox: Sandbox, port: int, asked: bool) -> tuple[web.AppRunner, int]:
    """Listen on `port`; if it was only the default and is taken, on the next free one."""
    tries = 1 if asked or port == 0 else PORTS_TRIED
    for candidate in range(port, port + tries):
        try:
            return await page.serve(sandbox, candidate)
        except OSError:
            continue
    if asked:
        raise ConfigError(
            f"ESCALE_SANDBOX_PORT: port {port} is already in use on 127.0.0.1; stop what uses "
            "it or choose another port"
        )
    raise ConfigError(
        f"ports {port} to {port + tries - 1} are all in use on 127.0.0.1; set "
        "ESCALE_SANDBOX_PORT to a free port"
    )


async def serve_until_stopped(
    environ: Mapping[str, str] | None,
    env_file: Path | None,
    announce: Callable[[str], None],
    reason: str,
    database: Path = DEFAULT_DATABASE,
) -> None:
    """Run the page and the sandbox until SIGINT or SIGTERM."""
    port, asked = sandbox_port(environ, env_file)
    sandbox = Sandbox(database, environ, env_file)
    runner, used = await open_page(sandbox, port, asked)
    try:
        await sandbox.start()
    except BaseException:
        await page.close(runner)
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    announce(
        f"{reason}Escale sandbox on http://127.0.0.1:{used} — nothing leaves this computer "
        "(Ctrl-C stops it)"
    )
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await sandbox.stop()
        await page.close(runner)


def main(
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
    reason: str = "",
) -> int:
    """`python -m bot sandbox`, and `python -m bot` with no token: 0 once stopped, 2 if it cannot
    start (one line says why)."""
    logs.configure(logging.WARNING)
    try:
        asyncio.run(serve_until_stopped(environ, env_file, _say, reason))
    except (ConfigError, CatalogError, DialogueError, DatabaseError) as error:
        print(f"escale: {error}", file=sys.stderr)
        return 2
    with contextlib.suppress(ValueError, OSError):
        sys.stdout.flush()
    return 0


def _say(line: str) -> None:
    print(line, flush=True)
