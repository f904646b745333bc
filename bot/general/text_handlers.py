"""Free text goes to what its writer is in the middle of: a part of what was agreed, a meeting
date, a preparation, or help."""

from __future__ import annotations

from telegram import Update

from bot.context import Caller, EscaleContext
from bot.general.common_handlers import anyone
from bot.meetings import handlers as meetings
from bot.negotiation import agreements_handlers as agreements
from bot.negotiation import topics_handlers as topics
from bot.preparation import handlers as preparation


@anyone
async def text_received(update: Update, context: EscaleContext, caller: Caller) -> None:
    if await agreements.text_typed(update, context, caller):
        return
    if await topics.typed(update, context, caller, voice=None):
        return
    if await meetings.date_typed(update, context, caller):
        return
    await preparation.text_received(update, context, caller)


@anyone
async def voice_received(update: Update, context: EscaleContext, caller: Caller) -> None:
    if await meetings.voice_typed(update, context, caller):
        return
    await preparation.voice_received(update, context)
