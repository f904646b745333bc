"""One place decides what free text means: what its writer is in the middle of, read once for
the update (`context.conversation`), hands it to the feature that owns it — a part of what was
agreed, topics for a meeting, a meeting date, else the preparation (its answer, or help)."""

from __future__ import annotations

from telegram import Update

from bot.context import Caller, EscaleContext, Role
from bot.general.common_handlers import anyone
from bot.general.conversation_store import AGREEMENT, DATES, TOPICS
from bot.meetings import handlers as meetings
from bot.negotiation import agreements_handlers as agreements
from bot.negotiation import topics_handlers as topics
from bot.preparation import handlers as preparation


def _asked(context: EscaleContext) -> str | None:
    asked = context.conversation.asked
    return asked.purpose if asked else None


@anyone
async def text_received(update: Update, context: EscaleContext, caller: Caller) -> None:
    """Each owner says whether the text was theirs (a stale question is not): if not, it goes
    to the preparation, which answers with help outside one."""
    asked = _asked(context)
    if asked in AGREEMENT and await agreements.text_typed(update, context, caller):
        return
    if asked in TOPICS and await topics.typed(update, context, caller, voice=None):
        return
    if asked in DATES and await meetings.date_typed(update, context, caller):
        return
    await preparation.text_received(update, context, caller)


@anyone
async def voice_received(update: Update, context: EscaleContext, caller: Caller) -> None:
    """A voice note: a few words for the worker, topics, else an answer to the question."""
    asked = _asked(context)
    if asked in DATES and await meetings.voice_typed(update, context, caller):
        return
    voice = update.message.voice if update.message else None
    paused = caller.has(Role.PERSON) and context.conversation.paused  # the pause is said first
    if (
        asked in TOPICS
        and voice is not None
        and not paused
        and await topics.typed(update, context, caller, voice=voice.file_id)
    ):
        return
    await preparation.voice_received(update, context)
