"""The SQLite engine: one writer behind a lock, one reader, and pragmas that keep answers.

The default engine (`ESCALE_DATABASE` a file path). One process at a time: a lock file beside
the database (`<name>.lock`, an `flock` the kernel drops when the process ends, `kill -9`
included) makes a second Escale refuse to start.

Statements run on the event loop's own thread; only what waits for the disk goes to the
connection's thread (aiosqlite's): a commit that is flushed (fsync), a checkpoint, opening and
closing. A statement of Escale's reads or writes a few rows of a small file, most often from
memory, in some tens of microseconds: less than one trip to another thread and back, which
waits for its turn in a busy event loop (under load, half a millisecond per trip, measured).
As the one writer holds its lock from BEGIN to COMMIT, each trip inside a transaction held up
every other writer too: some ten trips per answer kept the lock 5.4 ms per update, which
capped Escale near 180 updates a second whatever the CPU. Now a read makes no trip, and the
transactions that come while a commit is on its way share the next one (a group commit, see
`SqliteDatabase.transaction`): one trip and one fsync for all of them.

So that the event loop never waits on another process, BEGIN runs with a busy timeout of 0:
one that finds the file locked by another process (an admin command run beside Escale) is
tried again every few milliseconds, without blocking the loop, for up to
`BUSY_TIMEOUT_SECONDS`. A reader in WAL mode waits for nobody. Each read and each transaction
still lets other work run once before it (`asyncio.sleep(0)`), as the trip used to: a loop
of reads never starves the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import logging
import os
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any, cast

import aiosqlite

from bot.core import migrations
from bot.core.db import (
    BUSY_TIMEOUT_SECONDS,
    SQLITE,
    Cursor,
    Database,
    DatabaseError,
    DatabaseInUseError,
    Row,
    Statement,
    Transaction,
)

log = logging.getLogger(__name__)


def _greatest(*values: Any) -> Any:
    present = [value for value in values if value is not None]
    return max(present) if present else None


def _least(*values: Any) -> Any:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def _run_whole(
    connection: sqlite3.Connection, sql: str, params: tuple[Any, ...]
) -> tuple[list[Row], int]:
    """On the connection's thread: run one statement, read all its rows, count its changes
    (with RETURNING, SQLite counts the rows only once they are all read)."""
    cursor = connection.execute(sql, params)
    try:
        rows: list[Row] = list(cursor.fetchall())
        return rows, cursor.rowcount
    finally:
        cursor.close()


class SqliteTransaction(Transaction):
    """The writer connection inside BEGIN IMMEDIATE … COMMIT; each statement runs at once, on
    the event loop's thread (see the module's docstring)."""

    engine = SQLITE

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Statement:
        bound = tuple(params)
        return Statement(lambda: self._run(sql, bound))

    async def _run(self, sql: str, params: tuple[Any, ...]) -> Cursor:
        rows, count = _run_whole(self._connection, sql, params)
        return Cursor(rows, count)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        self._connection.executemany(sql, [tuple(row) for row in rows]).close()

    async def lock(self, key: int) -> None:
        """Every key is held already: BEGIN IMMEDIATE admits one writer at a time."""


class WriterLock:
    """The writer connection's lock: held from BEGIN to the end of a transaction's block, and
    while a commit is on its way.

    Unlike asyncio.Lock, which hands itself to one waiter per turn of the event loop (the
    waiter runs on the next turn, releases, and only then wakes the one after it), a release
    wakes every waiter: a transaction's statements run without suspending, so all of them can
    take and give back the lock, one after the other, in the same turn. Under load a turn of
    the loop lasts milliseconds, and a handoff per turn capped the writes well below what the
    disk allows. A waiter that finds it taken again waits for the next release."""

    def __init__(self) -> None:
        self._locked = False
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def __aenter__(self) -> None:
        while self._locked:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)  # no longer waits
                raise
        self._locked = True

    async def __aexit__(self, *exc_info: object) -> None:
        self._locked = False
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


class SqliteDatabase(Database):
    """Writes go through `transaction()` (BEGIN IMMEDIATE, one at a time); reads use `fetch*`.

    Two coroutines must never share a transaction on one aiosqlite connection, so the writer is
    guarded by a lock held from BEGIN to COMMIT. Nothing that talks to Telegram may run inside it.
    """

    engine = SQLITE
    sole_instance = True

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection | None,
        lock: IO[str] | None = None,
    ):
        self.path = path
        self.location = str(path)
        self._writer = writer
        self._reader = reader
        self._write_lock = WriterLock()
        self._lock_file = lock
        self._since_checkpoint = 0  # commits
        # The group commit (see `transaction`): the open SQLite transaction's outcome, which
        # its transactions wait for, and the tasks that will commit it.
        self._group: asyncio.Future[None] | None = None
        self._closed = False
        self._committing: set[asyncio.Task[None]] = set()
        # aiosqlite's own way to run a function on the connection's thread; it is untyped.
        self._on_thread = cast(Callable[..., Awaitable[None]], writer._execute)

    @classmethod
    async def connect(cls, path: Path, *, upto: str | None = None) -> SqliteDatabase:
        """Open (creating if needed) the database at `path` and bring its schema up to date.

        Raises DatabaseError, with one line naming the file and the cause, when the database
        is held by another process, cannot be written, or is not an Escale database."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseError(_cannot_write(path.parent, error)) from None
        lock = _lock(path)
        try:
            writer = await _connect(path)
        except BaseException:
            lock.close()
            raise
        db = cls(path, writer, None, lock)
        try:
            await _check_usable(writer, path)
            try:
                await migrations.upgrade(db, upto=upto)
            except migrations.SchemaTooNewError as error:
                raise DatabaseError(str(error)) from None
            except sqlite3.OperationalError as error:
                if not _is_write_failure(error):
                    raise
                raise DatabaseError(_cannot_write(path, error)) from None
            await _check_writable(writer, path)
            db._reader = await _connect(path)
            await db._reader.execute("PRAGMA query_only = ON")
        except BaseException:
            await writer.close()
            lock.close()
            raise
        log.info("database open path=%s sqlite=%s", path, sqlite3.sqlite_version)
        return db

    @classmethod
    async def connect_beside(cls, path: Path) -> SqliteDatabase:
        """Open a database another process holds (a running Escale), for short transactions
        of an admin command: no lock taken, and no migration, so the schema must be current."""
        writer = await _connect(path)
        db = cls(path, writer, None)
        try:
            await _check_usable(writer, path)
            done = await migrations.applied(db)
            if done != [name for name, _ in migrations.MIGRATIONS]:
                raise DatabaseError(
                    f"{path} is in use by an Escale of another version; stop it or use the "
                    "same version"
                )
            db._reader = await _connect(path)
            await db._reader.execute("PRAGMA query_only = ON")
        except BaseException:
            await writer.close()
            raise
        return db

    async def lead(self, role: str) -> bool:
        """Always: one Escale at a time holds a SQLite database (its lock file)."""
        return True

    async def close(self) -> None:
        """Close both connections; aiosqlite threads would otherwise keep the process alive."""
        async with self._write_lock:
            await self._commit_group()
            self._closed = True  # a committer still waiting for the lock then does nothing
            await self._writer.close()
        if self._reader is not None:
            await self._reader.close()
        if self._lock_file is not None:
            self._lock_file.close()  # the flock goes with the file
            self._lock_file = None
        log.info("database closed path=%s", self.path)

    async def scrub(self, *, erasure: bool = True) -> None:
        """After an erasure: leave nothing of the erased rows on disk, in any of the files
        (the same whatever `erasure` says: a checkpoint costs little).

        `secure_delete` zeroes what is freed in the main file only; the `-wal` file keeps the
        pages as they were before, until a checkpoint copies the new ones back. A TRUNCATE
        checkpoint (under the writer lock, so no write is half-done) moves every committed
        page into the main file and empties the `-wal`; the `-shm` holds only page numbers.
        If a read still uses an old page, the checkpoint waits for it (busy timeout) and
        is tried again a few times.
        """
        async with self._write_lock:
            await self._commit_group()  # no checkpoint reaches what is not committed
            for _ in range(_SCRUB_TRIES):
                async with self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                    row = await cursor.fetchone()
                if row is not None and row[0] == 0:
                    return
                await asyncio.sleep(0)
        log.warning("database scrub incomplete path=%s: a read held the log", self.path)

    @asynccontextmanager
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[Transaction]:
        """A write transaction, committed when the block ends, rolled back if it raises.

        Transactions that come while a commit is on its way are committed together by the
        next one (a group commit): each runs in a savepoint of one SQLite transaction, and
        each returns once the COMMIT that holds it has reached the disk. One fsync then
        covers all of them, where each used to wait for its own while holding the writer.
        A non-durable one with no group open commits at once, without waiting for the disk
        (`synchronous = NORMAL`, which SQLite lets change only between transactions); with
        a group open, it joins it, durably."""
        await asyncio.sleep(0)  # lets other work run, as a trip to another thread would
        async with self._write_lock:
            if self._closed:
                raise DatabaseError(f"{self.path} is closed")
            connection = self._writer._conn
            if self._group is None and not durable:
                connection.execute("PRAGMA synchronous = NORMAL")
                try:
                    await _begin(connection)
                    try:
                        yield SqliteTransaction(connection)
                    except BaseException:
                        connection.rollback()
                        raise
                    connection.commit()
                    self._since_checkpoint += 1
                finally:
                    connection.execute("PRAGMA synchronous = FULL")
                return
            if self._group is None:
                await _begin(connection)
                self._group = asyncio.get_running_loop().create_future()
                # Read even when every transaction waiting for it was cancelled meanwhile.
                self._group.add_done_callback(lambda done: done.cancelled() or done.exception())
                self._committing.add(asyncio.create_task(self._commit_when_free()))
            group = self._group
            connection.execute("SAVEPOINT escale")
            try:
                yield SqliteTransaction(connection)
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK TO escale")
                    connection.execute("RELEASE escale")
                else:  # SQLite rolled the whole transaction back (a full disk, say)
                    self._fail_group(DatabaseError("the transaction was rolled back"))
                raise
            connection.execute("RELEASE escale")
        await asyncio.shield(group)  # committed, or the commit's error

    async def _commit_when_free(self) -> None:
        """Commit the open group once the transactions already waiting for the lock have
        joined it: this task waits behind them."""
        try:
            async with self._write_lock:
                await self._commit_group()
        finally:
            task = asyncio.current_task()
            if task is not None:
                self._committing.discard(task)

    async def _commit_group(self) -> None:
        """Under the writer lock: commit the open group, if any, on the connection's thread
        (it waits for the disk), and tell its transactions how it went."""
        group, self._group = self._group, None
        if group is None:
            return
        if self._closed:  # never reached (close commits first), but never a closed connection
            group.set_exception(DatabaseError(f"{self.path} is closed"))
            return
        self._since_checkpoint += 1
        checkpoint = self._since_checkpoint >= CHECKPOINT_EVERY
        try:
            await self._on_thread(_commit, self._writer._conn, checkpoint)
        except Exception as error:  # the commit failed on its thread: nothing of it holds
            with contextlib.suppress(sqlite3.Error, ValueError):  # ValueError: closed meanwhile
                self._writer._conn.rollback()
            if not group.done():
                group.set_exception(error)
            return
        except BaseException:  # cancelled (the loop closing): the outcome is not known
            if not group.done():
                group.set_exception(DatabaseError("the commit was interrupted"))
            raise
        if checkpoint:
            self._since_checkpoint = 0
        if not group.done():
            group.set_result(None)

    def _fail_group(self, error: Exception) -> None:
        group, self._group = self._group, None
        if group is not None and not group.done():
            group.set_exception(error)

    # Each read runs to its end in ONE call. A read left open across several calls (execute,
    # fetch, close) keeps its snapshot, and any other read on the same connection meanwhile
    # joins that older snapshot: a handler could then miss what it had just committed. Run
    # whole, every read starts after the last commit.

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        rows = await self._read(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return await self._read(sql, params)

    async def _read(self, sql: str, params: Iterable[Any]) -> list[Row]:
        assert self._reader is not None, "reads start once the schema is up to date"
        await asyncio.sleep(0)  # lets other work run, as a trip to another thread would
        return _run_whole(self._reader._conn, sql, tuple(params))[0]


def _commit(connection: sqlite3.Connection, checkpoint: bool) -> None:
    """On the connection's thread: commit (flushed to the disk), then, every so often, copy the
    log's pages back into the main file (PASSIVE: it waits for no reader)."""
    connection.commit()
    if checkpoint:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").close()


async def _begin(connection: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE without blocking the event loop: while another process holds the write
    lock, try again every few milliseconds, for up to BUSY_TIMEOUT_SECONDS."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + BUSY_TIMEOUT_SECONDS
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or loop.time() >= give_up:
                    raise
            await asyncio.sleep(_BUSY_RETRY_SECONDS)
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY or (
        "database is locked" in str(error)
    )


_BUSY_RETRY_SECONDS = 0.005
CHECKPOINT_EVERY = 100  # commits between checkpoints, made at the next durable one
_SCRUB_TRIES = 5


def hold(path: Path) -> IO[str]:
    """Hold the database's lock for an operation that must not run beside Escale (a restore):
    close the returned file to release it. Raises DatabaseInUseError naming the holder."""
    return _lock(path)


def _lock(path: Path) -> IO[str]:
    """Hold `<path>.lock` for as long as the database is open; refuse if another process does."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        lock = open(lock_path, "a+", encoding="ascii")  # noqa: SIM115 (held until close)
    except OSError as error:
        raise DatabaseError(_cannot_write(lock_path, error)) from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        lock.seek(0)
        holder = lock.read().strip() or "unknown"
        lock.close()
        if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise DatabaseInUseError(
                f"{path} is in use by process {holder}; stop it before starting another Escale"
            ) from None
        raise DatabaseError(_cannot_write(lock_path, error)) from None
    try:
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
    except OSError as error:
        lock.close()
        raise DatabaseError(_cannot_write(lock_path, error)) from None
    return lock


def _is_write_failure(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite failed to write the disk (rather than a statement being wrong)."""
    text = str(error).lower()
    return any(cause in text for cause in ("readonly", "disk", "full", "unable to open"))


def _cannot_write(path: Path, error: BaseException) -> str:
    """One line naming the file and why Escale cannot write it."""
    if isinstance(error, OSError):
        cause = os.strerror(error.errno) if error.errno else str(error)
    else:
        cause = str(error)
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "free some space"
    else:
        hint = "check that Escale may write it and its folder, and that the disk has room"
    return f"{path} cannot be written ({cause}); {hint}"


async def _connect(path: Path) -> aiosqlite.Connection:
    try:
        connection = await aiosqlite.connect(
            # Used from the event loop's thread as well as aiosqlite's (never both at once).
            path,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.OperationalError as error:
        raise DatabaseError(_cannot_write(path, error)) from None
    connection.row_factory = sqlite3.Row
    try:
        # PostgreSQL's GREATEST and LEAST (SQLite's own are MAX and MIN with several
        # arguments), so that stores write one SQL for both engines. NULLs are ignored, as there.
        await connection.create_function("GREATEST", -1, _greatest, deterministic=True)
        await connection.create_function("LEAST", -1, _least, deterministic=True)
        for pragma in (
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}",
            "PRAGMA secure_delete = ON",
            # Checkpoints run on aiosqlite's thread (see SqliteDatabase.transaction), never
            # inside a commit made on the event loop's thread.
            "PRAGMA wal_autocheckpoint = 0",
        ):
            await connection.execute(pragma)
    except sqlite3.OperationalError as error:
        await connection.close()
        raise DatabaseError(_cannot_write(path, error)) from None
    except sqlite3.DatabaseError as error:
        await connection.close()
        raise DatabaseError(f"{path} cannot be used as an Escale database: {error}") from None
    return connection


async def _check_writable(connection: aiosqlite.Connection, path: Path) -> None:
    """Write once at start (the header's own value, back in place): a read-only file or a
    full disk then stops start-up here, rather than failing the first person who answers."""
    try:
        await connection.execute("BEGIN IMMEDIATE")
        try:
            async with connection.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            await connection.execute(f"PRAGMA user_version = {int(row[0]) if row else 0}")
        except BaseException:
            await connection.rollback()
            raise
        await connection.commit()
    except sqlite3.OperationalError as error:
        raise DatabaseError(_cannot_write(path, error)) from None


async def _check_usable(connection: aiosqlite.Connection, path: Path) -> None:
    try:
        async with connection.execute("PRAGMA quick_check") as cursor:
            row = await cursor.fetchone()
    except sqlite3.OperationalError as error:
        raise DatabaseError(_cannot_write(path, error)) from None
    except sqlite3.DatabaseError as error:
        raise DatabaseError(f"{path} cannot be used as an Escale database: {error}") from None
    if row is None or row[0] != "ok":
        raise DatabaseError(f"{path} failed its integrity check: {row[0] if row else 'no answer'}")
