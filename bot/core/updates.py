"""Which of Telegram's updates Escale takes, and what an update says about its sender.

Telegram sends far more than messages in private chats: a Business account's customers, guest
mentions in chats Escale is not part of, buttons of inline-mode messages. Escale asks only for
the updates it handles (`ALLOWED_UPDATES`), and its handlers still check, because updates
created before the list changed can arrive anyway. (Buttons pressed outside the presser's
private chat, inline-mode ones included, are stopped by `general.groups_handlers`; the second
and later messages of an album by `general.album_handlers`.)
"""

from __future__ import annotations

from typing import Literal

from telegram import ChatMember, Message, Update

# Someone else's words: a forwarded message, or one composed with another bot.
Origin = Literal["forwarded", "via_bot"]

# What Escale answers: messages (and edits) in private chats, its own buttons, being blocked,
# unblocked or added to a group, and channel posts (to leave the channel).
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CHANNEL_POST,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]


def in_private_chat(update: Update) -> bool:
    """The sender acting in their own private chat with Escale: a message, an edit, a press on
    one of Escale's messages, or blocking or restarting the bot. Never a business, guest or
    inline-mode update, whose chat is someone else's."""
    user = update.effective_user
    chat = None
    if update.message or update.edited_message:
        chat = (update.message or update.edited_message).chat  # type: ignore[union-attr]
    elif update.callback_query and update.callback_query.message:
        chat = update.callback_query.message.chat
    elif update.my_chat_member:
        chat = update.my_chat_member.chat
    return bool(user and chat and chat.type == chat.PRIVATE and chat.id == user.id)


def shows_reachable(update: Update) -> bool:
    """Whether the sender can receive Escale's messages now: they wrote, pressed, or restarted
    the bot. Blocking it (a `kicked` member update, which Telegram may send more than once)
    says the opposite."""
    if update.my_chat_member:
        return update.my_chat_member.new_chat_member.status == ChatMember.MEMBER
    return in_private_chat(update)


def origin_of(message: Message, bot_id: int) -> Origin | None:
    """Whether a message is someone else's words: forwarded, or composed with another bot."""
    if message.forward_origin is not None:
        return "forwarded"
    if message.via_bot is not None and message.via_bot.id != bot_id:
        return "via_bot"
    return None
