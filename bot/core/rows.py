"""What every store shares: time as text in the database, and reading inside a transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.core.db import Row, Transaction


def to_db_time(moment: datetime) -> str:
    """A fixed-width UTC form, so that text comparison in SQL is time comparison."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def month_of(moment: datetime) -> str:
    """`2026-11`: the month a count belongs to (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def maybe_time(text: str | None) -> datetime | None:
    return None if text is None else from_db_time(text)


async def one(tx: Transaction, sql: str, params: tuple[Any, ...]) -> Row | None:
    """The first row of a statement run inside a transaction (an UPDATE … RETURNING, say)."""
    async with tx.execute(sql, params) as cursor:
        row: Row | None = await cursor.fetchone()
        return row
