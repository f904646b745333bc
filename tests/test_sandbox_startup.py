"""How the sandbox starts: with no token, on purpose, on a busy port, with a bad port."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"
READY = "Escale sandbox on http://127.0.0.1:"


def _env(**settings: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **settings}


@asynccontextmanager
async def _bot(cwd: Path, *args: str, **settings: str) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=_env(**settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _first_line(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    return line.decode().rstrip("\n")


def _port(line: str) -> int:
    return int(line.split(READY, 1)[1].split(" ", 1)[0])


async def _stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    return out.decode() + err.decode()


def _busy_port() -> socket.socket:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


async def test_no_token_serves_the_sandbox_with_one_line(tmp_path: Path) -> None:
    async with _bot(tmp_path, ESCALE_SANDBOX_PORT="0") as process:
        line = await _first_line(process)
        assert line.startswith(f"No bot token: {READY}")
        assert line.endswith("— nothing leaves this computer (Ctrl-C stops it)")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{_port(line)}/") as page,
        ):
            assert page.status == 200
            assert "Escale" in await page.text()
        logs = await _stop(process)
    assert "Traceback" not in logs
    assert (tmp_path / "data" / "sandbox.sqlite3").is_file()
    assert not (tmp_path / "data" / "escale.sqlite3").exists(), "never the real database"


async def test_sandbox_on_purpose_even_with_a_token(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nESCALE_SANDBOX_PORT=0\n")
    async with _bot(tmp_path, "sandbox") as process:
        line = await _first_line(process)
        assert line.startswith(READY), "no 'No bot token' reason: it was asked for"
        await _stop(process)


async def test_a_port_asked_for_and_busy_is_said_in_one_line(tmp_path: Path) -> None:
    with _busy_port() as holder:
        port = holder.getsockname()[1]
        async with _bot(tmp_path, ESCALE_SANDBOX_PORT=str(port)) as process:
            _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert err.decode().strip().splitlines() == [
        f"escale: ESCALE_SANDBOX_PORT: port {port} is already in use on 127.0.0.1; stop what "
        "uses it or choose another port"
    ]


async def test_a_bad_port_value_is_named(tmp_path: Path) -> None:
    async with _bot(tmp_path, ESCALE_SANDBOX_PORT="eighty") as process:
        _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert (
        err.decode()
        .strip()
        .startswith("escale: ESCALE_SANDBOX_PORT: 'eighty' is not a port number")
    )


async def test_the_default_port_busy_gives_the_next_free_one(tmp_path: Path) -> None:
    from bot.sandbox import run
    from bot.sandbox.world import Sandbox

    with _busy_port() as holder:
        busy = holder.getsockname()[1]
        sandbox = Sandbox(tmp_path / "sandbox.sqlite3", environ={}, env_file=None)
        runner, used = await run.open_page(sandbox, busy, asked=False)
        try:
            assert used != busy
            assert busy < used < busy + run.PORTS_TRIED
        finally:
            await runner.cleanup()


async def test_the_port_setting_is_read_from_env_and_file(tmp_path: Path) -> None:
    from bot.sandbox.run import DEFAULT_PORT, sandbox_port

    assert sandbox_port({}, None) == (DEFAULT_PORT, False)
    assert sandbox_port({"ESCALE_SANDBOX_PORT": " 9000 "}, None) == (9000, True)
    (tmp_path / ".env").write_text("ESCALE_SANDBOX_PORT=9100\n")
    assert sandbox_port({}, tmp_path / ".env") == (9100, True)


async def test_a_bad_setting_stops_the_sandbox_with_one_line(tmp_path: Path) -> None:
    async with _bot(
        tmp_path, "sandbox", ESCALE_SANDBOX_PORT="0", ESCALE_TIMEZONE="Mars/Olympus"
    ) as process:
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert out == b""
    assert err.decode().strip().splitlines() == [
        "escale: ESCALE_TIMEZONE: 'Mars/Olympus' is not a known time zone "
        "(e.g. Europe/Paris, Europe/Brussels)"
    ]
    assert not (tmp_path / "data").exists(), "nothing written before the settings are valid"


async def test_an_unknown_argument_names_the_sandbox_in_its_usage(tmp_path: Path) -> None:
    async with _bot(tmp_path, "sandbx") as process:
        _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "sandbox" in err.decode().split("usage:", 1)[1]
