"""Webhook mode's receiving end: each update handled once, before Telegram hears it arrived.

PTB's webhook server (tornado) awaits `update_queue.put(update)` before it answers Telegram.
Given `HandledBeforeAnswer` as the Application's update queue, that `put` runs the update
through the handlers first. So:

- an update Telegram sees acknowledged has been handled, its answers committed: an instance
  killed mid-update never answered, and Telegram posts that update again (to another instance
  behind the proxy, or to this one once it is back);
- Telegram keeps one update per chat in flight and sends a chat's next update only after the
  previous one was answered, so the updates of one chat are handled in order, one at a time,
  even when several instances share the work, while different chats run side by side;
- an update posted again after its handling committed (the answer to Telegram was lost, or
  the instance died just after the commit) changes nothing: its id is recorded as handled in
  the same transaction as the handler's first write (`RecordingDatabase`), or just after a
  handler that wrote nothing, and an update whose id is recorded is answered at once. Two
  posts of one update at the same moment (Telegram's timeout passed while the first was being
  handled) are handled one after the other on one instance, so the second finds it recorded;
  on two instances at that same moment, the second's first write is refused (AlreadyHandled),
  but a handler that only reads could still answer twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.core.clock import Clock
from bot.core.db import Database, Row, Transaction
from bot.service import receiving_store as store

log = logging.getLogger(__name__)

FORGET_EVERY = timedelta(hours=1)


class AlreadyHandled(Exception):
    """Another instance handled this update meanwhile: this handling is rolled back."""


@dataclass
class _Handling:
    update_id: int
    recorded: bool = False


# The update the current task is handling (webhook mode only), so its first write records it.
_HANDLING: ContextVar[_Handling | None] = ContextVar("escale_handling", default=None)


class RecordingDatabase(Database):
    """The database as handlers reach it in webhook mode: the first write transaction of an
    update also records its id as handled, so the two commit together or not at all."""

    def __init__(self, inner: Database, clock: Clock) -> None:
        self.inner = inner
        self.engine = inner.engine
        self.location = inner.location
        self.sole_instance = inner.sole_instance
        self._clock = clock

    def transaction(self, *, durable: bool = True) -> AbstractAsyncContextManager[Transaction]:
        return self._transaction(durable)

    @asynccontextmanager
    async def _transaction(self, durable: bool) -> AsyncIterator[Transaction]:
        handling = _HANDLING.get()
        if handling is not None and not handling.recorded:
            durable = True  # the record that the update was handled must survive a power cut
        async with self.inner.transaction(durable=durable) as tx:
            yield tx
            handling = _HANDLING.get()
            if handling is not None and not handling.recorded:
                if not await store.record(tx, handling.update_id, self._clock.now()):
                    raise AlreadyHandled(handling.update_id)
                handling.recorded = True

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        return await self.inner.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return await self.inner.fetchall(sql, params)

    async def scrub(self, *, erasure: bool = True) -> None:
        await self.inner.scrub(erasure=erasure)

    async def lead(self, role: str) -> bool:
        return await self.inner.lead(role)

    async def close(self) -> None:
        await self.inner.close()


class HandledBeforeAnswer(asyncio.Queue[object]):
    """An update queue whose `put` handles an update, once, before returning (see module)."""

    def __init__(self) -> None:
        super().__init__()
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._db: Database | None = None
        self._clock: Clock | None = None
        self._handling: dict[int, asyncio.Lock] = {}

    def attach(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._app = app

    def use(self, db: Database, clock: Clock) -> None:
        """Where handled ids are kept (set once the database is open, cleared at its close)."""
        self._db, self._clock = db, clock

    async def put(self, item: object) -> None:
        app, db, clock = self._app, self._db, self._clock
        if not isinstance(item, Update) or app is None:
            await super().put(item)  # PTB's own signals (its stop), never an update
            return
        try:
            await self._one_at_a_time(app, db, clock, item)
        except Exception as error:
            # Telegram is answered 500 and posts the update again; PTB would log this only at
            # DEBUG. The type alone: an error's text may quote what someone wrote.
            log.error("update not handled update=%s error=%s", item.update_id, type(error).__name__)
            raise

    async def _one_at_a_time(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        db: Database | None,
        clock: Clock | None,
        item: Update,
    ) -> None:
        if db is None or clock is None:
            raise RuntimeError("an update arrived before the database was open")
        # Two posts of one update at once (Telegram's timeout passed while it was handled
        # here): the second waits for the first, then finds it handled.
        lock = self._handling.setdefault(item.update_id, asyncio.Lock())
        try:
            async with lock:
                await self._handle_once(app, db, clock, item)
        finally:
            if not lock.locked():
                self._handling.pop(item.update_id, None)

    async def _handle_once(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        db: Database,
        clock: Clock,
        update: Update,
    ) -> None:
        if await store.was_handled(db, update.update_id):
            log.info("update posted again, already handled update=%s", update.update_id)
            return
        handling = _Handling(update.update_id)
        token = _HANDLING.set(handling)
        try:
            await app.update_processor.process_update(
                update, _unless_handled(app, db, handling, update)
            )
        finally:
            _HANDLING.reset(token)
        if not handling.recorded:  # nothing written: recorded now, so a repost stays quiet
            async with db.transaction() as tx:
                await store.record(tx, update.update_id, clock.now())


async def _unless_handled(
    app: Application[Any, Any, Any, Any, Any, Any], db: Database, handling: _Handling, item: Update
) -> None:
    """Handle the update, unless the same update, posted twice at once, was handled while this
    one waited for its chat's turn (`PerChatOrder` runs a chat's updates one after another)."""
    if await store.was_handled(db, item.update_id):
        log.info("update posted again, handled while it waited update=%s", item.update_id)
        handling.recorded = True
        return
    await app.process_update(item)


async def forget_old(db: Database, now: datetime) -> datetime:
    """A producer of the outbox sender: ids older than a day are dropped, once an hour."""
    dropped = await store.forget_old(db, now)
    if dropped:
        log.info("handled update ids forgotten count=%s", dropped)
    return now + FORGET_EVERY
