"""When a brief ends undelivered (refused twice, or its arrival unknown twice), people hear of it.

The person learns, in their language, that their worker may not have it and what they can do;
the coordinators learn which brief did not reach which worker, never what it says. The
sender queues these with the row's end, once per brief, and keeps none of the brief's words.
"""

from __future__ import annotations

from bot.context import Services
from bot.core.notices import NoticeKind
from bot.outbox.store import Notice, OutboxRow


async def notices(svc: Services, row: OutboxRow, uncertain: bool) -> list[Notice]:
    """Who to tell that `row` (a part of a brief) will not be sent again."""
    if row.purpose != "brief" or row.preparation_id is None:
        return []
    sent = await svc.preparations.get(row.preparation_id)
    if sent is None:
        return []
    data = {"preparation": sent.id, "worker": row.chat_id, "uncertain": uncertain}
    told = [Notice(sent.person_id, NoticeKind.BRIEF_UNDELIVERED, data)]
    return told + [
        Notice(admin, NoticeKind.BRIEF_UNDELIVERED_STAFF, data)
        for admin in sorted(svc.settings.admin_ids - {row.chat_id})
    ]
