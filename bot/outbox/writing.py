"""What every feature's notice renderers share: their shape, and reading names and times.

A renderer (`<feature>/notices.py`) is given the services, the recipient's translator and the
queued row, and returns the message to send — a Reply (text and buttons), or an Outgoing for
a voice or a file — or None when there is nothing left to say.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.context import Services
from bot.core.i18n import Translator
from bot.core.rows import from_db_time
from bot.core.text import Reply
from bot.outbox.store import OutboxRow, Outgoing

Written = Reply | Outgoing | None
Renderer = Callable[[Services, Translator, OutboxRow], Awaitable[Written]]


async def name_of(svc: Services, user_id: int, *, as_worker: bool = False) -> str | None:
    """A user's name now, as their reader knows it: a person as their worker calls them, a
    worker by their own name; None for someone no longer there (erased)."""
    account = await svc.repo.account(user_id)
    if account is None:
        return None
    return account.display_name if as_worker else account.known_as


def time_of(row: OutboxRow, key: str) -> datetime:
    return from_db_time(row.data[key])
