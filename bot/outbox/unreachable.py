"""When Telegram refuses messages for someone (they blocked the bot), the right people hear of it.

A worker who cannot be reached leaves briefs waiting: the coordinators are told. A person who
cannot be reached misses what Escale sends them: their worker is told. The messages wait in
the outbox until the person writes to the bot again.
"""

from __future__ import annotations

from bot.accounts import staff_views as staff
from bot.context import Services
from bot.core.text import Reply
from bot.outbox.store import Outgoing
from bot.preparation import views as preparation_views


async def notices(svc: Services, chat_id: int) -> list[Outgoing]:
    """Who to tell that `chat_id` refuses the bot, in their language. The sender queues these
    in the transaction that marks the user unreachable, so they are queued exactly once."""
    account = await svc.repo.account(chat_id)
    if account is None:
        return []
    if account.worker_status is not None:
        recipients = sorted(svc.settings.admin_ids - {chat_id})
        build = staff.worker_unreachable
    elif account.worker_id is not None:
        recipients = [account.worker_id]
        build = staff.person_unreachable
    else:
        return []
    name = account.known_as
    messages = []
    for recipient in recipients:
        t = svc.translator_for(await svc.repo.account(recipient))
        messages.append(preparation_views.notice(t, recipient, Reply(build(t, name))))
    return messages
