"""Retention's notices in words, written when the outbox sends them (bot/service/retention.py)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.context import Services
from bot.core.i18n import Translator
from bot.core.notices import NoticeKind
from bot.outbox.store import OutboxRow
from bot.outbox.writing import Renderer, Written, time_of
from bot.service import retention_views as views


async def _warning(svc: Services, t: Translator, row: OutboxRow) -> Written:
    return views.warning(t, time_of(row, "erase_on"), svc.settings.retention)


async def _erased(svc: Services, t: Translator, row: OutboxRow) -> Written:
    """With the name while it was kept; without it once the notice had to wait."""
    if row.erased_name is not None:
        return views.reached_its_end(t, row.erased_name)
    if row.data.get("paused"):
        return views.erased_while_paused(t)
    return views.erased_while_away(t)


RENDERERS: Mapping[NoticeKind, Renderer] = {
    NoticeKind.RETENTION_WARNING: _warning,
    NoticeKind.RETENTION_ERASED: _erased,
}
