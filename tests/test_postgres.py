"""What only the PostgreSQL engine does: placeholders, its URL, the elected leader, erasure.

The tests that need a server run when ESCALE_TEST_POSTGRES is set (tests/engines.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.accounts.store import Repository, TelegramProfile
from bot.core.config import ConfigError, load_settings, without_password
from bot.core.engines import open_database
from bot.core.postgres_db import PostgresDatabase, placeholders
from tests.engines import fresh_schema, postgres_pages, postgres_relations

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"


def test_placeholders_are_numbered_in_order_outside_quoted_text() -> None:
    assert placeholders("SELECT ? , ?") == "SELECT $1 , $2"
    assert placeholders("SELECT '?' || ? FROM \"a?b\" WHERE x = ?") == (
        "SELECT '?' || $1 FROM \"a?b\" WHERE x = $2"
    )
    assert placeholders("SELECT 'it''s ?' , ?") == "SELECT 'it''s ?' , $1"


def test_escale_database_takes_a_postgresql_url_and_never_shows_its_password() -> None:
    url = "postgresql://escale:s3cret@db.example:5432/escale"
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "ESCALE_DATABASE": url}, None)
    assert settings.database_url == url and settings.database == url
    assert "s3cret" not in settings.database_label
    assert settings.database_label == "postgresql://escale:***@db.example:5432/escale"
    assert without_password("postgresql://db.example/escale") == "postgresql://db.example/escale"
    path = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "ESCALE_DATABASE": "x.sqlite3"}, None)
    assert path.database_url is None and path.database == Path("x.sqlite3")
    with pytest.raises(ConfigError, match="without a host"):
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "ESCALE_DATABASE": "postgresql:///x"}, None)


def test_a_password_given_in_the_url_s_query_is_never_shown_either() -> None:
    """libpq and asyncpg also take the password as a query parameter (with a socket path as
    host, say): the label hides it there too, and keeps the rest as written."""
    url = "postgresql://escale@/escale?host=/run/postgresql&password=s3cret&sslmode=disable"
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "ESCALE_DATABASE": url}, None)
    assert settings.database_url == url
    assert "s3cret" not in settings.database_label
    assert settings.database_label == (
        "postgresql://escale@/escale?host=/run/postgresql&password=***&sslmode=disable"
    )
    both = "postgresql://escale:one@db.example/escale?password=two"
    assert without_password(both) == "postgresql://escale:***@db.example/escale?password=***"


async def test_an_unreachable_server_is_named_in_one_line_without_its_password() -> None:
    from bot.core.db import DatabaseError

    with pytest.raises(DatabaseError, match="cannot be reached") as refused:
        await open_database("postgresql://escale:s3cret@127.0.0.1:1/escale")
    assert "s3cret" not in str(refused.value)
    assert "postgresql://escale:***@127.0.0.1:1/escale" in str(refused.value)


@pytest.fixture
async def url() -> AsyncIterator[str]:
    async with fresh_schema() as found:
        yield found


@pytest.mark.postgresql
async def test_one_instance_leads_and_another_takes_over_when_it_dies(url: str) -> None:
    first = await open_database(url)
    second = await open_database(url)
    try:
        assert await first.lead("sender")
        assert await first.lead("sender"), "it stays the leader"
        assert not await second.lead("sender")
        assert await second.lead("other role"), "each role has its own lock"
        # The leader's process dies: the server drops its session, and with it the lock.
        assert isinstance(first, PostgresDatabase)
        pids = [c.get_server_pid() for c in first._leading.values()]
        killer = await asyncpg.connect(url)
        try:
            for pid in pids:
                await killer.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await killer.close()
        assert not await first.lead("sender"), "its connection is gone: it no longer leads"
        assert await second.lead("sender")
        assert not await first.lead("sender"), "asked again, on a new connection: taken"
    finally:
        await first.close()
        await second.close()


@pytest.mark.postgresql
async def test_transactions_of_several_connections_run_side_by_side(url: str) -> None:
    """Two transactions at once each on a connection of its own (SQLite would run them one
    after the other): the second is not kept waiting by the first, and both commit."""
    db = await open_database(url)
    first_in = asyncio.Event()
    try:

        async def slow() -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO chat_menus (chat_id, signature) VALUES (1, 'a')")
                first_in.set()
                await asyncio.wait_for(second_done.wait(), 10)

        second_done = asyncio.Event()

        async def quick() -> None:
            await first_in.wait()
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO chat_menus (chat_id, signature) VALUES (2, 'b')")
            second_done.set()

        await asyncio.gather(slow(), quick())
        rows = await db.fetchall("SELECT chat_id FROM chat_menus ORDER BY chat_id")
        assert [row["chat_id"] for row in rows] == [1, 2]
    finally:
        await db.close()


@pytest.mark.postgresql
async def test_forget_rewrites_the_tables_so_no_page_keeps_the_person(url: str) -> None:
    db = await open_database(url)
    try:
        repo = Repository(db)
        await repo.create_invitation("worker", "w", 1, None, NOW, NOW + timedelta(days=7))
        await repo.redeem_worker_invitation("w", TelegramProfile(10, "Alice", "fr"), NOW)
        invitation = await repo.create_invitation(
            "person", "p", 10, "Canarylabel", NOW, NOW + timedelta(days=7)
        )
        lea = TelegramProfile(20, "Canaryname", "fr")
        await repo.claim_person_invitation("p", lea.user_id, NOW)
        await repo.accept_person_invitation(invitation.id, lea, "fr", 1, NOW)
        pages = await postgres_pages(url)
        assert b"Canaryname" in pages and b"Canarylabel" in pages, "on disk before"
        assert await repo.forget_person(lea.user_id, NOW) == 10
        relations = await postgres_relations(url)
        for canary in (b"Canaryname", b"Canarylabel"):
            assert not [name for name, pages in relations.items() if canary in pages], canary
    finally:
        await db.close()
