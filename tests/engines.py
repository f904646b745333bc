"""Both engines for the tests: SQLite always, PostgreSQL when ESCALE_TEST_POSTGRES names a server.

Each PostgreSQL test gets a schema of its own on that server (created before, dropped after):
faster than a database each, and as separate. `.ci/run` starts a throwaway server and sets the
variable; without it, the PostgreSQL variants are left out and the summary says so in one line.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import pytest

from bot.core.config import Settings

POSTGRES = os.environ.get("ESCALE_TEST_POSTGRES", "").strip()
NOT_RUN = "ESCALE_TEST_POSTGRES is not set (.ci/run starts a throwaway server and sets it)"

# Use as `params=ENGINES` of a fixture: each test that uses it runs once per engine.
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def in_schema(url: str, schema: str) -> str:
    """`url` with its connections' search_path set to `schema` (asyncpg passes unknown query
    parameters on as server settings)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"]
    query.append(("search_path", schema))
    return urlunsplit(parts._replace(query=urlencode(query)))


@asynccontextmanager
async def fresh_schema() -> AsyncIterator[str]:
    """A URL to an empty schema of its own on the test server, dropped afterwards."""
    if not POSTGRES:
        pytest.skip(NOT_RUN)
    schema = f"t_{secrets.token_hex(6)}"
    connection = await asyncpg.connect(POSTGRES)
    try:
        await connection.execute(f"CREATE SCHEMA {schema}")
    finally:
        await connection.close()
    try:
        yield in_schema(POSTGRES, schema)
    finally:
        connection = await asyncpg.connect(POSTGRES)
        try:
            await connection.execute(f"DROP SCHEMA {schema} CASCADE")
        finally:
            await connection.close()


def sqlite_files(path: Path) -> bytes:
    """Everything SQLite keeps for the database at `path`: main file, -wal and -shm."""
    found = b""
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            found += part.read_bytes()
    return found


async def postgres_pages(url: str) -> bytes:
    """Every page PostgreSQL holds for the schema of `url`: each table, index and TOAST table,
    read block by block through `pageinspect` (dead rows included, as on disk)."""
    return b"".join((await postgres_relations(url)).values())


async def postgres_relations(url: str) -> dict[str, bytes]:
    """The pages of each relation of the schema of `url`, by name (see `postgres_pages`)."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public")
        relations = await connection.fetch(
            """SELECT c.oid::regclass::text AS name, pg_relation_size(c.oid) AS size
               FROM pg_class c
               WHERE c.relkind IN ('r', 'i', 't')
                 AND (c.relnamespace = current_schema()::regnamespace
                      OR c.oid IN (SELECT reltoastrelid FROM pg_class
                                   WHERE relnamespace = current_schema()::regnamespace))"""
        )
        found: dict[str, bytes] = {}
        for relation in relations:
            pages = bytearray()
            for block in range(relation["size"] // 8192):
                pages += await connection.fetchval(
                    "SELECT public.get_raw_page($1, 'main', $2)", relation["name"], block
                )
            found[relation["name"]] = bytes(pages)
        return found
    finally:
        await connection.close()


async def stored_bytes(settings: Settings) -> bytes:
    """Everything the engine of `settings` keeps of Escale's data, as bytes: SQLite's files,
    or PostgreSQL's pages (tests/engines.py). Words absent from it are absent from the disk
    files of the database (what the write-ahead log and backups keep is said in the README)."""
    if settings.database_url:
        return await postgres_pages(settings.database_url)
    return sqlite_files(settings.database_path)


async def holders(settings: Settings, needle: bytes) -> list[str]:
    """Which relations still hold `needle` (PostgreSQL), for a failing check to say where."""
    if not settings.database_url:
        return []
    relations = await postgres_relations(settings.database_url)
    return sorted(name for name, pages in relations.items() if needle in pages)
