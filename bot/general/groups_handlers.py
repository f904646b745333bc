"""Escale lives in private chats only: in a group or channel it says so once and leaves."""

from __future__ import annotations

import logging

from telegram import ChatMember, Message, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import EscaleContext
from bot.general.common_handlers import send
from bot.general.views import button_private_only, private_only

log = logging.getLogger(__name__)


async def added_to_chat(update: Update, context: EscaleContext) -> None:
    """The bot was added to a group or channel (in a private chat: blocked or unblocked)."""
    change = update.my_chat_member
    if change is None or change.chat.type == change.chat.PRIVATE:
        return
    if change.new_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED):
        return
    await _say_and_leave(update, context)


async def message_in_group(update: Update, context: EscaleContext) -> None:
    await _say_and_leave(update, context)


async def _say_and_leave(update: Update, context: EscaleContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    catalogs = context.services.catalogs
    user = update.effective_user
    t = catalogs.get(catalogs.resolve(None, user.language_code if user else None))
    try:
        await send(context, chat.id, private_only(t))
    except TelegramError as error:
        log.info("group notice not sent chat=%s error=%s", chat.id, type(error).__name__)
    try:
        await context.bot.leave_chat(chat.id)
    except TelegramError as error:
        log.warning("could not leave chat=%s error=%s", chat.id, type(error).__name__)
    log.info("left non-private chat=%s type=%s", chat.id, chat.type)


async def button_outside_private(update: Update, context: EscaleContext) -> None:
    """Runs before every other handler: a button acts only in its presser's private chat.

    A press on a message in a group gets a short notice and nothing else: nothing is read,
    stored or posted there. A press on an inline-mode message (no message, no chat: Escale has
    no inline mode) gets a quiet answer."""
    query = update.callback_query
    if query is None:
        return
    message = query.message
    if (
        isinstance(message, Message)
        and message.chat.type == message.chat.PRIVATE
        and message.chat.id == query.from_user.id
    ):
        return
    if message is None:  # an inline-mode message: Escale has none, a quiet answer will do
        log.info("inline-mode button answered quietly user=%s", query.from_user.id)
        try:
            await query.answer()
        except TelegramError as error:
            log.info("button answer not sent error=%s", type(error).__name__)
        raise ApplicationHandlerStop
    catalogs = context.services.catalogs
    t = catalogs.get(catalogs.resolve(None, query.from_user.language_code))
    log.info("refused button outside a private chat user=%s", query.from_user.id)
    try:
        await query.answer(button_private_only(t), show_alert=True)
    except TelegramError as error:
        log.info("button notice not sent error=%s", type(error).__name__)
    raise ApplicationHandlerStop
