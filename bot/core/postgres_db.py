"""The PostgreSQL engine (`ESCALE_DATABASE=postgresql://…`), over asyncpg, for services that run
their own database server (replication, point-in-time recovery, their own access control).

Stores write `?` placeholders; each statement is rewritten once to PostgreSQL's `$1, $2…` (out
of quoted text) and kept. Transactions run at READ COMMITTED on a pooled connection each, so
several transactions, and several instances of Escale, run side by side: the stores' writes are
compare-and-set (`UPDATE … WHERE status = 'pending' RETURNING …`) and unique constraints, which
hold at that level; a transaction that must exclude another takes `tx.lock(key)`.

Migrations write SQLite's DDL where it is portable, its types mapped (`migrations.ddl`: SQLite's
INTEGER is 64 bits, so BIGINT; an `id INTEGER PRIMARY KEY` is an identity column). What differs
more (triggers, changing a CHECK) has a variant per engine in `bot/core/migrations.py`.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.core import migrations
from bot.core.config import without_password
from bot.core.db import (
    BUSY_TIMEOUT_SECONDS,
    POSTGRESQL,
    Cursor,
    Database,
    DatabaseError,
    Row,
    Statement,
    Transaction,
)

log = logging.getLogger(__name__)

POOL_SIZE = 10
_RETURNS_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)
# The table a statement changes, and how: DELETE, or UPDATE (an upsert's DO UPDATE included).
_CHANGES = re.compile(r"^\s*(UPDATE|DELETE\s+FROM|INSERT\s+INTO)\s+(\w+)", re.IGNORECASE)
_UPSERT = re.compile(r"\bDO\s+UPDATE\b", re.IGNORECASE)
_PLACEHOLDER_OR_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?")


@functools.lru_cache(maxsize=1024)
def placeholders(sql: str) -> str:
    """`?` → `$1, $2…` in order, leaving quoted text and names alone."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)
        count += 1
        return f"${count}"

    return _PLACEHOLDER_OR_QUOTED.sub(number, sql)


# Foreign keys whose ON DELETE changes the referring rows (cascade, set null, set default).
_REFERENCES = """
    SELECT parent.relname AS parent, child.relname AS child FROM pg_constraint k
    JOIN pg_class child ON child.oid = k.conrelid
    JOIN pg_class parent ON parent.oid = k.confrelid
    WHERE k.contype = 'f' AND k.confdeltype IN ('c', 'n', 'd')
      AND child.relnamespace = current_schema()::regnamespace"""


def _count(status: str) -> int:
    """Rows changed, from a command tag such as `UPDATE 3` or `INSERT 0 1`."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class PostgresTransaction(Transaction):
    """One pooled connection inside BEGIN … COMMIT (READ COMMITTED)."""

    engine = POSTGRESQL

    def __init__(self, connection: asyncpg.Connection[Any] | PoolConnectionProxy[Any]):
        self._connection = connection
        self.deleted: set[str] = set()  # tables this transaction deleted rows from
        self.updated: set[str] = set()  # tables where it left old versions of rows

    def _note(self, sql: str) -> None:
        found = _CHANGES.match(sql)
        if found is None:
            return
        verb, table = found.group(1).upper(), found.group(2).lower()
        if verb.startswith("DELETE"):
            self.deleted.add(table)
        elif verb == "UPDATE" or _UPSERT.search(sql):
            self.updated.add(table)

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Statement:
        bound = tuple(params)
        return Statement(lambda: self._run(sql, bound))

    async def _run(self, sql: str, params: tuple[Any, ...]) -> Cursor:
        self._note(sql)
        query = placeholders(sql)
        if _RETURNS_ROWS.search(sql):
            rows: list[Row] = list(await self._connection.fetch(query, *params))
            return Cursor(rows, len(rows))
        return Cursor([], _count(await self._connection.execute(query, *params)))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        self._note(sql)
        await self._connection.executemany(placeholders(sql), [tuple(row) for row in rows])

    async def lock(self, key: int) -> None:
        """A transaction-level advisory lock: released at COMMIT or ROLLBACK, by the server
        itself if the connection dies (an instance killed with `kill -9` holds nothing)."""
        await self._connection.execute("SELECT pg_advisory_xact_lock($1)", key)


class PostgresDatabase(Database):
    """A pool of connections to one PostgreSQL database (and schema, from `search_path`)."""

    engine = POSTGRESQL
    sole_instance = False

    def __init__(self, url: str, pool: asyncpg.Pool[Any]):
        self.url = url
        self.location = without_password(url)
        self._pool = pool
        # What committed transactions left behind since the last scrub (see `scrub`).
        self._deleted: set[str] = set()
        self._updated: set[str] = set()
        self._to_rewrite: set[str] = set()  # vacuumed after a delivery, to rewrite at an erasure
        # Rows a DELETE or UPDATE reaches through foreign keys (ON DELETE CASCADE or SET NULL):
        # table -> the tables referring to it so. Read from the schema once it is up to date.
        self._reached: dict[str, set[str]] = {}
        # `lead`: per role, the connection that holds its advisory lock, or that asks for it.
        self._leading: dict[str, asyncpg.Connection[Any]] = {}
        self._asking: dict[str, asyncpg.Connection[Any]] = {}

    @classmethod
    async def connect(
        cls, url: str, *, upto: str | None = None, migrate: bool = True
    ) -> PostgresDatabase:
        """Connect to the server at `url` and bring the schema up to date (unless `migrate` is
        false: then the schema must be this Escale's). Several instances may start at once:
        migrations take a lock of their own (see `bot/core/migrations.py`)."""
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=POOL_SIZE,
                command_timeout=60,
                timeout=BUSY_TIMEOUT_SECONDS,
            )
        except (OSError, asyncpg.PostgresError, ValueError) as error:
            raise DatabaseError(
                f"{without_password(url)} cannot be reached ({_reason(error)}); check the address, "
                "the user and that the server is running"
            ) from None
        db = cls(url, pool)
        try:
            if migrate:
                try:
                    await migrations.upgrade(db, upto=upto)
                except migrations.SchemaTooNewError as error:
                    raise DatabaseError(str(error)) from None
            else:
                done = await migrations.applied(db)
                if done != [name for name, _ in migrations.MIGRATIONS]:
                    raise DatabaseError(
                        f"the schema of {db.location} is not this Escale's: start this version "
                        "of Escale once to bring it up to date, or use the version that wrote it"
                    )
            version = await pool.fetchval("SHOW server_version")
            for row in await pool.fetch(_REFERENCES):
                db._reached.setdefault(row["parent"], set()).add(row["child"])
        except asyncpg.InsufficientPrivilegeError as error:
            await pool.close()
            raise DatabaseError(
                f"{db.location} cannot be written ({error}); give Escale's user the right to "
                "create tables in its schema"
            ) from None
        except BaseException:
            await pool.close()
            raise
        log.info("database open url=%s postgresql=%s", db.location, version)
        return db

    @asynccontextmanager
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[Transaction]:
        async with self._pool.acquire() as connection:
            async with connection.transaction():
                if not durable:  # this one commit does not wait for the disk (see Database)
                    await connection.execute("SET LOCAL synchronous_commit = off")
                tx = PostgresTransaction(connection)
                yield tx
            self._deleted |= tx.deleted
            self._updated |= tx.updated

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        row: Row | None = await self._pool.fetchrow(placeholders(sql), *params)
        return row

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return list(await self._pool.fetch(placeholders(sql), *params))

    async def scrub(self, *, erasure: bool = True) -> None:
        """After an erasure: rewrite the tables rows were deleted from or overwritten in, so
        that no old row stays in their files.

        A DELETE or an UPDATE in PostgreSQL leaves the old row in the table's pages (and its
        entries in the indexes), only marked dead. `VACUUM` removes dead rows and their index
        entries and makes the space reusable, without waiting for autovacuum, but their bytes
        stay in the pages until new rows overwrite them. `VACUUM FULL` writes the table and its
        indexes anew with the live rows only and drops the old files: it is what an erasure
        needs, for every table this instance changed since the last such scrub. It locks each
        table while it rewrites it (other writes to it wait meanwhile; 38 ms for a whole
        erasure on a small database, see benchmarks/store_engines.py).

        `erasure=False` (the outbox, once delivered words were blanked, after each burst of
        sending) runs a plain VACUUM of those tables: the old words' bytes then leave the files
        at the next erasure's rewrite, or the retention sweep's (see `bot/service/retention.py`).

        What this cannot reach is said in the README ("Erasure on PostgreSQL"): the write-ahead
        log until its segments are recycled, WAL archives, replicas and base backups.
        """
        touched = self._deleted | self._updated
        self._deleted, self._updated = set(), set()
        while reached := {c for t in touched for c in self._reached.get(t, ())} - touched:
            touched |= reached
        if erasure:
            touched |= self._to_rewrite
            self._to_rewrite = set()
        else:
            self._to_rewrite |= touched
        if not touched:
            return
        started = time.monotonic()
        how = "VACUUM (FULL)" if erasure else "VACUUM"
        async with self._pool.acquire() as connection:
            for table in sorted(touched):
                await connection.execute(f'{how} "{table}"')
        log.info(
            "database scrub %s tables=%s took=%.0fms",
            "rewrote" if erasure else "vacuumed",
            len(touched),
            (time.monotonic() - started) * 1000,
        )

    async def lead(self, role: str) -> bool:
        """A session advisory lock on a connection of its own, outside the pool: the lock
        lasts as long as that connection, which the server ends when this process dies (or,
        machine lost, when its TCP keepalives go unanswered for about 25 s). The key is the
        role's name with the schema, so separate Escales on one server do not share it.

        While held, each call checks the connection with one round trip: a holder that lost
        it (the network cut) stops at once, before another instance may start."""
        held = self._leading.get(role)
        if held is not None:
            try:
                await held.fetchval("SELECT 1", timeout=BUSY_TIMEOUT_SECONDS)
                return True
            except Exception as error:  # whatever broke it, that connection is done
                del self._leading[role]
                held.terminate()
                log.warning("lead lost role=%s error=%s", role, type(error).__name__)
                return False
        try:
            asking = self._asking.get(role) or await self._connect_alone()
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            log.warning("lead not asked role=%s error=%s", role, type(error).__name__)
            return False
        self._asking[role] = asking
        try:
            won = await asking.fetchval(
                "SELECT pg_try_advisory_lock(hashtextextended($1 || '/' || current_schema(), 0))",
                role,
                timeout=BUSY_TIMEOUT_SECONDS,
            )
        except Exception as error:  # whatever broke it, that connection is done
            del self._asking[role]
            asking.terminate()
            log.warning("lead not asked role=%s error=%s", role, type(error).__name__)
            return False
        if not won:
            return False
        self._leading[role] = self._asking.pop(role)
        log.info("lead taken role=%s", role)
        return True

    async def _connect_alone(self) -> asyncpg.Connection[Any]:
        return await asyncpg.connect(
            self.url,
            timeout=BUSY_TIMEOUT_SECONDS,
            server_settings={
                "application_name": "escale-lead",
                "tcp_keepalives_idle": "10",
                "tcp_keepalives_interval": "5",
                "tcp_keepalives_count": "3",
            },
        )

    async def close(self) -> None:
        # The held lock goes with its connection: another instance may lead at once.
        for connection in [*self._leading.values(), *self._asking.values()]:
            try:
                await connection.close(timeout=BUSY_TIMEOUT_SECONDS)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                connection.terminate()
        self._leading.clear()
        self._asking.clear()
        await self._pool.close()
        log.info("database closed url=%s", self.location)


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
