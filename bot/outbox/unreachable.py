"""When Telegram refuses messages for someone (they blocked the bot), the right people hear of it.

A worker who cannot be reached leaves briefs waiting: the coordinators are told. A person who
cannot be reached misses what Escale sends them: their worker is told. The messages wait in
the outbox until the person writes to the bot again.
"""

from __future__ import annotations

from bot.context import Services
from bot.core.notices import NoticeKind
from bot.outbox.store import Notice


async def notices(svc: Services, chat_id: int) -> list[Notice]:
    """Who to tell that `chat_id` refuses the bot. The sender queues these in the transaction
    that marks the user unreachable, so they are queued exactly once; each is written in its
    reader's language when it is sent."""
    account = await svc.repo.account(chat_id)
    if account is None:
        return []
    if account.worker_status is not None:
        return [
            Notice(admin, NoticeKind.WORKER_UNREACHABLE, {"worker": chat_id})
            for admin in sorted(svc.settings.admin_ids - {chat_id})
        ]
    if account.worker_id is not None:
        return [Notice(account.worker_id, NoticeKind.PERSON_UNREACHABLE, {"person": chat_id})]
    return []
