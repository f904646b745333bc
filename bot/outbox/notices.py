"""Queued notices in words: the outbox writes each one when it sends it (bot/outbox/sender.py).

Each feature's `notices.py` maps the kinds it queues (bot/core/notices.py) to a renderer; this
module gathers them, finds the recipient's language of now, and adds the note that heads a
message sent again. The outbox's own notices (someone unreachable, a brief undelivered) are
here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.accounts import staff_views as staff
from bot.context import Services
from bot.core.i18n import Translator
from bot.core.notices import NoticeKind
from bot.core.text import Reply
from bot.meetings import notices as meetings
from bot.negotiation import notices as negotiation
from bot.outbox.store import OutboxRow, Outgoing
from bot.outbox.writing import Renderer, Written, name_of
from bot.preparation import flow as preparation
from bot.preparation import notices as preparation_notices
from bot.preparation import views as preparation_views
from bot.service import notices as service


async def _person_unreachable(svc: Services, t: Translator, row: OutboxRow) -> Written:
    name = await name_of(svc, row.data["person"])
    return None if name is None else Reply(staff.person_unreachable(t, name))


async def _worker_unreachable(svc: Services, t: Translator, row: OutboxRow) -> Written:
    name = await name_of(svc, row.data["worker"])
    return None if name is None else Reply(staff.worker_unreachable(t, name))


async def _undelivered(svc: Services, t: Translator, row: OutboxRow) -> Written:
    worker = await name_of(svc, row.data["worker"], as_worker=True) or ""
    reference = preparation.reference(row.data["preparation"])
    uncertain = bool(row.data["uncertain"])
    if row.notice == NoticeKind.BRIEF_UNDELIVERED:
        return Reply(preparation_views.brief_undelivered(t, worker, reference, uncertain))
    return Reply(staff.brief_undelivered(t, worker, reference, uncertain))


RENDERERS: Mapping[NoticeKind, Renderer] = {
    **meetings.RENDERERS,
    **negotiation.RENDERERS,
    **service.RENDERERS,
    **preparation_notices.RENDERERS,
    NoticeKind.PERSON_UNREACHABLE: _person_unreachable,
    NoticeKind.WORKER_UNREACHABLE: _worker_unreachable,
    NoticeKind.BRIEF_UNDELIVERED: _undelivered,
    NoticeKind.BRIEF_UNDELIVERED_STAFF: _undelivered,
}


async def render(svc: Services, row: OutboxRow) -> Outgoing | None:
    """The notice `row` holds, in its recipient's language of now; None when there is
    nothing left to say. An unknown kind (a row from a newer Escale) raises."""
    kind = NoticeKind(row.notice or "")
    t = svc.translator_for(await svc.repo.account(row.chat_id))
    written = await RENDERERS[kind](svc, t, row)
    if written is None:
        return None
    note = preparation_views.repeat_note(t)
    if isinstance(written, Reply):
        return Outgoing(row.chat_id, "text", written.text, note, buttons=written.buttons)
    return replace(written, chat_id=row.chat_id, repeat_note=note)
