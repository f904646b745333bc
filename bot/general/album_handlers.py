"""An album (several photos sent at once) arrives as one message each: it gets one reply."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import EscaleContext
from bot.core.updates import in_private_chat

log = logging.getLogger(__name__)


async def one_reply_per_album(update: Update, context: EscaleContext) -> None:
    """Runs before every handler: the second and later photos of an album are not answered,
    so an album gets one notice and the question once, not one per photo."""
    message = update.message
    if message is None or not message.media_group_id or not in_private_chat(update):
        return
    svc = context.services
    if not await svc.repo.first_of_album(message.chat.id, message.media_group_id, svc.clock.now()):
        log.info("album item not answered user=%s", message.chat.id)
        raise ApplicationHandlerStop
