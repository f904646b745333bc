"""Commands for everyone (/help, /language, /privacy, /cancel) and the kind fallbacks."""

from __future__ import annotations

import logging

from telegram import Update

from bot.accounts import views as joining_texts
from bot.context import Caller, EscaleContext, Role
from bot.core import callbacks
from bot.general import views as general
from bot.general.common_handlers import (
    Buttons,
    Handler,
    answer,
    anyone,
    replace_buttons,
    worker_name,
)
from bot.general.conversation_store import DATES, NEGOTIATION
from bot.general.views import stale_button
from bot.meetings import views as meetings
from bot.negotiation.agreements import TEXT_WAIT

log = logging.getLogger(__name__)


@anyone
async def help_command(update: Update, context: EscaleContext, caller: Caller) -> None:
    """/help, and any free text outside a question: what this caller can do."""
    svc = context.services
    meeting = await svc.meetings.next_for(caller.id, svc.clock.now())
    name = await worker_name(context, caller)
    await answer(update, context, general.help_text(caller, name, meeting.at if meeting else None))


@anyone
async def privacy(update: Update, context: EscaleContext, caller: Caller) -> None:
    await answer(
        update,
        context,
        general.privacy(
            caller, await worker_name(context, caller), context.services.settings.retention
        ),
    )


@anyone
async def language(update: Update, context: EscaleContext, caller: Caller) -> None:
    catalogs = context.services.catalogs
    names = [(code, catalogs.native_name(code)) for code in catalogs.languages]
    await answer(update, context, general.language_choice(caller.t, names))


@anyone
async def language_chosen(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    code = context.matches[0][1]
    if code not in svc.catalogs.languages:
        await query.answer(stale_button(caller.t))
        return
    if not caller.roles:
        # A visitor: nothing is stored about them, so the choice cannot be kept; said in it.
        await query.answer()
        await replace_buttons(update, context, svc.catalogs.native_name(code))
        await answer(update, context, general.language_not_kept(svc.catalogs.get(code)))
        return
    await svc.repo.set_language(caller.profile, code, svc.clock.now())
    caller = await context.reload_caller()
    await query.answer()
    await replace_buttons(update, context, svc.catalogs.native_name(code))
    await answer(update, context, general.language_set(caller.t, svc.catalogs.native_name(code)))


@anyone
async def cancel(update: Update, context: EscaleContext, caller: Caller) -> None:
    """Stop what the caller is in the middle of: a text they were asked for (a date, a part of
    what was agreed, topics), else their preparation (paused), else a joining that awaits
    consent."""
    svc = context.services
    asked = context.conversation.asked
    if await context.stop_asking(DATES):
        await answer(update, context, meetings.date_dropped(caller.t))
        return
    if await context.stop_asking(NEGOTIATION):
        assert asked is not None
        if asked.since >= svc.clock.now() - TEXT_WAIT:  # else long forgotten: on to the next
            await answer(update, context, general.text_dropped(caller.t))
            return
    if caller.has(Role.PERSON) and await svc.preparations.set_paused(caller.id, True):
        await answer(update, context, general.preparation_paused(caller.t))
        return
    pending = await svc.repo.pending_invitation(caller.id, svc.clock.now())
    if pending and not caller.has(Role.PERSON):
        released = await svc.repo.release_claim(pending.id, caller.id)
        if released:
            await answer(update, context, joining_texts.not_now(caller.t, released))
            return
    await answer(update, context, general.nothing_to_cancel(caller.t))


@anyone
async def unknown_command(update: Update, context: EscaleContext, caller: Caller) -> None:
    await answer(update, context, general.unknown_command(caller.t))


@anyone
async def not_text(update: Update, context: EscaleContext, caller: Caller) -> None:
    await answer(update, context, general.text_only(caller.t))


@anyone
async def edited(update: Update, context: EscaleContext, caller: Caller) -> None:
    """An edit changes nothing in Escale; say so rather than stay silent."""
    await answer(update, context, general.edit_ignored(caller.t))


@anyone
async def stale_callback(update: Update, context: EscaleContext, caller: Caller) -> None:
    """A button Escale does not (or no longer) understand."""
    query = update.callback_query
    assert query is not None
    log.info("stale button user=%s", caller.id)
    await query.answer(stale_button(caller.t))


# What this feature answers: its commands and its buttons (bot/app.py registers them).
COMMANDS: dict[str, Handler] = {
    "help": help_command,
    "privacy": privacy,
    "language": language,
    "cancel": cancel,
}
BUTTONS: Buttons = [
    (callbacks.pattern(callbacks.LANGUAGE, r"[a-z]{2,3}(?:_[A-Z]{2})?"), language_chosen),
]
