"""Migrations: a blank database gets the whole schema; each one upgrades the schema before it.

Each test that takes `database` runs on SQLite, then on PostgreSQL (tests/engines.py)."""

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite
import asyncpg
import pytest

from bot.core import migrations
from bot.core.db import Database, DatabaseError, Transaction
from bot.core.engines import open_database


async def _tables(db: Database) -> set[str]:
    if db.engine == "postgresql":
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return {row[0] for row in await db.fetchall(query)}


async def test_blank_database_gets_every_migration_recorded(database: str | Path) -> None:
    db = await open_database(database)
    try:
        assert {"users", "workers", "people", "invitations", "consents"} <= await _tables(db)
        assert await migrations.applied(db) == [name for name, _ in migrations.MIGRATIONS]
    finally:
        await db.close()
    if isinstance(database, Path):
        async with aiosqlite.connect(database) as raw, raw.execute("PRAGMA journal_mode") as c:
            assert (await c.fetchone()) == ("wal",)


async def test_reopening_applies_nothing_twice(database: str | Path) -> None:
    await (await open_database(database)).close()
    db = await open_database(database)
    try:
        assert await migrations.upgrade(db) == []
    finally:
        await db.close()


@pytest.mark.parametrize("index", range(1, len(migrations.MIGRATIONS)))
async def test_each_migration_upgrades_the_previous_schema(
    database: str | Path, index: int
) -> None:
    previous = migrations.MIGRATIONS[index - 1][0]
    db = await open_database(database, upto=previous)
    try:
        assert (await migrations.applied(db))[-1] == previous
        assert await migrations.upgrade(db) == [name for name, _ in migrations.MIGRATIONS[index:]]
    finally:
        await db.close()


async def test_a_newer_database_is_refused(database: str | Path) -> None:
    db = await open_database(database)
    try:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO migrations (name, applied_at) VALUES ('m999_future', 'x')"
            )
    finally:
        await db.close()
    with pytest.raises(DatabaseError, match="newer version of Escale"):
        await open_database(database)


async def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "escale.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match=str(path)):
        await open_database(path)
    assert path.read_bytes() == b"this is not sqlite" * 100


async def test_a_failing_migration_leaves_no_trace(database: str | Path) -> None:
    async def broken(db: Transaction) -> None:
        await db.execute("CREATE TABLE half (x TEXT)")
        raise sqlite3.OperationalError("boom")

    migrations.MIGRATIONS.append(("m998_broken", broken))
    try:
        with pytest.raises(sqlite3.OperationalError):
            await open_database(database)
    finally:
        migrations.MIGRATIONS.pop()
    db = await open_database(database)
    try:
        assert "half" not in await _tables(db)
    finally:
        await db.close()


async def test_m004_cleans_stored_names_and_holds_one_role_per_account(
    database: str | Path,
) -> None:
    refused = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
    db = await open_database(database, upto="m003_meetings")
    try:
        async with db.transaction() as tx:
            for statement, params in (
                ("INSERT INTO users VALUES (1, 'Alice', NULL, NULL, '', NULL)", ()),
                ("INSERT INTO users VALUES (2, ?, NULL, NULL, '', NULL)", ("\u202eaeL\u200b",)),
                ("INSERT INTO workers VALUES (1, 'active', 9, '')", ()),
                ("INSERT INTO people VALUES (2, 1, ?, '')", ("L\u200bé\u2066a",)),
                ("INSERT INTO allies VALUES (1, 2, ?, 'friend', '')", ("Ma\u200drie",)),
            ):
                await tx.execute(statement, params)
        assert await migrations.upgrade(db, upto="m004_hardening") == ["m004_hardening"]
        rows = await db.fetchall(
            "SELECT u.display_name, p.label, a.name FROM users u JOIN people p "
            "ON p.user_id = u.id JOIN allies a ON a.person_id = u.id"
        )
        assert [tuple(row) for row in rows] == [("aeL", "Léa", "Marie")]
        with pytest.raises(refused, match="cannot be followed as a person"):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO people VALUES (1, 1, NULL, '')")
        with pytest.raises(refused, match="cannot be a worker"):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO workers VALUES (2, 'active', 9, '')")
    finally:
        await db.close()


async def test_instances_starting_together_apply_each_migration_once(
    database: str | Path,
) -> None:
    """Two openings at once (two instances of Escale on one PostgreSQL starting together, or
    a second SQLite opening refused by the lock): the schema comes out whole, each migration
    recorded once."""
    results = await asyncio.gather(
        open_database(database), open_database(database), return_exceptions=True
    )
    opened = [r for r in results if not isinstance(r, BaseException)]
    try:
        assert opened, results
        if isinstance(database, str):
            assert len(opened) == 2, results
        done = await migrations.applied(opened[0])
        assert done == [name for name, _ in migrations.MIGRATIONS]
    finally:
        for db in opened:
            await db.close()


async def test_m010_keeps_the_newest_thing_each_user_was_asked_to_type(
    database: str | Path,
) -> None:
    """The two tables of awaited text become one row per user: the newer question of the two."""
    db = await open_database(database, upto="m014_instances")
    try:
        async with db.transaction() as tx:
            for user_id in (1, 2, 3, 4):
                await tx.execute(
                    "INSERT INTO users (id, display_name, created_at) VALUES (?, ?, '')",
                    (user_id, f"User {user_id}"),
                )
            for statement in (
                # 1: a date asked after a part of what was agreed; 2: the other way round
                "INSERT INTO awaiting_date (user_id, person_id, proposed_at, created_at, purpose)"
                " VALUES (1, 4, '2026-12-03T09:00:00+00:00', '2026-11-25T10:00:00+00:00', 'date')",
                "INSERT INTO awaiting_text VALUES (1, 'ag_q', 7, NULL,"
                " '2026-11-25T09:00:00+00:00')",
                "INSERT INTO awaiting_date (user_id, person_id, created_at, purpose)"
                " VALUES (2, 4, '2026-11-25T09:00:00+00:00', 'date')",
                "INSERT INTO awaiting_text VALUES (2, 'ag_what', 7, 'worker', "
                "'2026-11-25T10:00:00+00:00')",
                # 3: topics only
                "INSERT INTO awaiting_text VALUES (3, 'tp_word', 5, NULL, "
                "'2026-11-25T08:00:00+00:00')",
            ):
                await tx.execute(statement)
        assert await migrations.upgrade(db) == ["m010_conversations"]
        rows = await db.fetchall(
            "SELECT user_id, purpose, since, person_id, target_id, part, proposed_at"
            " FROM conversations ORDER BY user_id"
        )
        assert [tuple(row) for row in rows] == [
            (1, "date", "2026-11-25T10:00:00+00:00", 4, None, None, "2026-12-03T09:00:00+00:00"),
            (2, "ag_what", "2026-11-25T10:00:00+00:00", None, 7, "worker", None),
            (3, "tp_word", "2026-11-25T08:00:00+00:00", None, 5, None, None),
        ]
        assert not {"awaiting_date", "awaiting_text"} & await _tables(db)
    finally:
        await db.close()
