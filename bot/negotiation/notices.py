"""What was agreed: the worker's offer after a meeting, in words when the outbox sends it."""

from __future__ import annotations

from collections.abc import Mapping

from bot.context import Services
from bot.core.i18n import Translator
from bot.core.notices import NoticeKind
from bot.negotiation import agreements_views as views
from bot.negotiation import topics_views
from bot.outbox.store import OutboxRow
from bot.outbox.writing import Renderer, Written, name_of, time_of


async def _offer(svc: Services, t: Translator, row: OutboxRow) -> Written:
    name = await name_of(svc, row.data["person"])
    if name is None:
        return None
    return views.offer(t, name, time_of(row, "at"), row.data["meeting"])


async def _topic_reply(svc: Services, t: Translator, row: OutboxRow) -> Written:
    """The person's answer and comment, read from the topic."""
    name = await name_of(svc, row.data["person"])
    topic_list = await svc.topics.list_of_topic(row.data["topic"])
    topic = (
        next((x for x in topic_list.topics if x.id == row.data["topic"]), None)
        if topic_list
        else None
    )
    if name is None or topic is None or topic.reply is None:
        return None
    return topics_views.reply_notice(t, name, topic, topic.reply, topic.comment)


RENDERERS: Mapping[NoticeKind, Renderer] = {
    NoticeKind.AGREEMENT_OFFER: _offer,
    NoticeKind.TOPIC_REPLY: _topic_reply,
}
