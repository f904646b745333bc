"""When a brief ends undelivered (refused twice, or its arrival unknown twice), people hear of it.

The person learns, in their language, that their worker may not have it and what they can do;
the coordinators learn which brief did not reach which worker, never what it says. The
sender queues these with the row's end, once per brief, and keeps none of the brief's words.
"""

from __future__ import annotations

from bot.accounts import staff_views as staff
from bot.context import Services
from bot.core.text import Reply
from bot.outbox.store import OutboxRow, Outgoing
from bot.preparation import flow as preparation
from bot.preparation import views as preparation_views


async def notices(svc: Services, row: OutboxRow, uncertain: bool) -> list[Outgoing]:
    """Who to tell that `row` (a part of a brief) will not be sent again, in their language."""
    if row.purpose != "brief" or row.preparation_id is None:
        return []
    sent = await svc.preparations.get(row.preparation_id)
    if sent is None:
        return []
    person = await svc.repo.account(sent.person_id)
    worker = await svc.repo.account(row.chat_id)
    worker_name = worker.display_name if worker else ""
    reference = preparation.reference(sent.id)
    messages: list[Outgoing] = []
    if person is not None:
        t = svc.translator_for(person)
        text = preparation_views.brief_undelivered(t, worker_name, reference, uncertain)
        messages.append(preparation_views.notice(t, person.user_id, Reply(text)))
    for admin_id in sorted(svc.settings.admin_ids - {row.chat_id}):
        t = svc.translator_for(await svc.repo.account(admin_id))
        text = staff.brief_undelivered(t, worker_name, reference, uncertain)
        messages.append(preparation_views.notice(t, admin_id, Reply(text)))
    return messages
