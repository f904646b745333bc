"""Hardening: what must be gone from disk, one instance per database, reads that see writes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.error import BadRequest, TelegramError

from bot.core import sqlite_db
from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.core.db import Database, DatabaseError, DatabaseInUseError
from bot.core.engines import open_database
from bot.core.request import EscaleRequest, Pace
from bot.emulator.server import Button, JsonDict
from bot.outbox.store import Outgoing, enqueue
from tests.conftest import Escale, answer_once, running_escale
from tests.engines import holders, stored_bytes
from tests.fake_telegram import FakeTelegram, TelegramUser
from tests.journeys import make_person, make_worker, new_worker_token, person_token
from tests.test_preparation import first_preparation

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"


async def test_an_edit_is_made_but_its_answer_not_parsed_since_escale_never_reads_it(
    escale: Escale,
) -> None:
    """Telegram answers an edit with the whole edited message; Escale's requests tell PTB
    "done" instead (what it gets for an inline message), and the person sees the edit."""
    person = escale.user("Léa")
    await person.send("/start")
    bot = escale.app.bot
    sent = await bot.send_message(person.user_id, "Question 1 sur 3")
    assert sent.message_id > 0  # a send's answer is read: its message id is kept
    assert await bot.edit_message_text("Question 1 sur 3 : vu", person.user_id, sent.message_id)
    edited = await bot.edit_message_text("Question 1 sur 3 : ok", person.user_id, sent.message_id)
    assert edited is True
    assert next(m for m in person.messages if m.message_id == sent.message_id).text == (
        "Question 1 sur 3 : ok"
    )
    with pytest.raises(BadRequest):  # a refused edit is still an error
        await bot.edit_message_text("x", person.user_id, 999_999)


async def test_an_edit_answered_200_without_telegrams_answer_is_still_an_error() -> None:
    """A 200 that is not Telegram's answer (a proxy's page, say) goes to PTB as it came."""

    async def proxy_page(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await answer_once(writer, b"<html>Welcome to the hotel network</html>", b"text/html")

    server = await asyncio.start_server(proxy_page, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with EscaleRequest(Pace(), SystemClock(), trust_env=False) as request:
            with pytest.raises(TelegramError, match="Invalid server response"):
                await request.post(f"http://127.0.0.1:{port}/bot1:x/editMessageText")
    finally:
        server.close()


async def test_forget_leaves_no_word_in_the_database_its_wal_or_its_shm(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Zorglubname", "Quixlabel", "en")
    await first_preparation(escale, person, problem="Canarysentproblem")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    await person.send("/prepare")
    await person.press("I'd rather not")  # since last time
    await person.send("Canaryopenproblem")
    everything = await stored_bytes(escale.settings)
    for canary in (b"Zorglubname", b"Quixlabel", b"Canarysentproblem", b"Canaryopenproblem"):
        assert canary in everything, "the test's canaries are on disk before the erasure"

    await person.send("/forget")
    await person.press("Yes, erase everything")
    assert person.last.text.startswith("Done. Everything is erased.")
    everything = await stored_bytes(escale.settings)  # while Escale still runs
    for canary in (
        b"Zorglubname",
        b"Quixlabel",
        b"Canarysentproblem",
        b"Canaryopenproblem",
        b"Call the CAF on Monday",
    ):
        assert canary not in everything, (canary, await holders(escale.settings, canary))


async def test_starting_over_erases_the_open_answers_from_disk(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await person.send("/prepare")
    await person.send("Canarydiscarded")
    await person.send("/prepare")
    await person.press("Start again (erases these answers)")
    assert b"Canarydiscarded" not in await stored_bytes(escale.settings)


async def _read_after_write(db: Database, key: int, stop: asyncio.Event) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO chat_menus (chat_id, signature) VALUES (?, 'x')", (key,))
    row = await db.fetchone("SELECT chat_id FROM chat_menus WHERE chat_id = ?", (key,))
    assert row is not None, f"the write of {key} was not seen by the read right after it"


async def test_a_read_always_sees_the_writes_committed_before_it(tmp_path: Path) -> None:
    """Long reads on the shared reader (the sender's, say) while many write then read back."""
    db = await open_database(tmp_path / "ryw.sqlite3")
    try:
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO chat_menus (chat_id, signature) VALUES (?, 'seed')",
                [(-i,) for i in range(1, 400)],
            )
        stop = asyncio.Event()

        async def long_reads() -> None:
            while not stop.is_set():
                await db.fetchall("SELECT * FROM chat_menus ORDER BY chat_id")
                await db.fetchone("SELECT * FROM chat_menus WHERE signature = 'seed'")

        readers = [asyncio.create_task(long_reads()) for _ in range(3)]
        try:
            for batch in range(10):
                await asyncio.gather(
                    *(_read_after_write(db, batch * 100 + i + 1, stop) for i in range(50))
                )
        finally:
            stop.set()
            await asyncio.gather(*readers)
    finally:
        await db.close()


async def test_a_write_waits_for_another_process_without_holding_up_the_rest(
    tmp_path: Path,
) -> None:
    """An admin command beside Escale holds the write lock: Escale's write waits for it, and
    meanwhile the event loop goes on (reads are answered), then the write goes through."""
    path = tmp_path / "busy.sqlite3"
    db = await open_database(path)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO chat_menus (chat_id, signature) VALUES (7, 'x')")

        waiting = asyncio.create_task(write())
        for _ in range(20):  # the loop is free: each read is answered while the write waits
            assert await db.fetchone("SELECT 1") is not None
        assert not waiting.done()
        other.execute("COMMIT")
        await asyncio.wait_for(waiting, 5)
        row = await db.fetchone("SELECT signature FROM chat_menus WHERE chat_id = 7")
        assert row is not None and row["signature"] == "x"
    finally:
        other.close()
        await db.close()


async def test_a_write_gives_up_once_the_busy_timeout_has_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_db, "BUSY_TIMEOUT_SECONDS", 0.05)  # real time, kept short
    path = tmp_path / "busy.sqlite3"
    db = await open_database(path)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO chat_menus (chat_id, signature) VALUES (7, 'x')")
        other.execute("ROLLBACK")
        async with db.transaction() as tx:  # the writer is whole again
            await tx.execute("INSERT INTO chat_menus (chat_id, signature) VALUES (8, 'y')")
        row = await db.fetchone("SELECT COUNT(*) AS n FROM chat_menus")
        assert row is not None and row["n"] == 1
    finally:
        other.close()
        await db.close()


async def _menus(db: Database) -> list[int]:
    return [row["chat_id"] for row in await db.fetchall("SELECT chat_id FROM chat_menus")]


async def _put(db: Database, chat_id: int, *, fail: bool = False) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO chat_menus (chat_id, signature) VALUES (?, 'x')", (chat_id,))
        if fail:
            raise LookupError("this one changes its mind")


async def test_transactions_waiting_together_share_one_commit_and_each_its_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty writers at once: fewer commits than writers (a group commit), every write there
    once each returns, and the one that raised leaves nothing while the others stay."""
    commits: list[int] = []
    commit = sqlite_db._commit

    def counted(connection: sqlite3.Connection, checkpoint: bool) -> None:
        commits.append(1)
        commit(connection, checkpoint)

    monkeypatch.setattr(sqlite_db, "_commit", counted)
    db = await open_database(tmp_path / "group.sqlite3")
    try:
        commits.clear()  # the migrations' own
        outcomes = await asyncio.gather(
            *(_put(db, i, fail=i == 7) for i in range(20)), return_exceptions=True
        )
        assert [i for i, outcome in enumerate(outcomes) if outcome is not None] == [7]
        assert isinstance(outcomes[7], LookupError)
        assert sorted(await _menus(db)) == [i for i in range(20) if i != 7]
        assert 1 <= len(commits) <= 3, f"{len(commits)} commits for 20 transactions"
    finally:
        await db.close()


async def test_a_commit_that_fails_fails_every_transaction_it_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await open_database(tmp_path / "group.sqlite3")
    commit = sqlite_db._commit
    failures = [sqlite3.OperationalError("disk I/O error")]

    def failing_once(connection: sqlite3.Connection, checkpoint: bool) -> None:
        if failures:
            raise failures.pop()
        commit(connection, checkpoint)

    monkeypatch.setattr(sqlite_db, "_commit", failing_once)
    try:
        outcomes = await asyncio.gather(*(_put(db, i) for i in range(5)), return_exceptions=True)
        assert all(isinstance(outcome, sqlite3.OperationalError) for outcome in outcomes)
        assert await _menus(db) == []  # none of them holds: none was told it did
        await _put(db, 42)  # the writer is whole again
        assert await _menus(db) == [42]
    finally:
        await db.close()


async def test_a_transaction_sqlite_rolls_back_whole_fails_its_group_too(tmp_path: Path) -> None:
    """Some errors (a full disk, say) make SQLite roll back the whole transaction, savepoints
    and all: the transactions already in the group are told they failed, not that they held."""
    db = await open_database(tmp_path / "group.sqlite3")
    try:

        async def rolled_back_whole() -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO chat_menus (chat_id, signature) VALUES (2, 'x')")
                await tx.execute("ROLLBACK")  # as SQLite does by itself after SQLITE_FULL
                raise sqlite3.OperationalError("database or disk is full")

        first, second = await asyncio.gather(
            _put(db, 1), rolled_back_whole(), return_exceptions=True
        )
        assert isinstance(first, DatabaseError) and "rolled back" in str(first)
        assert isinstance(second, sqlite3.OperationalError)
        assert await _menus(db) == []
        await _put(db, 3)
        assert await _menus(db) == [3]
    finally:
        await db.close()


async def test_a_release_of_the_writer_lets_every_waiting_transaction_through_at_once(
    tmp_path: Path,
) -> None:
    """asyncio.Lock hands itself to one waiter per turn of the event loop; under load a turn
    lasts milliseconds, and writes queued one turn each. The writer's lock wakes them all: 50
    transactions waiting behind a slow one all run their statements within a few turns."""
    db = await open_database(tmp_path / "lock.sqlite3")
    try:
        release = asyncio.Event()
        ran: list[int] = []

        async def slow() -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO chat_menus (chat_id, signature) VALUES (0, 'x')")
                await release.wait()

        async def quick(chat_id: int) -> None:
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO chat_menus (chat_id, signature) VALUES (?, 'x')", (chat_id,)
                )
                ran.append(chat_id)

        holder = asyncio.create_task(slow())
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(quick(i)) for i in range(1, 51)]
        cancelled = asyncio.create_task(quick(99))
        for _ in range(3):
            await asyncio.sleep(0)
        cancelled.cancel()  # a waiter that gives up holds nobody up
        assert ran == []
        release.set()
        await holder  # its commit made, the lock is free for the others
        turns = 0
        while len(ran) < 50 and turns < 50:
            await asyncio.sleep(0)
            turns += 1
        assert sorted(ran) == list(range(1, 51))
        assert turns <= 5, f"{turns} turns of the loop to let 50 transactions through"
        await asyncio.gather(*waiting)
        assert len(await _menus(db)) == 51
    finally:
        await db.close()


async def test_closing_with_writes_on_their_way_commits_them_and_refuses_the_later_ones(
    tmp_path: Path,
) -> None:
    loop = asyncio.get_running_loop()
    troubles: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _, context: troubles.append(context))
    try:
        db = await open_database(tmp_path / "close.sqlite3")
        before = [asyncio.create_task(_put(db, i)) for i in range(10)]
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # they have joined a group, its commit is on its way
        closing = asyncio.create_task(db.close())
        await asyncio.sleep(0)
        after = [asyncio.create_task(_put(db, i)) for i in range(10, 15)]
        await closing
        assert await asyncio.gather(*before) == [None] * 10  # committed before it closed
        for refused in await asyncio.gather(*after, return_exceptions=True):
            assert isinstance(refused, DatabaseError) and "is closed" in str(refused)
        for _ in range(5):
            await asyncio.sleep(0)  # the committers that waited for the lock end quietly
        gc.collect()
        assert troubles == []
        db = await open_database(tmp_path / "close.sqlite3")
        try:  # what was told it held, holds
            assert sorted(await _menus(db)) == list(range(10))
        finally:
            await db.close()
    finally:
        loop.set_exception_handler(None)


async def test_the_log_file_stays_small_as_commits_go_on(tmp_path: Path) -> None:
    """SQLite's own checkpoints are off (they would run inside a commit on the event loop's
    thread); Escale's, on the connection's thread, keep the -wal file from growing."""
    path = tmp_path / "wal.sqlite3"
    db = await open_database(path)
    try:
        for i in range(1000):
            async with db.transaction(durable=i % 2 == 0) as tx:
                await tx.execute(
                    "INSERT INTO chat_menus (chat_id, signature) VALUES (?, ?)", (i, "s" * 500)
                )
        wal = path.with_name(path.name + "-wal").stat().st_size
        page = 4096
        assert wal < 300 * page, f"the -wal file holds {wal // page} pages after 1000 commits"
        row = await db.fetchone("SELECT COUNT(*) AS n FROM chat_menus")
        assert row is not None and row["n"] == 1000
    finally:
        await db.close()


async def test_a_second_open_of_the_same_database_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "escale.sqlite3"
    first = await open_database(path)
    try:
        with pytest.raises(DatabaseInUseError) as refused:
            await open_database(path)
        assert str(refused.value) == (
            f"{path} is in use by process {__import__('os').getpid()}; "
            "stop it before starting another Escale"
        )
    finally:
        await first.close()
    again = await open_database(path)  # closed: free again
    await again.close()


async def test_the_lock_does_not_outlive_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "escale.sqlite3"
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import asyncio, threading\n"
        "from pathlib import Path\n"
        "from bot.core.engines import open_database\n"
        f"db = asyncio.run(open_database(Path({str(path)!r})))\n"
        "print('open', flush=True)\n"
        "threading.Event().wait()\n",  # holds the lock until it is killed
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"open\n"
        with pytest.raises(DatabaseInUseError, match=f"in use by process {holder.pid};"):
            await open_database(path)
    finally:
        holder.kill()  # SIGKILL: nothing released on the way out but by the kernel
        await holder.wait()
    db = await open_database(path)
    await db.close()


def _immutable(path: Path, on: bool) -> bool:
    result = subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True)
    return result.returncode == 0


async def test_a_database_that_cannot_be_written_is_named_with_its_cause(tmp_path: Path) -> None:
    folder = tmp_path / "frozen"
    folder.mkdir()
    if not _immutable(folder, True):
        pytest.skip("chattr is not available here")
    try:
        with pytest.raises(DatabaseError) as refused:
            await open_database(folder / "escale.sqlite3")
    finally:
        _immutable(folder, False)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"{folder / 'escale.sqlite3.lock'} cannot be written (")


async def test_a_read_only_database_file_is_named_with_its_cause(tmp_path: Path) -> None:
    path = tmp_path / "escale.sqlite3"
    db = await open_database(path)
    await db.close()
    (tmp_path / "escale.sqlite3.lock").unlink()
    if not _immutable(path, True):
        pytest.skip("chattr is not available here")
    try:
        with pytest.raises(DatabaseError) as refused:
            await open_database(path)
    finally:
        _immutable(path, False)
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"{path} cannot be written (")


async def _run_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_a_second_escale_on_the_same_database_refuses_in_one_line(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as telegram:
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "ESCALE_DATABASE": "escale.sqlite3",
        }
        first = await _run_bot(env, tmp_path)
        try:
            await telegram.wait_polling(timeout=30)
            second = await _run_bot(env, tmp_path)
            _, err = await asyncio.wait_for(second.communicate(), 30)
            assert second.returncode == 2
            assert err.decode().strip().splitlines()[-1] == (
                f"escale: escale.sqlite3 is in use by process {first.pid}; "
                "stop it before starting another Escale"
            )
            assert "Traceback" not in err.decode()
            assert first.returncode is None, "the first one runs on"
        finally:
            first.send_signal(signal.SIGTERM)
            await asyncio.wait_for(first.communicate(), 30)
        assert first.returncode == 0


async def test_another_client_polling_the_token_stops_escale_cleanly(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as telegram:
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "ESCALE_DATABASE": "escale.sqlite3",
        }
        process = await _run_bot(env, tmp_path)
        try:
            await telegram.wait_polling(timeout=30)
            telegram.another_client_polls(times=3)  # the held poll ends at once, as on Telegram
            _, err = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    logs = err.decode()
    assert process.returncode == 1
    assert logs.count("another program is polling this bot's token (409 Conflict)") == 1
    assert "Traceback" not in logs
    assert "database closed" in logs


async def test_a_full_disk_at_start_stops_start_up_in_one_line(tmp_path: Path) -> None:
    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    async with FakeTelegram(token=TOKEN) as telegram:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env={
                "PATH": os.environ.get("PATH", ""),
                "PYTHONPATH": str(ROOT),
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": telegram.base_url,
                "ESCALE_DATABASE": "escale.sqlite3",
                "PYTHONDONTWRITEBYTECODE": "1",  # no half-written .pyc under the small limit
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=small_files,
        )
        _, err = await asyncio.wait_for(process.communicate(), 30)
    logs = err.decode()
    assert process.returncode == 2
    assert "Traceback" not in logs
    assert logs.strip().splitlines()[-1].startswith("escale: escale.sqlite3 cannot be written (")


SORRY = "Sorry, I have a problem. What you sent before is safe. Please try again in a moment."


def _fill(disk: Path) -> Path:
    """Write a file until the disk has no room left."""
    filler = disk / "filler"
    block = b"\0" * 4096
    with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):
        while out.write(block) == len(block):
            pass
    assert shutil.disk_usage(disk).free < len(block)
    return filler


@pytest.mark.sqlite_only
async def test_a_disk_full_mid_run_apologises_keeps_everything_and_recovers(
    telegram: FakeTelegram, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = await asyncio.create_subprocess_exec(
        "mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk), stderr=asyncio.subprocess.PIPE
    )
    await mount.communicate()
    if mount.returncode != 0:
        pytest.skip("cannot mount a small disk here")
    try:
        small = dataclasses.replace(settings, database_path=disk / "escale.sqlite3")
        async with running_escale(telegram, small, caplog) as escale:
            worker = await make_worker(escale, "Alice", "en")
            person = await make_person(escale, worker, "Léa", "Léa", "en")
            await person.send("/prepare")
            await person.send("My rent")
            filler = _fill(disk)
            await person.press("For me")
            assert person.last.text == SORRY
            stored = await escale.db.fetchall("SELECT step, text FROM answers")
            assert [tuple(r) for r in stored] == [("problem", "My rent")]

            filler.unlink()  # space again
            await person.press("For me")
            assert "what would change?" in person.last.text
            caplog.clear()  # the failure was logged, as it should be
    finally:
        umount = await asyncio.create_subprocess_exec("umount", str(disk))
        assert await umount.wait() == 0


async def test_a_button_pressed_in_a_group_posts_nothing_there(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    group = escale.group(chat_id=-100777, kind="group")
    in_group: JsonDict = {"message_id": 1, "date": 0, "chat": group.chat_dict}
    before = len(escale.telegram.calls_to("sendMessage"))
    for presser, data in (
        (worker, f"history:{person.user_id}"),
        (person, "prepare"),
        (person, "lang:en"),
    ):
        notice = await presser._press(in_group, Button(text="", callback_data=data))
        assert notice == "Escale's buttons work only in your private chat with me."
    assert escale.telegram.messages(group.chat_id) == []
    assert len(escale.telegram.calls_to("sendMessage")) == before, "nothing posted anywhere"
    row = await escale.db.fetchone("SELECT COUNT(*) FROM preparations")
    assert row is not None and row[0] == 0


async def test_a_button_on_someone_elses_private_message_does_nothing(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    elsewhere: JsonDict = {"message_id": 1, "date": 0, "chat": person.chat_dict}
    notice = await worker._press(
        elsewhere, Button(text="", callback_data=f"history:{person.user_id}")
    )
    assert notice == "Escale's buttons work only in your private chat with me."
    assert "preparations sent to you" not in "\n".join(person.texts() + worker.texts())


async def test_jokers_are_capped_so_the_question_fits_telegrams_buttons(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await person.send("/prepare")
    await person.send("My rent")
    await person.press("For me")
    await person.press("I'd rather not")  # want
    await person.send("Fear")
    await person.press("I'd rather not")  # own question
    await person.press("I'd rather not")  # who else is involved
    for number in range(1, 22):
        if "➕ Someone new" not in person.buttons():
            break
        await person.press("➕ Someone new")
        await person.send(f"Ally {number}")
        await person.press("Friend")
    assert number == 21, "the 21st could not be added"
    assert "You have 20 jokers: that is as many as I can keep." in person.last.text
    await person.press_data(f"p:{await _open_id(escale, person)}:jokers:n")
    await person.send("Ally 21")
    row = await escale.db.fetchone("SELECT COUNT(*) FROM allies")
    assert row is not None and row[0] == 20
    assert len(person.buttons()) <= 100


async def _open_id(escale: Escale, person: TelegramUser) -> int:
    row = await escale.db.fetchone(
        "SELECT id FROM preparations WHERE person_id = ? AND status = 'open'", (person.user_id,)
    )
    assert row is not None
    return int(row["id"])


async def test_an_own_question_too_long_to_keep_is_not_offered(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await person.send("/prepare")
    await person.send("My rent")
    await person.press("For me")
    await person.send("w" * 1000)
    await person.send("I " + "o" * 998)
    assert "Here is an idea" not in person.last.text, "their words are only shown side by side"
    assert "✔ Yes, that's my question" not in person.buttons()
    await person.press_data(f"p:{await _open_id(escale, person)}:own_question:ok")
    rows = await escale.db.fetchall("SELECT step, length(text) FROM answers")
    assert all(length <= 1000 for _, length in rows)
    assert "own_question" not in {step for step, _ in rows}
    await person.send("How can I pay, even though it is a lot?")
    assert "Who else is involved in this?" in person.last.text


async def test_a_visitor_choosing_a_language_leaves_no_row(escale: Escale) -> None:
    visitor = escale.user("Nosy Visitor", "fr")
    await visitor.send("/language")
    await visitor.press("English")
    assert visitor.last.text.startswith("I keep nothing about people who have not joined")
    row = await escale.db.fetchone("SELECT COUNT(*) FROM users")
    assert row is not None and row[0] == 0
    assert b"Nosy Visitor" not in await stored_bytes(escale.settings)


async def _worker_who_pressed_an_old_i_agree(escale: Escale) -> tuple[TelegramUser, TelegramUser]:
    """Someone opens a person link, then a worker link, then presses the old *I agree*."""
    alice = await make_worker(escale, "Alice", "en")
    token = await person_token(alice, "Sam")
    sam = escale.user("Sam", "en")
    await sam.send(f"/start {token}")
    admin = escale.admin()
    await sam.send(f"/start {await new_worker_token(escale, admin)}")
    account = await escale.repo.account(sam.user_id)
    assert account is not None and account.worker_status == "active"
    await sam.press("I agree")
    return alice, sam


async def test_a_worker_cannot_also_become_a_person(escale: Escale) -> None:
    alice, sam = await _worker_who_pressed_an_old_i_agree(escale)
    account = await escale.repo.account(sam.user_id)
    assert account is not None and not account.is_person
    assert sam.last.text.startswith("This link is for a person you follow, not for you.")
    await alice.send("/people")
    assert "Sam" not in alice.last.text


async def test_forget_succeeds_for_an_account_that_already_holds_both_roles(
    escale: Escale,
) -> None:
    alice = await make_worker(escale, "Alice", "en")
    sam = await make_worker(escale, "Sam", "en")
    lea = await make_person(escale, sam, "Léa", "Léa", "en")  # Sam follows Léa
    async with escale.db.transaction() as tx:  # as an older Escale let it happen
        on_table = " ON people" if tx.engine == "postgresql" else ""
        await tx.execute(f"DROP TRIGGER people_are_not_workers{on_table}")
        await tx.execute(
            "INSERT INTO people (user_id, worker_id, label, joined_at) VALUES (?, ?, 'Sam', '')",
            (sam.user_id, alice.user_id),
        )
    await sam.send("/prepare")
    await sam.send("Canarydualrole")
    await sam.send("/forget")
    await sam.press("Yes, erase everything")
    assert sam.last.text.startswith("Done. Everything is erased.")
    assert b"Canarydualrole" not in await stored_bytes(escale.settings)
    account = await escale.repo.account(sam.user_id)
    assert account is not None and not account.is_person and account.is_active_worker
    people = await escale.repo.people_of(sam.user_id)
    assert [p.user_id for p in people] == [lea.user_id], "the people Sam follows keep their link"


SPOOF = "\u202e\u200bLéa\u200d\u2066"  # an override, a zero-width space and joiner, an isolate


async def test_invisible_characters_never_reach_another_users_screen(escale: Escale) -> None:
    worker = await make_worker(escale, "Alice", "en")
    await worker.send(f"/invite {SPOOF} Martin")
    person = await make_person(escale, worker, f"Sam{SPOOF}", None, "en")
    row = await escale.db.fetchone(
        "SELECT u.display_name, p.label FROM users u JOIN people p ON p.user_id = u.id "
        "WHERE u.id = ?",
        (person.user_id,),
    )
    assert row is not None and tuple(row) == ("SamLéa", None)
    invitation = await escale.db.fetchone(
        "SELECT label FROM invitations WHERE kind = 'person' ORDER BY id LIMIT 1"
    )
    assert invitation is not None and invitation["label"] == "Léa Martin"
    await person.send("/prepare")
    await person.send(f"Rent {SPOOF} late")
    await person.press("For me")
    await person.press("I'd rather not")
    await person.send("Fear")
    await person.press("I'd rather not")  # own question
    await person.press("I'd rather not")  # who else is involved
    await person.press("➕ Someone new")
    await person.send(f"Ma{SPOOF}rie")
    await person.press("Friend")
    ally = await escale.db.fetchone("SELECT name FROM allies")
    assert ally is not None and ally["name"] == "MaLéarie"
    await person.press("✔ Done")
    while "📨 Send to Alice" not in person.buttons():
        await person.press("I'd rather not")
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    seen = "\n".join(worker.texts())
    for invisible in "\u202e\u200b\u2066":
        assert invisible not in seen.replace("\u2068", "").replace("\u2069", ""), repr(invisible)
    assert "\u2068SamLéa\u2069's preparation" in seen
    assert "Rent Léa\u200d late" in seen, "a joiner inside text stays (emoji need it)"


async def test_a_brief_being_retried_is_held_while_its_worker_is_suspended(
    escale: Escale, caplog: pytest.LogCaptureFixture
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    admin = escale.admin("en")
    await first_preparation(escale, person)
    escale.telegram.fail_next(
        "sendMessage", status=500, description="Internal Server Error", chat_id=worker.user_id
    )
    await person.press("📨 Send to Alice")
    await escale.deliveries()  # the first attempt failed; a retry is planned
    await admin.send("/workers")
    await admin.press("Suspend Alice")
    escale.clock.advance(timedelta(minutes=10))
    await escale.deliveries()
    assert not [m for m in worker.messages if "ESC-" in m.text], "nothing while suspended"
    row = await escale.db.fetchone("SELECT status, error FROM outbox WHERE purpose = 'brief'")
    assert row is not None and tuple(row) == ("held", "suspended")

    await admin.send("/workers")
    await admin.press("Restore Alice")
    await escale.deliveries()
    [brief] = [m for m in worker.messages if "ESC-" in m.text]
    assert "My rent is late again" in brief.text and "Possible repeat" not in brief.text


async def test_a_brief_refused_twice_is_told_to_the_person_and_coordinators(
    escale: Escale, caplog: pytest.LogCaptureFixture
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    admin = escale.admin("en")
    await first_preparation(escale, person, problem="Canaryundelivered")
    escale.telegram.fail_next(
        "sendMessage",
        status=400,
        description="Bad Request: something refused",
        times=2,
        chat_id=worker.user_id,
    )
    await person.press("📨 Send to Alice")
    await escale.deliveries()
    await escale.deliveries()
    assert person.last.text.startswith(
        "Your preparation ESC-00001 could not reach Alice. I will not try again."
    )
    assert admin.last.text == (  # an admin with no language kept reads the default, French
        "Escale n'a pas pu remettre la préparation ESC-00001 à Alice : Telegram l'a refusée. "
        "Son contenu n'est pas gardé. La personne le sait."
    )
    assert "Canaryundelivered" not in admin.last.text
    row = await escale.db.fetchone("SELECT status, body FROM outbox WHERE purpose = 'brief'")
    assert row is not None and tuple(row) == ("failed", "")
    outbox = await escale.db.fetchall("SELECT body FROM outbox")
    assert not any("Canaryundelivered" in r["body"] for r in outbox)
    caplog.clear()  # the refusal is logged as an error, as it should be


async def test_a_brief_whose_arrival_stays_unknown_is_told_once(
    escale: Escale, caplog: pytest.LogCaptureFixture
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await first_preparation(escale, person)
    escale.telegram.fail_next(
        "sendMessage", status=502, description="Bad Gateway", chat_id=worker.user_id
    )
    await person.press("📨 Send to Alice")
    await escale.deliveries()  # failed, not sent: a retry is planned
    escale.telegram.drop_next("sendMessage", times=2)  # then sent twice, no answer either time
    for _ in range(3):
        await escale.deliveries()
        escale.clock.advance(timedelta(minutes=5))
    await escale.deliveries()
    told = [text for text in person.texts() if "I am not sure that your preparation" in text]
    assert told == [
        "I am not sure that your preparation ESC-00001 reached Alice. I will not send it "
        "again, to avoid repeats. You can ask Alice at your meeting. You can also prepare "
        "again with /prepare."
    ]


async def _answer_while_telegram_hiccups(
    escale: Escale, person: TelegramUser, text: str, waits: list[timedelta]
) -> None:
    """`person` sends `text`; each time the bot waits (a 429, a backoff), the clock moves on."""
    task = asyncio.create_task(person.send(text))
    for wait in waits:
        moment = escale.clock.now() + wait
        await escale.clock.someone_sleeps_until(moment)
        escale.clock.advance(wait)
    await asyncio.wait_for(task, 10)


async def _preparing(escale: Escale) -> TelegramUser:
    worker = await make_worker(escale, "Alice", "en")
    person = await make_person(escale, worker, "Léa", "Léa", "en")
    await person.send("/prepare")
    return person


async def test_a_reply_waits_out_a_429_and_arrives(
    escale: Escale, caplog: pytest.LogCaptureFixture
) -> None:
    person = await _preparing(escale)
    escale.telegram.fail_next(
        "sendMessage",
        status=429,
        description="Too Many Requests: retry after 3",
        retry_after=3,
        chat_id=person.user_id,
    )
    await _answer_while_telegram_hiccups(escale, person, "My rent", [timedelta(seconds=3)])
    assert "Who is it a problem for?" in person.last.text
    assert SORRY not in person.texts()


async def test_a_reply_is_retried_after_server_errors(
    escale: Escale, caplog: pytest.LogCaptureFixture
) -> None:
    person = await _preparing(escale)
    escale.telegram.fail_next(
        "sendMessage", status=502, description="Bad Gateway", times=2, chat_id=person.user_id
    )
    backoff = [timedelta(seconds=1), timedelta(seconds=2)]
    await _answer_while_telegram_hiccups(escale, person, "My rent", backoff)
    assert "Who is it a problem for?" in person.last.text
    assert SORRY not in person.texts()


async def test_a_reply_whose_outcome_is_unknown_is_sent_again_not_apologised_for(
    escale: Escale, caplog: pytest.LogCaptureFixture
) -> None:
    person = await _preparing(escale)
    escale.telegram.drop_next("sendMessage")  # it arrives, but the bot never hears so
    await _answer_while_telegram_hiccups(escale, person, "My rent", [timedelta(seconds=1)])
    asked = [text for text in person.texts() if "Who is it a problem for?" in text]
    assert len(asked) == 2, "the question again rather than silence"
    assert SORRY not in person.texts()


async def test_the_apology_goes_only_when_the_reply_truly_failed(
    escale: Escale, caplog: pytest.LogCaptureFixture
) -> None:
    person = await _preparing(escale)
    escale.telegram.fail_next(
        "sendMessage", status=500, description="Internal", times=4, chat_id=person.user_id
    )
    backoff = [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4)]
    await _answer_while_telegram_hiccups(escale, person, "My rent", backoff)
    assert person.last.text == SORRY
    stored = await escale.db.fetchall("SELECT step, text FROM answers")
    assert [tuple(r) for r in stored] == [("problem", "My rent")], "committed before replying"
    caplog.clear()  # the failure is logged, as it should be


async def test_one_user_flooding_gets_one_notice_then_silence(
    telegram: FakeTelegram, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    limited = dataclasses.replace(settings, updates_per_minute=30)
    async with running_escale(telegram, limited, caplog) as escale:
        stranger = escale.user("Flood", "en")
        for number in range(60):
            await stranger.send(f"spam {number}")
        texts = stranger.texts()
        assert len(texts) == 31
        assert texts[-1] == (
            "That is a lot of messages at once. I will read your messages again in a minute. "
            "Nothing you sent before is lost."
        )
        row = await escale.db.fetchone("SELECT COUNT(*) FROM users")
        assert row is not None and row[0] == 0, "nothing stored about the flood"

        other = escale.user("Jo", "en")
        await other.send("/help")
        assert other.last.text.startswith("Hello! I am Escale.")

        escale.clock.advance(timedelta(minutes=1))
        await stranger.send("/help")
        assert len(stranger.texts()) == 32, "heard again once the minute has passed"


async def test_many_people_preparing_while_the_sender_works_all_see_their_writes(
    escale: Escale,
) -> None:
    worker = await make_worker(escale, "Alice", "en")
    people = [await make_person(escale, worker, f"P{n}", f"P{n}", "en") for n in range(12)]
    async with escale.db.transaction() as tx:  # keep the sender reading and writing meanwhile
        await enqueue(
            tx,
            [Outgoing(worker.user_id, "text", f"notice {n}", "repeat") for n in range(300)],
            purpose="meeting",
            now=escale.clock.now(),
        )
    escale.app.bot_data.services.deliver()
    await asyncio.gather(*(p.send("/prepare") for p in people))
    for person in people:
        assert "Question 1 of" in person.last.text, person
    for round_ in range(4):
        await asyncio.gather(*(p.send(f"Problem {round_}") for p in people))
        for person in people:
            assert "Question 2 of" in person.last.text, person
        await asyncio.gather(*(p.press("« Back") for p in people))
        for person in people:
            assert "Question 1 of" in person.last.text, person
    await escale.deliveries()
