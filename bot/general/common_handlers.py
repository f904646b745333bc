"""Plumbing shared by handlers: replying, telling someone else, checking roles on every update."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.accounts.staff_views import suspended_notice
from bot.accounts.store import Account
from bot.context import Caller, EscaleContext, Role, identify
from bot.core.i18n import Translator
from bot.core.text import NO_PREVIEW, Reply
from bot.core.updates import in_private_chat, shows_reachable
from bot.general import menus_handlers as menus
from bot.general.views import stale_button, unknown_command

log = logging.getLogger(__name__)

T = TypeVar("T")


ACTIVITY_GRAIN = timedelta(hours=1)  # a person's activity is written at most this often

CallerHandler = Callable[[Update, EscaleContext, Caller], Awaitable[None]]
Handler = Callable[[Update, EscaleContext], Coroutine[Any, Any, None]]
Buttons = list[tuple[re.Pattern[str], Handler]]  # a button's payload pattern, and its handler


async def send(context: EscaleContext, chat_id: int, reply: Reply) -> Message:
    message: Message = await context.bot.send_message(
        chat_id,
        reply.text,
        parse_mode=ParseMode.HTML,
        reply_markup=reply.markup,
        link_preview_options=NO_PREVIEW,
    )
    return message


async def answer(update: Update, context: EscaleContext, reply: Reply) -> Message:
    """Reply in the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    return await send(context, chat.id, reply)


async def show_in_place(update: Update, reply: Reply) -> None:
    """Replace the pressed button's message; unchanged content is not an error."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(
            reply.text,
            parse_mode=ParseMode.HTML,
            reply_markup=reply.markup,
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def beside(edit: Coroutine[Any, Any, None], sending: Awaitable[T]) -> T:
    """Send while an older message changes (`edit`, which logs its own failures and never
    raises a TelegramError): neither waits for the other, and the person reads the new
    message as soon as it is sent. Under load each call waits its turn, so doing the two
    one after the other cost the person a whole turn more."""
    editing = asyncio.ensure_future(edit)
    try:
        return await sending
    finally:
        await editing


async def replace_buttons(update: Update, context: EscaleContext, footer: str) -> None:
    """After a button is pressed: keep the message, drop its buttons, add what was chosen.

    `footer` is HTML: any user-written part of it must be escaped by the caller."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message) or not query.message.text_html:
        return
    try:
        await query.message.edit_text(
            f"{query.message.text_html}\n\n<i>{footer}</i>",
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
        )
    except TelegramError as error:  # its text may quote what was written: log the type only
        log.info(
            "buttons not replaced message=%s error=%s",
            query.message.message_id,
            type(error).__name__,
        )
        if isinstance(error, BadRequest):  # the text came back in a form Telegram refuses
            await _drop_markup(query.message)


async def _drop_markup(message: Message) -> None:
    """At least the pressed buttons go, when the message cannot be rewritten."""
    try:
        await message.edit_reply_markup(None)
    except TelegramError as error:
        log.info(
            "buttons not removed message=%s error=%s", message.message_id, type(error).__name__
        )


async def tell(
    context: EscaleContext,
    user_id: int,
    account: Account | None,
    build: Callable[[Translator], Reply],
) -> None:
    """Send a notice to another user, in their language; a failure is logged, not raised."""
    try:
        await send(context, user_id, build(context.services.translator_for(account)))
    except TelegramError as error:
        log.warning("notice not delivered user=%s error=%s", user_id, type(error).__name__)


class CallerUnread(Exception):
    """Who is speaking could not be read (the database failed): the error handler says sorry
    once, and no later handler runs without a caller. The cause is the real error."""


async def who_is_speaking(update: Update, context: EscaleContext) -> None:
    """Runs before every feature's handler: who sent this private update, read once (their
    account, roles and language), carried on the update's context for every later handler."""
    user = update.effective_user
    if user is None or not in_private_chat(update):
        return  # a group, a channel, a business customer: no handler there asks who it is
    try:
        caller, speaker = await identify(context.services, user)
    except Exception as error:
        raise CallerUnread(user.id) from error
    context.understand(caller, speaker)


def requires(*roles: Role) -> Callable[[CallerHandler], Handler]:
    """Run the handler only for callers holding one of `roles`, as read at the start of this
    very update (never cached across updates).

    Anyone else gets exactly what an unknown command gets (a stale-button notice for buttons);
    a suspended worker is told their access is paused.
    """

    def decorate(handler: CallerHandler) -> Handler:
        @functools.wraps(handler)
        async def checked(update: Update, context: EscaleContext) -> None:
            caller = context.caller
            if any(caller.has(role) for role in roles):
                await handler(update, context, caller)
                return
            log.info("refused role=%s user=%s", "|".join(r.value for r in roles), caller.id)
            if update.callback_query:
                await update.callback_query.answer(stale_button(caller.t))
            elif Role.WORKER in roles and caller.account and caller.account.worker_status:
                await answer(update, context, suspended_notice(caller.t))
            else:
                await answer(update, context, unknown_command(caller.t))

        return checked

    return decorate


def anyone(handler: CallerHandler) -> Handler:
    """Run the handler for any sender, with who they are as this update found them."""

    @functools.wraps(handler)
    async def identified(update: Update, context: EscaleContext) -> None:
        await handler(update, context, context.caller)

    return identified


async def worker_name(context: EscaleContext, caller: Caller) -> str | None:
    """The display name of the worker following the caller, if the caller is a person (read
    with the caller at the start of the update, unless a handler changed the account since)."""
    if caller.account is None or caller.account.worker_id is None:
        return None
    if caller.knows_worker:
        return caller.worker_name
    worker = await context.services.repo.account(caller.account.worker_id)
    return worker.display_name if worker else None


async def after_private_update(update: Update, context: EscaleContext) -> None:
    """Runs after every private update's handler: the sender's menu follows what just changed,
    and someone Telegram had refused messages for gets what was held for them, once they can
    receive it again (blocking the bot, even twice, releases nothing)."""
    user = update.effective_user
    if user is None or not in_private_chat(update):
        return  # a business customer, a guest mention, an inline-mode button: not Escale's chat
    if not shows_reachable(update):
        return  # they blocked the bot: no activity, nothing released, no menu to set
    svc = context.services
    # As the update left it: a handler that changed the account (joining, /language, /forget)
    # has told the context.
    caller = context.caller
    account = caller.account
    now = svc.clock.now()
    if (
        account
        and account.is_person
        and (account.last_active is None or account.last_active <= now - ACTIVITY_GRAIN)
    ):
        await svc.repo.touch(user.id, now)
    if account and account.unreachable and await svc.outbox.release_chat(user.id, now):
        log.info("reachable again user=%s", user.id)
        svc.deliver()
    await menus.sync_chat_menu(
        context.bot,
        svc.repo,
        user.id,
        caller.roles,
        caller.t,
        chose_language=bool(account and account.language),
        shown=context.menu_signature,
    )
