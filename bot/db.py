"""The SQLite connection: one writer behind a lock, one reader, and pragmas that keep answers."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot import migrations

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 10.0


class DatabaseError(Exception):
    """The database file cannot be used; the message names the path and the reason."""


class Database:
    """Writes go through `transaction()` (BEGIN IMMEDIATE, one at a time); reads use `fetch*`.

    Two coroutines must never share a transaction on one aiosqlite connection, so the writer is
    guarded by a lock held from BEGIN to COMMIT. Nothing that talks to Telegram may run inside it.
    """

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating if needed) the database at `path` and bring its schema up to date."""
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        try:
            await _check_usable(writer, path)
            try:
                await migrations.upgrade(writer, path)
            except migrations.SchemaTooNewError as error:
                raise DatabaseError(str(error)) from None
            reader = await _connect(path)
            await reader.execute("PRAGMA query_only = ON")
        except BaseException:
            await writer.close()
            raise
        log.info("database open path=%s sqlite=%s", path, sqlite3.sqlite_version)
        return cls(path, writer, reader)

    async def close(self) -> None:
        """Close both connections; aiosqlite threads would otherwise keep the process alive."""
        async with self._write_lock:
            await self._writer.close()
        await self._reader.close()
        log.info("database closed path=%s", self.path)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction, committed when the block ends, rolled back if it raises."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.rollback()
                raise
            await self._writer.commit()

    async def scrub(self) -> None:
        """After an erasure: copy the WAL into the main file and empty it, so erased rows leave
        the disk (secure_delete zeroes the freed pages of the main file)."""
        async with (
            self._write_lock,
            self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor,
        ):
            row = await cursor.fetchone()
        if row is not None and row[0]:
            log.warning("checkpoint incomplete busy=%s", row[0])

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self._reader.execute(sql, tuple(params)) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._reader.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())


async def _connect(path: Path) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    connection.row_factory = sqlite3.Row
    try:
        for pragma in (
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}",
            "PRAGMA secure_delete = ON",
        ):
            await connection.execute(pragma)
    except sqlite3.DatabaseError as error:
        await connection.close()
        raise DatabaseError(f"{path} cannot be used as an Escale database: {error}") from None
    return connection


async def _check_usable(connection: aiosqlite.Connection, path: Path) -> None:
    try:
        async with connection.execute("PRAGMA quick_check") as cursor:
            row = await cursor.fetchone()
    except sqlite3.DatabaseError as error:
        raise DatabaseError(f"{path} cannot be used as an Escale database: {error}") from None
    if row is None or row[0] != "ok":
        raise DatabaseError(f"{path} failed its integrity check: {row[0] if row else 'no answer'}")
