"""People and chats that talk to the bot through FakeTelegram, so tests read like dialogues.

Every action pushes a realistic update and then awaits ``settle(update_id)``, a callable the
test harness provides that returns once the bot has finished handling that update.
"""

from __future__ import annotations

import copy
import mimetypes
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from bot.emulator.server import Button, FakeTelegram, JsonDict, SentMessage, utf16_length

__all__ = [
    "BusinessAccount",
    "Settle",
    "TelegramChannel",
    "TelegramGroup",
    "TelegramUser",
    "together",
]

Settle = Callable[[int], Awaitable[None]]


@asynccontextmanager
async def together(*users: TelegramUser) -> AsyncIterator[None]:
    """What these users do inside the block reaches the bot at once, as if typed in the same
    instant: each action is pushed without waiting for the bot, and leaving the block waits
    until the bot has handled every one of them (a press inside returns None, unanswered yet)."""
    pushed: list[int] = []

    async def pushed_only(update_id: int) -> None:
        pushed.append(update_id)

    saved = [(user, user.settle) for user in users]
    for user in users:
        user.settle = pushed_only
    try:
        yield
    finally:
        for user, settle in saved:
            user.settle = settle
    if pushed:
        await saved[0][1](max(pushed))


def command_entities(text: str) -> list[JsonDict]:
    """The bot_command entity Telegram adds when a message starts with "/cmd" or "/cmd@bot"."""
    if not text.startswith("/"):
        return []
    first_word = text.split(maxsplit=1)[0]
    if len(first_word) < 2:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(first_word)}]


def _text_message(message: JsonDict, text: str) -> JsonDict:
    message["text"] = text
    entities = command_entities(text)
    if entities:
        message["entities"] = entities
    else:
        message.pop("entities", None)
    return message


class TelegramUser:
    """A person in a private chat with the bot."""

    def __init__(
        self,
        telegram: FakeTelegram,
        settle: Settle,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fr",
    ) -> None:
        self.telegram = telegram
        self.settle = settle
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self._sent: list[JsonDict] = []

    def __repr__(self) -> str:
        return f"TelegramUser({self.user_id}, {self.first_name!r})"

    # ------------------------------------------------------------------ payload pieces

    @property
    def user_dict(self) -> JsonDict:
        """This person as a Bot API User object (the ``from`` of their updates)."""
        user: JsonDict = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            user["last_name"] = self.last_name
        if self.username is not None:
            user["username"] = self.username
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user

    @property
    def chat_dict(self) -> JsonDict:
        """Their private chat with the bot as a Bot API Chat object."""
        chat: JsonDict = {"id": self.user_id, "type": "private", "first_name": self.first_name}
        if self.last_name is not None:
            chat["last_name"] = self.last_name
        if self.username is not None:
            chat["username"] = self.username
        return chat

    async def _push(self, payload: JsonDict, *, unfiltered: bool = False) -> None:
        await self.settle(self.telegram.push_update(payload, unfiltered=unfiltered))

    def _new_message(self, **content: Any) -> JsonDict:
        return {
            "message_id": self.telegram.next_message_id(self.user_id),
            "date": self.telegram.now(),
            "chat": self.chat_dict,
            "from": self.user_dict,
            **content,
        }

    async def _send_message(self, message: JsonDict) -> None:
        self._sent.append(message)
        await self._push({"message": copy.deepcopy(message)})

    def message_dict(self, text: str) -> JsonDict:
        """A text message as this person would send it, without sending it."""
        return _text_message(self._new_message(), text)

    # ------------------------------------------------------------------ actions

    async def send(self, text: str) -> None:
        """Type a text message (commands get their bot_command entity)."""
        await self._send_message(_text_message(self._new_message(), text))

    async def send_sticker(self, emoji: str = "👍") -> None:
        file_id, unique_id = self.telegram.new_file_ids("sticker")
        sticker: JsonDict = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 24_000,
        }
        await self._send_message(self._new_message(sticker=sticker))

    async def send_photo(self, caption: str | None = None) -> None:
        sizes: list[JsonDict] = []
        for width, height, size in ((90, 68, 1_500), (320, 240, 16_000), (1280, 960, 150_000)):
            file_id, unique_id = self.telegram.new_file_ids("photo")
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": width,
                    "height": height,
                    "file_size": size,
                }
            )
        message = self._new_message(photo=sizes)
        if caption is not None:
            message["caption"] = caption
        await self._send_message(message)

    async def send_voice(self, duration: int = 3) -> None:
        file_id, unique_id = self.telegram.new_file_ids("voice")
        voice: JsonDict = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4_000 * max(duration, 1),
        }
        await self._send_message(self._new_message(voice=voice))

    async def send_document(self, file_name: str = "x.pdf") -> None:
        file_id, unique_id = self.telegram.new_file_ids("document")
        document: JsonDict = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_name": file_name,
            "mime_type": mimetypes.guess_type(file_name)[0] or "application/octet-stream",
            "file_size": 20_000,
        }
        await self._send_message(self._new_message(document=document))

    async def send_forwarded(
        self, text: str | None = None, *, author: str = "Mme Martin", voice: bool = False
    ) -> None:
        """Forward someone else's message (a text, or a voice note): Telegram marks it with
        `forward_origin`; an author who hides their account is only a name."""
        origin: JsonDict = {
            "type": "hidden_user",
            "date": self.telegram.now() - 3600,
            "sender_user_name": author,
        }
        if voice:
            file_id, unique_id = self.telegram.new_file_ids("voice")
            content: JsonDict = {
                "voice": {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "duration": 4,
                    "mime_type": "audio/ogg",
                    "file_size": 16_000,
                }
            }
        else:
            content = {"text": text or ""}
        await self._send_message(self._new_message(forward_origin=origin, **content))

    async def send_via_bot(self, text: str, bot_username: str = "wiki") -> None:
        """A message composed with an inline bot ("@wiki Paris"): Telegram adds `via_bot`."""
        via: JsonDict = {
            "id": 777000 + len(bot_username),
            "is_bot": True,
            "first_name": bot_username.capitalize(),
            "username": bot_username,
        }
        await self._send_message(self._new_message(text=text, via_bot=via))

    async def send_album(self, count: int = 3, caption: str | None = None) -> None:
        """Several photos sent at once: Telegram delivers one message each, sharing a
        `media_group_id`, back to back (the caption rides on the first)."""
        group_id = f"1{self.user_id}{self.telegram.now()}{len(self._sent)}"
        last = 0
        for index in range(count):
            file_id, unique_id = self.telegram.new_file_ids("photo")
            photo: JsonDict = {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "width": 1280,
                "height": 960,
                "file_size": 150_000,
            }
            message = self._new_message(photo=[photo], media_group_id=group_id)
            if index == 0 and caption is not None:
                message["caption"] = caption
            self._sent.append(message)
            last = self.telegram.push_update({"message": copy.deepcopy(message)})
        await self.settle(last)

    async def blocks_bot(self) -> None:
        """The user blocks the bot: sends are refused with 403, and Telegram tells the bot with
        a `my_chat_member` update (again each time the client repeats it)."""
        self.telegram.block(self.user_id)
        await self._membership("member", "kicked")

    async def unblocks_bot(self) -> None:
        """The user unblocks (restarts) the bot: Telegram sends `my_chat_member` again."""
        self.telegram.unblock(self.user_id)
        await self._membership("kicked", "member")

    async def _membership(self, old: str, new: str) -> None:
        def member(status: str) -> JsonDict:
            fields: JsonDict = {"user": self.telegram.bot_user(), "status": status}
            if status == "kicked":
                fields["until_date"] = 0  # forever
            return fields

        await self._push(
            {
                "my_chat_member": {
                    "chat": self.chat_dict,
                    "from": self.user_dict,
                    "date": self.telegram.now(),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    async def press_inline(self, data: str = "anything") -> str | None:
        """Press a button of a message sent in inline mode: the query has an
        `inline_message_id` and no `message` (Escale has no inline mode, but it can happen)."""
        query_id = self.telegram.new_callback_query_id()
        query: JsonDict = {
            "id": query_id,
            "from": self.user_dict,
            "chat_instance": f"{self.user_id}-inline",
            "inline_message_id": f"AgAAA{query_id}",
            "data": data,
        }
        await self._push({"callback_query": query})
        answer = self.telegram.callback_answers.get(query_id)
        if answer is None:
            return None
        text = answer.get("text")
        return text if isinstance(text, str) else None

    async def calls_as_guest(self, text: str, other: TelegramUser) -> None:
        """The user mentions the bot in their chat with `other`, a chat the bot is not in:
        a `guest_message` update (Bot API 10)."""
        message: JsonDict = {
            "message_id": 5_000 + len(self._sent),
            "date": self.telegram.now(),
            "chat": {**other.chat_dict},
            "from": self.user_dict,
            "text": text,
            "guest_query_id": f"guest-{self.user_id}-{len(self._sent)}",
        }
        self._sent.append(message)
        await self._push({"guest_message": message})

    async def send_location(self, latitude: float = 48.8566, longitude: float = 2.3522) -> None:
        location: JsonDict = {"latitude": latitude, "longitude": longitude}
        await self._send_message(self._new_message(location=location))

    async def edit(self, original_text: str, new_text: str) -> None:
        """Edit the newest message this user sent with exactly ``original_text``."""
        for message in reversed(self._sent):
            if message.get("text") == original_text:
                _text_message(message, new_text)
                edited = copy.deepcopy(message)
                edited["edit_date"] = self.telegram.now()
                await self._push({"edited_message": edited})
                return
        sent = [message["text"] for message in self._sent if "text" in message]
        raise AssertionError(f"{self!r} never sent {original_text!r}; they sent {sent!r}")

    async def press(self, label: str) -> str | None:
        """Press the button with this label on the newest bot message that has one."""
        for message in reversed(self.messages):
            if message.deleted:
                continue
            for button in (button for row in message.buttons for button in row):
                if button.text != label:
                    continue
                if button.callback_data is None:
                    raise AssertionError(
                        f"button {label!r} in message {message.message_id} opens {button.url!r}; "
                        "it sends nothing to the bot"
                    )
                return await self._press(self.telegram.message_payload(message), button)
        raise AssertionError(
            f"{self!r} sees no button {label!r}; visible buttons: {self._visible_buttons()}"
        )

    async def press_data(self, data: str, message_id: int | None = None) -> str | None:
        """A forged or stale press: arbitrary callback data on a given (default newest) message."""
        messages = self.messages
        if message_id is None:
            if not messages:
                raise AssertionError(f"the bot has sent nothing to {self!r} yet")
            target: SentMessage | None = messages[-1]
        else:
            target = next((m for m in messages if m.message_id == message_id), None)
        if target is None or target.deleted:
            # What Telegram sends for a message the bot can no longer access.
            number = message_id if target is None else target.message_id
            payload: JsonDict = {"message_id": number, "date": 0, "chat": self.chat_dict}
        else:
            payload = self.telegram.message_payload(target)
        return await self._press(payload, Button(text="", callback_data=data))

    async def _press(self, message: JsonDict, button: Button) -> str | None:
        query_id = self.telegram.new_callback_query_id()
        query: JsonDict = {
            "id": query_id,
            "from": self.user_dict,
            "chat_instance": f"-{self.user_id}{self.telegram.bot_id}",
            "data": button.callback_data,
            "message": message,
        }
        await self._push({"callback_query": query})
        answer = self.telegram.callback_answers.get(query_id)
        if answer is None:
            return None
        text = answer.get("text")
        return text if isinstance(text, str) else None

    def _visible_buttons(self) -> str:
        listed = [
            f"message {message.message_id}: {self.buttons(message)}"
            for message in self.messages
            if not message.deleted and message.buttons
        ]
        return "; ".join(listed) or "none"

    # ------------------------------------------------------------------ what the user sees

    @property
    def messages(self) -> list[SentMessage]:
        """Everything the bot sent in this chat, oldest first (deleted ones flagged)."""
        return self.telegram.messages(self.user_id)

    @property
    def last(self) -> SentMessage:
        """The newest message still on screen."""
        visible = [message for message in self.messages if not message.deleted]
        if not visible:
            raise AssertionError(f"the bot has sent nothing (still visible) to {self!r}")
        return visible[-1]

    def texts(self) -> list[str]:
        """Texts (or captions) of the messages still on screen, oldest first."""
        return [message.text for message in self.messages if not message.deleted]

    def buttons(self, message: SentMessage | None = None) -> list[str]:
        """Button labels of a message (the newest one on screen by default), row by row."""
        target = message if message is not None else self.last
        return [button.text for row in target.buttons for button in row]

    def menu(self) -> list[str]:
        """Command names shown in this user's chat menu."""
        return [name for name, _ in self.telegram.commands_for(self.user_id, self.language_code)]

    def block(self) -> None:
        self.telegram.block(self.user_id)

    def unblock(self) -> None:
        self.telegram.unblock(self.user_id)


class _SharedChat:
    """A group, supergroup or channel: somewhere Escale must not stay."""

    def __init__(
        self, telegram: FakeTelegram, settle: Settle, *, chat_id: int, title: str, kind: str
    ) -> None:
        self.telegram = telegram
        self.settle = settle
        self.chat_id = chat_id
        self.title = title
        self.kind = kind

    @property
    def chat_dict(self) -> JsonDict:
        return {"id": self.chat_id, "type": self.kind, "title": self.title}

    async def _push(self, payload: JsonDict) -> None:
        await self.settle(self.telegram.push_update(payload))

    async def _bot_joins(self, by: TelegramUser, membership: JsonDict) -> None:
        """A my_chat_member update: ``by`` brings the bot from "left" to ``membership``."""
        bot = self.telegram.bot_user()
        await self._push(
            {
                "my_chat_member": {
                    "chat": self.chat_dict,
                    "from": by.user_dict,
                    "date": self.telegram.now(),
                    "old_chat_member": {"user": bot, "status": "left"},
                    "new_chat_member": {"user": bot, **membership},
                }
            }
        )

    @property
    def messages(self) -> list[SentMessage]:
        return self.telegram.messages(self.chat_id)

    @property
    def left(self) -> bool:
        """Whether the bot left (or was removed from) the chat."""
        return self.chat_id in self.telegram.left_chats


class TelegramGroup(_SharedChat):
    """A group or supergroup the bot may be added to."""

    def __init__(
        self,
        telegram: FakeTelegram,
        settle: Settle,
        *,
        chat_id: int = -1001234,
        title: str = "Team",
        kind: str = "supergroup",
    ) -> None:
        if kind not in ("group", "supergroup"):
            raise ValueError(f"kind must be 'group' or 'supergroup', not {kind!r}")
        super().__init__(telegram, settle, chat_id=chat_id, title=title, kind=kind)

    async def add_bot(self, by: TelegramUser) -> None:
        """``by`` adds the bot as a plain member."""
        await self._bot_joins(by, {"status": "member"})

    async def send(self, by: TelegramUser, text: str) -> None:
        message: JsonDict = {
            "message_id": self.telegram.next_message_id(self.chat_id),
            "date": self.telegram.now(),
            "chat": self.chat_dict,
            "from": by.user_dict,
        }
        await self._push({"message": _text_message(message, text)})


class TelegramChannel(_SharedChat):
    """A channel the bot may be made administrator of."""

    def __init__(
        self,
        telegram: FakeTelegram,
        settle: Settle,
        *,
        chat_id: int = -1009876,
        title: str = "News",
    ) -> None:
        super().__init__(telegram, settle, chat_id=chat_id, title=title, kind="channel")

    async def add_bot(self, by: TelegramUser) -> None:
        """``by`` makes the bot an administrator of the channel."""
        await self._bot_joins(
            by,
            {
                "status": "administrator",
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": False,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_post_messages": True,
                "can_edit_messages": True,
            },
        )


class BusinessAccount:
    """A Telegram Business account that connected the bot to answer its customers.

    The updates it brings are about someone else's chat: its customers never wrote to the bot,
    and Telegram does not let the bot write to them except on the account's behalf. Updates
    are pushed `unfiltered`, as if created before the bot narrowed its allowed_updates, so a
    test can check that handlers leave them alone too.
    """

    def __init__(
        self, telegram: FakeTelegram, settle: Settle, owner: TelegramUser, connection_id: str
    ) -> None:
        self.telegram = telegram
        self.settle = settle
        self.owner = owner
        self.connection_id = connection_id
        self._next_id = 100

    async def _push(self, payload: JsonDict) -> None:
        await self.settle(self.telegram.push_update(payload, unfiltered=True))

    async def connect(self) -> None:
        await self._push(
            {
                "business_connection": {
                    "id": self.connection_id,
                    "user": self.owner.user_dict,
                    "user_chat_id": self.owner.user_id,
                    "date": self.telegram.now(),
                    "is_enabled": True,
                    "rights": {"can_reply": True},
                }
            }
        )

    def _message(self, customer: TelegramUser, text: str, message_id: int) -> JsonDict:
        return {
            "business_connection_id": self.connection_id,
            "message_id": message_id,
            "date": self.telegram.now(),
            "chat": customer.chat_dict,
            "from": customer.user_dict,
            "text": text,
        }

    async def customer_writes(self, customer: TelegramUser, text: str) -> int:
        """A customer writes to the business account; returns the message id."""
        self._next_id += 1
        await self._push({"business_message": self._message(customer, text, self._next_id)})
        return self._next_id

    async def customer_edits(self, customer: TelegramUser, message_id: int, text: str) -> None:
        edited = self._message(customer, text, message_id)
        edited["edit_date"] = self.telegram.now()
        await self._push({"edited_business_message": edited})

    async def customer_deletes(self, customer: TelegramUser, message_id: int) -> None:
        await self._push(
            {
                "deleted_business_messages": {
                    "business_connection_id": self.connection_id,
                    "chat": customer.chat_dict,
                    "message_ids": [message_id],
                }
            }
        )
