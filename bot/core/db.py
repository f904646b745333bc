"""The database as the stores see it: one small interface, whatever the engine underneath.

Stores write SQL with `?` placeholders and use only this surface:

    async with db.transaction() as tx:            # committed when the block ends
        cursor = await tx.execute(sql, params)    # or `async with tx.execute(...) as cursor`
        cursor.rowcount, await cursor.fetchone(), await cursor.fetchall()
        await tx.executemany(sql, rows)
    row = await db.fetchone(sql, params)          # reads, each one whole and after the last commit
    rows = await db.fetchall(sql, params)

Rows read the same on every engine: by column name (`row["id"]`) or position (`row[0]`), and
they unpack like tuples. An id made by an insert comes back with `RETURNING id` (both engines
have it), never with `lastrowid`.

Two engines implement it: SQLite (`bot/core/sqlite_db.py`, the default: a file path) and
PostgreSQL (`bot/core/postgres_db.py`: a `postgresql://` URL). What only one engine can do sits
behind a NAMED operation of this interface, never in a store:

- `Database.scrub()`: after an erasure, reach what the engine keeps of deleted rows on disk;
  `scrub(erasure=False)` after words were only blanked in place (a delivered message).
- `Transaction.lock(key)`: hold `key` (a number) exclusively until the transaction ends.
- `Database.sole_instance`: whether this engine admits one Escale at a time (SQLite's lock file).
- `Database.lead(role)`: whether this process is, now, the one instance doing `role` (the
  outbox's sender): elected among the instances, and replaced when it dies.

A new operation of this kind goes here, with its meaning in words, and in both engines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, Protocol

BUSY_TIMEOUT_SECONDS = 10.0

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


class DatabaseError(Exception):
    """The database cannot be used; the message names it and the reason."""


class DatabaseInUseError(DatabaseError):
    """Another process holds the database."""


class Row(Protocol):
    """A row as both engines give it: by column name or position, and iterable over values."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Iterable[str]: ...


class Cursor:
    """What a statement gave back: its rows (all read already), and how many rows it changed."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Row], rowcount: int):
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Row | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Row]:
        return self._rows


class Statement(Awaitable[Cursor], AbstractAsyncContextManager[Cursor]):
    """A statement being run: `await` it, or use it as `async with … as cursor`."""

    __slots__ = ("_run",)

    def __init__(self, run: Callable[[], Awaitable[Cursor]]):
        self._run = run

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._run().__await__()

    async def __aenter__(self) -> Cursor:
        return await self._run()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


class Transaction(ABC):
    """One write transaction, as `Database.transaction()` yields it."""

    engine: str
    """`sqlite` or `postgresql`: for migrations, whose DDL may differ per engine."""

    @abstractmethod
    def execute(self, sql: str, params: Iterable[Any] = ()) -> Statement:
        """Run one statement with `?` placeholders; its rows are read whole."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Run one statement once per row of parameters."""

    @abstractmethod
    async def lock(self, key: int) -> None:
        """Hold `key` exclusively until this transaction ends: another transaction asking for
        the same key waits. SQLite has one writer at a time, so every key is held already;
        PostgreSQL takes a transaction-level advisory lock (`pg_advisory_xact_lock`)."""


class Database(ABC):
    """An open database: write transactions, whole reads, and the engine's named operations.

    `bot.core.engines.open_database(location)` opens one."""

    engine: str
    location: str
    """Where it is, fit for a log line (a path, or a URL without its password)."""
    sole_instance: bool
    """Whether only one Escale may use this database at a time (SQLite: a lock file held while
    it is open). PostgreSQL admits several instances."""

    @abstractmethod
    def transaction(self, *, durable: bool = True) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction, committed when the block ends, rolled back if it raises.
        Nothing that talks to Telegram may run inside it.

        `durable=False` is for what may be lost to a power cut (never to a crash of the
        process) and costs no wait for the disk: the commit is not flushed itself, but by the
        next durable one. Only bookkeeping Escale can do without goes there — which message
        shows the current question — never an answer or anything acknowledged. SQLite:
        `synchronous = NORMAL` for that one commit (WAL keeps the file whole), unless it joins
        a group of transactions being committed together, durably; PostgreSQL:
        `SET LOCAL synchronous_commit = off`."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row of a read, run whole after the last commit."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row of a read, run whole after the last commit."""

    @abstractmethod
    async def scrub(self, *, erasure: bool = True) -> None:
        """After an erasure: reach, as far as the engine allows, what it still keeps on disk of
        the rows just deleted or overwritten (each engine says what that is).

        `erasure=False` is the lighter call of the outbox once delivered words were blanked:
        an engine may then leave their old bytes for the next erasure's scrub to reach."""

    @abstractmethod
    async def lead(self, role: str) -> bool:
        """Whether this process is the one instance doing `role` now: it becomes it when no
        other process is, and stays it until it closes the database or dies. Asked again before
        each piece of that work, as the answer can change. SQLite: always (one instance).
        PostgreSQL: a session advisory lock, held on a connection of its own, which the server
        drops when that connection ends (the process killed, the network cut)."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection (an open one would keep the process alive)."""
