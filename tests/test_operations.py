"""Running the service from a shell: backups and restores, the health signal, admin commands."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.config import DEFAULT_DATABASE
from bot.core.migrations import MIGRATIONS
from bot.core.rows import to_db_time
from bot.service.health import heartbeat_path
from bot.service.operations.backup import OperationError, backup, check_file, restore
from bot.service.operations.status import health
from tests.conftest import ADMIN_ID, Escale, stop_app
from tests.fake_telegram import FakeTelegram
from tests.journeys import make_person, make_worker, token_in

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"  # shaped as BotFather gives them


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """The emulator with a real-looking token, which the command line checks."""
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


def _answers(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT text FROM answers ORDER BY rowid")]


@pytest.mark.sqlite_only  # SQLite files; PostgreSQL: pg_dump and PITR
async def test_a_backup_taken_while_a_preparation_is_written_restores_whole(
    escale: Escale, tmp_path: Path
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await person.send("/prepare")
    copies = [tmp_path / f"backup-{n}.sqlite3" for n in range(3)]

    async def take_backups() -> None:
        for copy in copies:
            await asyncio.to_thread(backup, escale.settings.database_path, copy)

    # The backups run in threads while the person's answers are committed.
    await asyncio.gather(take_backups(), person.send("My rent is late again"))
    await person.press("For me")
    final = tmp_path / "final.sqlite3"
    backup(escale.settings.database_path, final)
    for copy in [*copies, final]:
        assert check_file(copy).current
        assert f"{copy.name}-wal" not in os.listdir(tmp_path), "a backup is one file"
        assert os.stat(copy).st_mode & 0o077 == 0, "a backup is readable by its owner only"
    assert _answers(final) == ["My rent is late again", "me"]

    elsewhere = tmp_path / "restored" / "escale.sqlite3"
    assert restore(final, elsewhere) is None
    assert check_file(elsewhere).people == 1
    assert _answers(elsewhere) == ["My rent is late again", "me"]
    # Restoring again keeps the database it replaces, under a dated name.
    kept = restore(copies[0], elsewhere)
    assert kept is not None and kept.exists() and _answers(kept) == _answers(final)


@pytest.mark.sqlite_only  # SQLite files; PostgreSQL: pg_dump and PITR
async def test_restore_refuses_a_running_instance_a_broken_file_and_a_newer_schema(
    escale: Escale, tmp_path: Path
) -> None:
    live = escale.settings.database_path
    good = tmp_path / "good.sqlite3"
    backup(live, good)
    await make_worker(escale)
    # As a deployer would run it, in another process: the bot of this test is polling.
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "restore",
        str(good),
        cwd=tmp_path,
        env={
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "ESCALE_DATABASE": str(live),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "is in use by a running Escale" in err.decode()
    assert check_file(live).workers == 1, "the live database is untouched"

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database" * 100)
    with pytest.raises(OperationError, match="not a usable SQLite database"):
        restore(garbage, tmp_path / "other.sqlite3")
    newer = tmp_path / "newer.sqlite3"
    backup(live, newer)
    with sqlite3.connect(newer) as connection:
        connection.execute("INSERT INTO migrations VALUES ('m999_future', '2030-01-01')")
    with pytest.raises(OperationError, match="newer Escale"):
        restore(newer, tmp_path / "other.sqlite3")
    assert not (tmp_path / "other.sqlite3").exists()


async def test_the_health_signal_goes_bad_when_polling_stops_or_the_outbox_is_stuck(
    escale: Escale,
) -> None:
    database, url = escale.settings.database_path, escale.settings.database_url
    worker = await make_worker(escale)
    now = escale.clock.now()
    assert heartbeat_path(database).exists()
    fine = health(database, now, url)
    assert fine.healthy, fine.lines

    # A message due for long and never sent: the sender is stuck.
    async with escale.db.transaction() as tx:
        await tx.execute(
            """INSERT INTO outbox (chat_id, purpose, kind, body, repeat_note, status, due_at,
                                   created_at)
               VALUES (?, 'notice', 'text', 'x', '', 'sending', ?, ?)""",
            (worker.user_id, to_db_time(now - timedelta(hours=1)), to_db_time(now)),
        )
    stuck = health(database, now, url)
    assert not stuck.healthy and any("STUCK" in line for line in stuck.lines)
    async with escale.db.transaction() as tx:
        await tx.execute("DELETE FROM outbox WHERE body = 'x'")

    # Polling stops: three minutes later the signal says so.
    assert escale.app.updater is not None
    await escale.app.updater.stop()
    escale.clock.advance(timedelta(minutes=3))
    stale = health(database, escale.clock.now(), url)
    assert not stale.healthy and any("TOO OLD" in line for line in stale.lines)


async def test_status_as_a_command_and_after_a_clean_stop(
    escale: Escale, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database, url = escale.settings.database_path, escale.settings.database_url
    if url:  # the heartbeat is this instance's file, where the SQLite file would be
        monkeypatch.chdir(database.parent)
        escale.settings = dataclasses.replace(escale.settings, database_path=DEFAULT_DATABASE)
        database = DEFAULT_DATABASE
    monkeypatch.setenv("ESCALE_DATABASE", str(escale.settings.database))
    await escale.restart()
    await escale.user("Sam").send("/start")  # polling answered at least once
    assert health(database, escale.clock.now(), url).lines[-1] == "healthy"
    await stop_app(escale.app)
    assert not heartbeat_path(database).exists(), "a clean stop says nobody polls any more"
    assert main(["status"]) == 1
    assert "no heartbeat" in capsys.readouterr().out
    await escale.restart()  # the fixture stops it again


async def test_admin_commands_list_workers_and_make_and_revoke_links(
    escale: Escale, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", escale.settings.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", escale.settings.api_base_url)
    monkeypatch.setenv("ESCALE_DATABASE", str(escale.settings.database))
    monkeypatch.setenv("ESCALE_ADMIN_IDS", str(ADMIN_ID))
    worker = await make_worker(escale, "Alice")
    await make_person(escale, worker)

    async def admin(*args: str) -> tuple[int, str]:
        code = await asyncio.to_thread(main, ["admin", *args])
        return code, capsys.readouterr().out

    code, out = await admin("workers")
    assert code == 0, out
    assert out == f"{worker.user_id}\tactive\t1 people\tAlice\n"
    code, out = await admin("worker-link")
    assert code == 0
    token = token_in(out)
    code, out = await admin("invitations")
    [line] = out.splitlines()
    invitation_id = int(line.split("\t")[0])
    assert f"worker\tby {ADMIN_ID}" in line
    code, out = await admin("revoke", str(invitation_id))
    assert code == 0 and "revoked" in out
    code, out = await admin("revoke", str(invitation_id))
    assert code == 1
    bob = escale.user("Bob")
    await bob.send(f"/start {token}")
    assert "ne marche pas" in bob.last.text
    assert await escale.repo.account(bob.user_id) is None
    # A link that is used works like one made in Telegram, and the coordinator is told.
    code, out = await admin("worker-link")
    await bob.send(f"/start {token_in(out)}")
    assert (await escale.repo.account(bob.user_id)).is_active_worker  # type: ignore[union-attr]
    assert "Bob" in escale.admin().last.text


@pytest.mark.sqlite_only  # SQLite files; PostgreSQL: pg_dump and PITR
async def test_backup_and_restore_as_commands(
    escale: Escale,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await make_worker(escale)
    copy = tmp_path / "nightly" / "escale-Mon.sqlite3"
    monkeypatch.setenv("ESCALE_DATABASE", str(escale.settings.database_path))
    assert await asyncio.to_thread(main, ["backup", str(copy)]) == 0
    migrations = len(MIGRATIONS)
    assert capsys.readouterr().out.endswith(f"({migrations} migrations, 1 workers, 0 people)\n")
    assert await asyncio.to_thread(main, ["backup"]) == 2
    assert "usage: python -m bot backup PATH" in capsys.readouterr().err

    target = tmp_path / "elsewhere" / "escale.sqlite3"
    monkeypatch.setenv("ESCALE_DATABASE", str(target))
    assert await asyncio.to_thread(main, ["restore", str(copy)]) == 0
    assert capsys.readouterr().out == f"{target}: restored from {copy}\n"
    assert await asyncio.to_thread(main, ["restore", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "the database it replaced is kept as" in out and "delete it once" in out
    assert await asyncio.to_thread(main, ["restore", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert check_file(target).workers == 1


def test_backup_and_restore_on_postgresql_point_to_its_own_tools(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ESCALE_DATABASE", "postgresql://escale:secret@db.example:5432/escale")
    for command in (["backup", "copy.sqlite3"], ["restore", "copy.sqlite3"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "PostgreSQL server" in err and "pg_dump" in err, err
        assert "point-in-time recovery" in err and "secret" not in err
