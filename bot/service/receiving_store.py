"""The updates already handled, by id (the SQL): webhook mode's memory of what it has done."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.db import Database, Transaction
from bot.core.rows import one, to_db_time

# Telegram stops posting an update again well within a day; ids alone, kept that long.
KEEP = timedelta(days=1)


async def was_handled(db: Database, update_id: int) -> bool:
    row = await db.fetchone("SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,))
    return row is not None


async def record(tx: Transaction, update_id: int, now: datetime) -> bool:
    """Record `update_id` as handled in `tx`; False if it already was (by another instance)."""
    row = await one(
        tx,
        """INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)
           ON CONFLICT (update_id) DO NOTHING RETURNING update_id""",
        (update_id, to_db_time(now)),
    )
    return row is not None


async def forget_old(db: Database, now: datetime) -> int:
    """Drop the ids older than `KEEP`; how many went."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "DELETE FROM handled_updates WHERE handled_at < ?", (to_db_time(now - KEEP),)
        )
        return cursor.rowcount
