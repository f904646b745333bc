"""The preparation's notices in words, written when the outbox sends them (bot/preparation/brief.py
queues them)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.context import Services
from bot.core.i18n import Translator
from bot.core.notices import NoticeKind
from bot.core.text import Reply
from bot.outbox.store import OutboxRow
from bot.outbox.writing import Renderer, Written, name_of
from bot.preparation import flow as preparation
from bot.preparation import views


async def _read(svc: Services, t: Translator, row: OutboxRow) -> Written:
    worker = await name_of(svc, row.data["worker"], as_worker=True)
    if worker is None:
        return None
    reference = preparation.reference(row.data["preparation"])
    return Reply(views.brief_read(t, worker, reference))


RENDERERS: Mapping[NoticeKind, Renderer] = {NoticeKind.BRIEF_READ: _read}
