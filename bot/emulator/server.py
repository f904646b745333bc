"""A fake Telegram Bot API on loopback HTTP, so the real PTB stack runs unchanged in tests.

It keeps what the bot did (calls, messages per chat, commands...) for assertions, validates
requests the way Telegram does (so mistakes fail in tests rather than in production), and can
inject faults (errors, rate limits, connections dropped after the call took effect) for retry
logic.

Like Telegram, it delivers updates either to `getUpdates` (long polling) or, once the bot set a
webhook (`setWebhook`), by POSTing each one to that URL with the secret token in the
`X-Telegram-Bot-Api-Secret-Token` header: one update per chat in flight (a chat's next update
only after the previous one was answered 2xx), chats side by side up to `max_connections`, and
an update answered otherwise (or not at all) sent again after a growing delay. `getUpdates`
answers 409 while a webhook is set; `getWebhookInfo` tells the pending count and last error.

It answers the way Telegram does where a simpler fake would not: a sent message comes back
with its formatting as `entities` (see `entities.py`); only the update types named in the
bot's last `allowed_updates` are delivered (the others are kept in `withheld`); and the bot may
write only to private chats whose user wrote to it or started it — anyone else gets 403, and
the attempt is recorded in `uninvited`, which the test suite checks after every test.
"""

from __future__ import annotations

import asyncio
import copy
import html
import json
import logging
import re
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

import aiohttp
from aiohttp import web

from .entities import detected_entities, entities_from_html
from .html_check import HtmlError, analyse_telegram_html

__all__ = [
    "ApiCall",
    "Button",
    "FakeTelegram",
    "MessageKind",
    "SentMessage",
    "UploadedFile",
    "WebhookAttempt",
]

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]
MessageKind = Literal["text", "photo", "document", "voice"]
Handler = Callable[[JsonDict, "dict[str, UploadedFile]"], Awaitable[Any]]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_ANSWER_TEXT = 200
MAX_COMMANDS = 100
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"

_PATH_RE = re.compile(r"/bot([^/]+)/([^/]+)/?")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_URL_RE = re.compile(r"(https?|tg)://\S+", re.IGNORECASE)

# Parameters whose value is always text, so they must never be JSON-decoded ("123" stays "123").
_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "language_code",
        "action",
        "photo",
        "document",
        "voice",
        "audio",
        "video",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "title",
        "description",
        "short_description",
        "name",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "custom_title",
        "secret_token",
        "ip_address",
        "file_id",
        "query",
        "first_name",
        "last_name",
        "phone_number",
        "address",
        "question",
        "explanation",
        "payload",
        "currency",
    }
)
_INLINE_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
# The update types, and which of them Telegram sends when allowed_updates was never given.
UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "guest_message",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
    "managed_bot",
)
DEFAULT_UPDATE_TYPES = frozenset(UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
# Where an update names a user the bot has thereby seen (not a chat they opened with it).
_USER_KEYS = frozenset({"from", "user", "sender_user", "via_bot", "guest_bot_caller_user"})
# Updates whose message is in the chat it came from (a business message is in someone
# else's chat, a guest message in a chat the bot is not part of).
_OWN_CHAT_MESSAGES = ("message", "edited_message", "channel_post", "edited_channel_post")
_RATE_LIMITED = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendVoice"})


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded, kept byte for byte so tests can inspect it."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made, with JSON-encoded parameters already decoded.

    `status` is the answer the call produced; when `dropped`, the bot never received it.
    """

    method: str
    params: JsonDict
    files: dict[str, UploadedFile]
    status: int
    dropped: bool = False


@dataclass(frozen=True)
class Button:
    """An inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class SentMessage:
    """A message the bot sent; edit methods change it in place so tests see the latest state."""

    message_id: int
    chat_id: int
    kind: MessageKind
    html: str | None
    parse_mode: str | None
    text: str
    reply_markup: JsonDict | None
    buttons: list[list[Button]]
    protect_content: bool
    date: int
    file: UploadedFile | str | None = None
    edits: int = 0
    deleted: bool = False
    edit_date: int | None = None
    media: JsonDict = field(default_factory=dict, repr=False)
    entities: list[JsonDict] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class _Rendered:
    """A text as Telegram stores it: what shows, its canonical formatting, its entities."""

    text: str
    canonical: str
    entities: list[JsonDict]


@dataclass(frozen=True)
class _Fault:
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None

    def applies_to(self, params: JsonDict) -> bool:
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


class _ApiError(Exception):
    """Raised inside handlers; becomes Telegram's error envelope."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JsonDict:
        envelope: JsonDict = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            envelope["parameters"] = self.parameters
        return envelope


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of an update to the bot's webhook: the answer's status, None if none came."""

    update_id: int
    status: int | None
    with_secret: bool


@dataclass
class _Webhook:
    url: str
    secret: str | None
    max_connections: int


WEBHOOK_FIRST_RETRY = 0.05  # seconds; doubled at each failure of the same update
WEBHOOK_LONGEST_RETRY = 2.0
WEBHOOK_TIMEOUT = 60.0  # Telegram gives a webhook about a minute to answer
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _queue_key(update: JsonDict) -> tuple[str, int]:
    """Which of Telegram's delivery queues an update joins: its chat's, else its sender's."""
    for value in update.values():
        if not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return ("chat", int(chat["id"]))
        sender = value.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return ("user", int(sender["id"]))
    return ("update", int(update["update_id"]))


class _Signal:
    """Wakes every current waiter; usable from sync code (unlike asyncio.Condition)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self) -> None:
        await self._event.wait()


def _json_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars): what every update and message
    the fake hands out is, and several times cheaper than `copy.deepcopy`, which a load
    benchmark's fake spent a fifth of its time in."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_copy(item) for item in value]
    return value


def utf16_length(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji usually counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _decode_param(name: str, value: str) -> Any:
    """PTB JSON-encodes every non-str value; undo that except for text parameters."""
    if name in _TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG; None when it is not an image we recognise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            (length,) = struct.unpack(">H", data[index + 2 : index + 4])
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + int(length)
        return 512, 512
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512
    return None


def _inline_rows(markup: JsonDict | None) -> list[Any] | None:
    """The inline keyboard rows, or None when there is no (or an empty) inline keyboard."""
    if not markup:
        return None
    rows = markup.get("inline_keyboard")
    if not rows or not any(rows):
        return None
    return list(rows)


class FakeTelegram:
    """The fake server; see the module docstring. Use as ``async with FakeTelegram() as tg``."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-fake-token",
        bot_id: int = 123456,
        bot_username: str = "escale_test_bot",
        bot_first_name: str = "Escale",
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._monotonic = monotonic
        self._wall_clock = wall_clock

        self.calls: list[ApiCall] = []
        self.unknown_methods: list[str] = []
        self.updates: list[JsonDict] = []
        self.withheld: list[JsonDict] = []
        self.commands: dict[tuple[str, int | None, str], list[tuple[str, str]]] = {}
        self.left_chats: set[int] = set()
        self.blocked: set[int] = set()
        # Private chats a user opened by writing to (or starting) the bot; the bot may write
        # nowhere else in private. Every attempt elsewhere is kept in `uninvited` (chat ids).
        self.opened_chats: set[int] = set()
        self.uninvited: list[int] = []
        # None: Telegram's default (every type but chat_member and the reactions).
        self.allowed_updates: frozenset[str] | None = None
        self.callback_answers: dict[str, JsonDict] = {}
        self.menu_buttons: dict[int | None, JsonDict] = {}
        self.throttled = 0

        self._pending: list[JsonDict] = []
        self._next_update_id = 1
        self._chats: dict[int, JsonDict] = {}
        self._messages: dict[int, list[SentMessage]] = {}
        self._message_counters: dict[int, int] = {}
        self._incoming: dict[int, set[int]] = {}
        self._callback_ids: set[str] = set()
        self._file_ids: dict[str, UploadedFile | None] = {}
        self._file_counter = 0
        self._callback_counter = 0
        self._faults: dict[str, deque[_Fault]] = {}
        self._drops: dict[str, int] = {}
        self._answers: dict[str, deque[Any]] = {}
        self._late: dict[str, Callable[[], Awaitable[object]]] = {}
        self._per_second: int | None = None
        self._send_times: deque[float] = deque()
        self._max_offset = 0
        self._polls = 0
        self._conflicts = 0  # getUpdates calls to end with 409, as when another client polls
        self._closing = False
        self._updates_signal = _Signal()
        self._fetch_signal = _Signal()
        self._poll_signal = _Signal()
        self._call_signal = _Signal()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._observers: list[Callable[[ApiCall], None]] = []
        # Webhook mode (None: long polling). `delivered` lists the updates the bot answered 2xx.
        self.webhook: _Webhook | None = None
        self.webhook_attempts: list[WebhookAttempt] = []
        self.delivered: list[int] = []
        self._delivered: set[int] = set()
        self._webhook_error: tuple[int, str] | None = None
        self._in_flight: set[tuple[str, int]] = set()
        self._retry_at: dict[int, float] = {}
        self._retry_delay: dict[int, float] = {}
        self._delivery_signal = _Signal()
        self._attempt_signal = _Signal()
        self._delivery_task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()

        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "close": self._true,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendVoice": self._send_voice,
            "leaveChat": self._leave_chat,
            "setChatMenuButton": self._set_chat_menu_button,
            "sendChatAction": self._send_chat_action,
        }
        # Telegram method names are case-insensitive.
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on an ephemeral loopback port."""
        if self._runner is not None:
            raise RuntimeError("FakeTelegram already started")
        self._closing = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Release held long polls first so the server shuts down at once."""
        self._closing = True
        self._updates_signal.notify()
        await self._stop_delivering()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``Bot(base_url=...)``: PTB appends the token itself."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ inbound updates

    def push_update(self, payload: JsonDict, *, unfiltered: bool = False) -> int:
        """Queue an update for the bot (users -> bot) and wake a pending long poll.

        Like Telegram, an update of a type the bot did not ask for (`allowed_updates` of its
        last getUpdates) is never delivered: it is kept in `withheld`. With `unfiltered`, it
        is delivered anyway, as Telegram does with updates created before the bot narrowed
        the list ("unwanted updates may be received for a short period of time").
        """
        update_id = self._next_update_id
        self._next_update_id += 1
        body = _json_copy(payload)
        body.pop("update_id", None)
        update: JsonDict = {"update_id": update_id, **body}
        self._learn_from(update)
        self.updates.append(update)
        if not unfiltered and not self.wants(update):
            self.withheld.append(update)
            return update_id
        self._pending.append(update)
        self._updates_signal.notify()
        self._delivery_signal.notify()
        return update_id

    def wants(self, update: JsonDict) -> bool:
        """Whether the bot's allowed_updates let this update through."""
        allowed = DEFAULT_UPDATE_TYPES if self.allowed_updates is None else self.allowed_updates
        return any(kind in update for kind in allowed)

    async def wait_fetched(self, update_id: int, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Return once getUpdates was called with offset > update_id (PTB has queued it), or
        the bot answered its webhook POST of that update with a 2xx (it has handled it)."""
        if any(update["update_id"] == update_id for update in self.withheld):
            return  # never to be delivered: nothing to wait for
        try:
            async with asyncio.timeout(timeout):
                while self._max_offset <= update_id and update_id not in self._delivered:
                    await self._fetch_signal.wait()
        except TimeoutError:
            polls = len(self.calls_to("getUpdates"))
            raise AssertionError(
                f"update {update_id} was not fetched by the bot within {timeout}s: highest "
                f"getUpdates offset seen is {self._max_offset}, {polls} getUpdates call(s) "
                f"completed. Is the bot polling {self.base_url}?"
            ) from None

    async def wait_webhook_attempts(self, count: int, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Return once `count` webhook POSTs (answered or not) have been made in all."""
        try:
            async with asyncio.timeout(timeout):
                while len(self.webhook_attempts) < count:
                    await self._attempt_signal.wait()
        except TimeoutError:
            raise AssertionError(
                f"{len(self.webhook_attempts)} webhook attempt(s) within {timeout}s, not {count}"
            ) from None

    async def wait_polling(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Return once a getUpdates long poll is being held (for tests of the poll itself)."""
        try:
            async with asyncio.timeout(timeout):
                while self._polls == 0:
                    await self._poll_signal.wait()
        except TimeoutError:
            raise AssertionError(f"no getUpdates long poll arrived within {timeout}s") from None

    async def wait_for_call(self, method: str, timeout: float = 10) -> ApiCall:  # noqa: ASYNC109
        """Return the next call to ``method`` completed from now on (e.g. the bot's reply)."""
        start = len(self.calls)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for call in self.calls[start:]:
                        if call.method == method:
                            return call
                    start = len(self.calls)
                    await self._call_signal.wait()
        except TimeoutError:
            raise AssertionError(f"the bot did not call {method} within {timeout}s") from None

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        self._call_signal.notify()
        for observer in self._observers:
            observer(call)

    def observe(self, observer: Callable[[ApiCall], None]) -> None:
        """Call `observer` after each call the bot makes, once its effect is stored (the sandbox
        redraws the chats it touched). An observer must not raise."""
        self._observers.append(observer)

    def _learn_from(self, update: JsonDict) -> None:
        """Register what an update reveals: the chats it comes from, who opened a private chat
        with the bot, message ids, files and queries.

        Only the update's own chat counts. A user named inside it (a forward's author, a
        business customer, someone in a group) has not opened a chat with the bot, and real
        Telegram refuses to let a bot write to them first.
        """

        def walk(value: Any, key: str | None) -> None:
            if isinstance(value, dict):
                if isinstance(value.get("file_id"), str):
                    self._file_ids.setdefault(value["file_id"], None)
                if key in _USER_KEYS and value.get("is_bot") is False:
                    self._know_user(value)
                for child_key, child in value.items():
                    walk(child, child_key)
            elif isinstance(value, list):
                for item in value:
                    walk(item, key)

        walk(update, None)
        for kind in _OWN_CHAT_MESSAGES:
            message = update.get(kind)
            if not isinstance(message, dict):
                continue
            chat = message.get("chat", {})
            chat_id, message_id = chat.get("id"), message.get("message_id")
            if not isinstance(chat_id, int) or "type" not in chat:
                continue
            self._chats[chat_id] = {**self._chats.get(chat_id, {}), **chat}
            sender = message.get("from", {})
            if chat["type"] == "private" and sender.get("id") == chat_id:
                self._open_private_chat(sender)
            if isinstance(message_id, int):
                self._incoming.setdefault(chat_id, set()).add(message_id)
                counter = self._message_counters.get(chat_id, 0)
                self._message_counters[chat_id] = max(counter, message_id)
        query = update.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("id"), str):
            self._callback_ids.add(query["id"])
        member = update.get("my_chat_member")
        if isinstance(member, dict):
            self._learn_membership(member)

    def _learn_membership(self, member: JsonDict) -> None:
        """The bot's own membership changed: added to or removed from a chat, or, in a private
        chat, started, blocked or unblocked by the user."""
        chat = member.get("chat", {})
        chat_id = chat.get("id")
        new = member.get("new_chat_member", {})
        if not isinstance(chat_id, int) or new.get("user", {}).get("id") != self.bot_id:
            return
        self._chats[chat_id] = {**self._chats.get(chat_id, {}), **chat}
        gone = new.get("status") in ("left", "kicked")
        if chat.get("type") == "private":
            if gone:
                self.blocked.add(chat_id)
            else:
                self.blocked.discard(chat_id)
                self._open_private_chat(member.get("from", {"id": chat_id}))
        elif gone:
            self.left_chats.add(chat_id)
        else:
            self.left_chats.discard(chat_id)

    def _open_private_chat(self, user: JsonDict) -> None:
        """The user wrote to the bot (or started it): from now on the bot may write to them."""
        user_id = user.get("id")
        if not isinstance(user_id, int) or user.get("is_bot"):
            return
        self.opened_chats.add(user_id)
        self._know_user(user)

    def _know_user(self, user: JsonDict) -> None:
        """A user the bot has seen somewhere: writing to them answers 403 until they open a
        private chat with the bot (an unknown id answers 400, chat not found)."""
        user_id = user.get("id")
        if not isinstance(user_id, int) or user_id in self._chats:
            return
        chat: JsonDict = {"id": user_id, "type": "private", "first_name": user.get("first_name")}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        self._chats[user_id] = chat

    # ------------------------------------------------------------------ test helpers

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in a chat, oldest first, deleted ones included (flagged)."""
        return list(self._messages.get(chat_id, []))

    def chat(self, chat_id: int) -> JsonDict | None:
        """The chat object as the fake knows it, or None if no update revealed it."""
        chat = self._chats.get(chat_id)
        return None if chat is None else dict(chat)

    def commands_for(self, chat_id: int, language_code: str | None) -> list[tuple[str, str]]:
        """The commands a private chat shows, resolved through scopes like Telegram does."""
        language = (language_code or "")[:2].lower()
        for scope, scope_chat in (
            ("chat", chat_id),
            ("all_private_chats", None),
            ("default", None),
        ):
            languages = (language, "") if language else ("",)
            for code in languages:
                found = self.commands.get((scope, scope_chat, code))
                if found:
                    return list(found)
        return []

    def block(self, user_id: int) -> None:
        """The user blocks the bot: every send to their chat answers 403."""
        self.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self.blocked.discard(user_id)

    def add_private_chat(self, user_id: int, first_name: str) -> None:
        """A user who wrote to the bot before the test began (data seeded straight into the
        database): their private chat exists, without an update for the bot to handle."""
        self._open_private_chat({"id": user_id, "is_bot": False, "first_name": first_name})

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with this error, without any effect.

        With ``chat_id``, only calls addressed to that chat fail; others go through untouched.
        """
        name = self._handlers.get(method.lower(), (method, None))[0]
        queue = self._faults.setdefault(name, deque())
        for _ in range(times):
            queue.append(_Fault(status, description, retry_after, chat_id))

    def another_client_polls(self, *, times: int = 1) -> None:
        """Like Telegram when a second program calls getUpdates with this token: the long
        poll being held, if any, ends at once with 409 Conflict, and so do the next calls,
        `times` in all."""
        self._conflicts += times
        self._updates_signal.notify()

    def answer_next(self, method: str, result: Any) -> None:
        """Answer the next call to ``method`` with this result, as a server that does not
        quite follow the Bot API might (a getMe without a username, say)."""
        name = self._handlers.get(method.lower(), (method, None))[0]
        self._answers.setdefault(name, deque()).append(copy.deepcopy(result))

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """Perform the next ``times`` calls to ``method``, then close the connection unanswered.

        The call takes effect (a message is stored, as if it reached the user) but the bot
        sees the connection drop, so it cannot know whether it did: an unknown outcome.
        """
        name = self._handlers.get(method.lower(), (method, None))[0]
        self._drops[name] = self._drops.get(name, 0) + times

    def answer_late(self, method: str, wait: Callable[[], Awaitable[object]] | None) -> None:
        """Answer each call to ``method`` only once ``wait()`` has returned (None: at once
        again), as over a slow network: the call takes effect, and counts against the rate
        limit, when it arrives; the bot learns it later."""
        name = self._handlers.get(method.lower(), (method, None))[0]
        if wait is None:
            self._late.pop(name, None)
        else:
            self._late[name] = wait

    def rate_limit(self, per_second: int | None) -> None:
        """Refuse sends beyond ``per_second`` in any rolling second with 429 (None: off)."""
        if per_second is not None and per_second < 1:
            raise ValueError("per_second must be at least 1")
        self._per_second = per_second
        self._send_times.clear()

    def next_message_id(self, chat_id: int) -> int:
        """One counter per chat shared by the bot's and the users' messages, like Telegram."""
        value = self._message_counters.get(chat_id, 0) + 1
        self._message_counters[chat_id] = value
        return value

    def new_file_ids(self, kind: str) -> tuple[str, str]:
        """A fresh (file_id, file_unique_id) pair that sends by file_id will accept."""
        self._file_counter += 1
        file_id = f"fake-{kind}-{self._file_counter}"
        self._file_ids.setdefault(file_id, None)
        return file_id, f"fake-unique-{self._file_counter}"

    def register_file(self, kind: str, upload: UploadedFile) -> tuple[str, str]:
        """Keep a file a user sends (a recorded voice note), so the bot can send it on by id."""
        file_id, unique_id = self.new_file_ids(kind)
        self._file_ids[file_id] = upload
        return file_id, unique_id

    def stored_file(self, file_id: str) -> UploadedFile | None:
        """The bytes behind a file id, when a user or the bot uploaded them here."""
        return self._file_ids.get(file_id)

    def new_callback_query_id(self) -> str:
        self._callback_counter += 1
        return f"{self.bot_id}{self._callback_counter:08d}"

    def now(self) -> int:
        """Unix time used for message dates."""
        return int(self._wall_clock())

    def bot_user(self) -> JsonDict:
        """The bot as a Bot API User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def message_payload(self, message: SentMessage) -> JsonDict:
        """The Bot API Message object for a message the bot sent."""
        chat = dict(self._chats.get(message.chat_id, {"id": message.chat_id, "type": "private"}))
        payload: JsonDict = {"message_id": message.message_id, "date": message.date}
        if chat.get("type") == "channel":
            payload["sender_chat"] = chat
        else:
            payload["from"] = self.bot_user()
        payload["chat"] = chat
        if message.edit_date is not None:
            payload["edit_date"] = message.edit_date
        entities = _json_copy(message.entities)
        if message.kind == "text":
            payload["text"] = message.text
            if entities:
                payload["entities"] = entities
        else:
            payload.update(_json_copy(message.media))
            if message.text:
                payload["caption"] = message.text
                if entities:
                    payload["caption_entities"] = entities
        rows = _inline_rows(message.reply_markup)
        if rows is not None:
            payload["reply_markup"] = {"inline_keyboard": _json_copy(rows)}
        if message.protect_content:
            payload["has_protected_content"] = True
        return payload

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        match = _PATH_RE.fullmatch(request.path)
        if match is None:
            path = request.path.replace(self.token, "<token>")  # tests assert no token in logs
            log.error("FakeTelegram: unexpected request %s %s", request.method, path)
            self.unknown_methods.append(path)
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        token, raw_method = match.groups()
        try:
            params, files = await self._read_request(request)
        except ValueError as exc:
            error = _bad(f"can't parse request: {exc}")
            self._record(ApiCall(raw_method, {}, {}, error.status))
            return web.json_response(error.body(), status=error.status)
        method, status, body, dropped = await self._dispatch(token, raw_method, params, files)
        self._record(ApiCall(method, params, files, status, dropped))
        log.debug("FakeTelegram %s %s -> %s dropped=%s", method, params, status, dropped)
        if dropped and request.transport is not None:
            request.transport.close()  # aiohttp then writes nothing: the client sees EOF
        return web.json_response(body, status=status)

    async def _read_request(self, request: web.Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
        """Accept query string, form-urlencoded, multipart and JSON bodies, like Telegram."""
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.content_type == "application/json" and request.can_read_body:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            params: JsonDict = {
                key: _decode_param(key, value) if isinstance(value, str) else value
                for key, value in raw.items()
            }
            params.update(body)
            return params, files
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(
                        filename=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                elif isinstance(value, bytes):
                    raw[key] = value.decode("utf-8")
                else:
                    raw[key] = value
        return {key: _decode_param(key, value) for key, value in raw.items()}, files

    async def _dispatch(
        self, token: str, raw_method: str, params: JsonDict, files: dict[str, UploadedFile]
    ) -> tuple[str, int, JsonDict, bool]:
        """(method, status, body, whether to drop the connection instead of answering)."""
        if token != self.token:
            return raw_method, 401, _ApiError(401, "Unauthorized").body(), False
        entry = self._handlers.get(raw_method.lower())
        if entry is None:
            log.error(
                "FakeTelegram: the bot called %r, which the fake does not implement; PTB will "
                "report it as InvalidToken. Implement it in tests/fake_telegram/server.py.",
                raw_method,
            )
            self.unknown_methods.append(raw_method)
            return raw_method, 404, _ApiError(404, "Not Found").body(), False
        method, handler = entry
        faults = self._faults.get(method)
        fault = next((f for f in faults or () if f.applies_to(params)), None)
        if faults and fault is not None:
            faults.remove(fault)
            parameters = None if fault.retry_after is None else {"retry_after": fault.retry_after}
            return (
                method,
                fault.status,
                _ApiError(fault.status, fault.description, parameters).body(),
                False,
            )
        answers = self._answers.get(method)
        if answers:
            return method, 200, {"ok": True, "result": answers.popleft()}, False
        dropped = self._drops.get(method, 0) > 0
        if dropped:
            self._drops[method] -= 1
        try:
            if method in _RATE_LIMITED:
                self._check_rate()
            result = await handler(params, files)
            late = self._late.get(method)
            if late is not None:
                await late()
        except _ApiError as error:
            log.info("FakeTelegram %s refused: %s %s", method, error.status, error.description)
            return method, error.status, error.body(), dropped
        except Exception as exc:  # a bug in the fake must surface, not hang the bot
            log.exception("FakeTelegram crashed handling %s", method)
            return (
                method,
                500,
                _ApiError(500, f"Internal Server Error: fake crashed: {exc!r}").body(),
                dropped,
            )
        return method, 200, {"ok": True, "result": result}, dropped

    def _check_rate(self) -> None:
        if self._per_second is None:
            return
        now = self._monotonic()
        while self._send_times and now - self._send_times[0] >= 1.0:
            self._send_times.popleft()
        if len(self._send_times) >= self._per_second:
            self.throttled += 1
            raise _ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._send_times.append(now)

    # ------------------------------------------------------------------ parameter helpers

    @staticmethod
    def _int(params: JsonDict, name: str, default: int | None = None) -> int | None:
        value = params.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise _bad(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise _bad(f"invalid {name} specified")

    @staticmethod
    def _bool(params: JsonDict, name: str) -> bool:
        value = params.get(name)
        return value is True or (isinstance(value, str) and value.lower() == "true")

    def _resolve_chat_id(self, value: Any) -> int:
        if isinstance(value, str) and value.startswith("@"):
            for chat_id, chat in self._chats.items():
                if str(chat.get("username", "")).lower() == value[1:].lower():
                    return chat_id
            raise _bad("chat not found")
        if isinstance(value, bool) or value is None or value == "":
            raise _bad("chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad("chat not found") from None

    def _target_chat(self, params: JsonDict, *, check_access: bool = True) -> int:
        """The chat a method acts on; enforces existence, blocks and membership."""
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        if check_access:
            if chat["type"] == "private" and chat_id not in self.opened_chats:
                self.uninvited.append(chat_id)
                log.error(
                    "FakeTelegram: the bot wrote to chat %s, which never wrote to it", chat_id
                )
                raise _ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            if chat["type"] == "private" and chat_id in self.blocked:
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            if chat["type"] != "private" and chat_id in self.left_chats:
                raise _ApiError(403, f"Forbidden: bot is not a member of the {chat['type']} chat")
        return chat_id

    @staticmethod
    def _parse_mode(params: JsonDict, name: str = "parse_mode") -> str | None:
        value = params.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise _bad("unsupported parse_mode")
        normalised = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}
        mode = normalised.get(value.lower())
        if mode is None:
            raise _bad("unsupported parse_mode")
        return mode

    @staticmethod
    def _render(raw: str, parse_mode: str | None) -> _Rendered:
        """What Telegram makes of a text: Markdown modes are not parsed by the fake."""
        if parse_mode == "HTML":
            try:
                parsed = analyse_telegram_html(raw)
            except HtmlError as error:
                raise _bad(f"can't parse entities: {error.reason}") from None
            return _Rendered(parsed.text, parsed.canonical, entities_from_html(parsed))
        return _Rendered(raw, html.escape(raw, quote=False), detected_entities(raw))

    def _text(self, params: JsonDict) -> tuple[str, str | None, _Rendered]:
        """Validate a message text: (raw, parse_mode as sent, what Telegram makes of it)."""
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise _bad("message text is empty")
        rendered = self._render(raw, self._parse_mode(params))
        if not rendered.text.strip():
            raise _bad("message text is empty")
        if utf16_length(rendered.text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        sent_mode = params.get("parse_mode")
        return raw, sent_mode if isinstance(sent_mode, str) else None, rendered

    def _caption(self, params: JsonDict) -> tuple[str | None, str | None, _Rendered]:
        raw = params.get("caption")
        if raw is None or raw == "":
            return None, None, _Rendered("", "", [])
        if not isinstance(raw, str):
            raise _bad("can't parse caption")
        rendered = self._render(raw, self._parse_mode(params))
        if utf16_length(rendered.text) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        sent_mode = params.get("parse_mode")
        return raw, sent_mode if isinstance(sent_mode, str) else None, rendered

    @staticmethod
    def _markup(params: JsonDict) -> tuple[JsonDict | None, list[list[Button]]]:
        """Validate reply_markup; inline keyboards are checked button by button."""
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None, []
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
                return markup, []
            raise _bad("can't parse reply keyboard markup JSON object")
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'can\'t parse inline keyboard button: Field "inline_keyboard" must be of '
                "type Array of Array"
            )
        if sum(len(row) for row in rows) > MAX_BUTTONS:
            raise _bad("REPLY_MARKUP_TOO_LONG")
        buttons = [[FakeTelegram._button(button) for button in row] for row in rows]
        return markup, [row for row in buttons if row]

    @staticmethod
    def _button(button: Any) -> Button:
        if not isinstance(button, dict):
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        text = button.get("text")
        if not isinstance(text, str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        if not text.strip():
            raise _bad("BUTTON_TEXT_INVALID")
        actions = [key for key in _INLINE_BUTTON_ACTIONS if key in button]
        if not actions:
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        if len(actions) > 1:
            raise _bad("BUTTON_TYPE_INVALID")
        callback_data = button.get("callback_data")
        if "callback_data" in button and (
            not isinstance(callback_data, str)
            or not 1 <= len(callback_data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise _bad("BUTTON_DATA_INVALID")
        url = button.get("url")
        if "url" in button and (not isinstance(url, str) or not _URL_RE.fullmatch(url)):
            raise _bad("BUTTON_URL_INVALID")
        return Button(text=text, callback_data=callback_data, url=url)

    def _own_message(self, chat_id: int, params: JsonDict, missing: str) -> SentMessage:
        message_id = self._int(params, "message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        for message in self._messages.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        raise _bad(missing)

    def _store_new(self, chat_id: int, params: JsonDict, **content: Any) -> SentMessage:
        """Record a message the bot just sent, with the fields every kind shares."""
        message = SentMessage(
            message_id=self.next_message_id(chat_id),
            chat_id=chat_id,
            protect_content=self._bool(params, "protect_content"),
            date=self.now(),
            **content,
        )
        self._messages.setdefault(chat_id, []).append(message)
        return message

    # ------------------------------------------------------------------ methods

    async def _true(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        return True

    async def _get_me(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> list[JsonDict]:
        if self.webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        self._conflict_if_another_client_polls()
        offset = self._int(params, "offset", 0) or 0
        limit = min(max(self._int(params, "limit", 100) or 100, 1), 100)
        timeout = max(self._int(params, "timeout", 0) or 0, 0)
        if "allowed_updates" in params:
            self._set_allowed_updates(params["allowed_updates"])
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            self._max_offset = max(self._max_offset, offset)
        elif offset < 0:
            self._pending = self._pending[offset:]
        self._fetch_signal.notify()

        def ready() -> list[JsonDict]:
            return [u for u in self._pending if u["update_id"] >= offset]

        if not ready() and timeout > 0 and not self._closing:
            self._polls += 1
            self._poll_signal.notify()
            try:
                async with asyncio.timeout(timeout):
                    while not ready() and not self._closing and not self._conflicts:
                        await self._updates_signal.wait()
            except TimeoutError:
                pass
            finally:
                self._polls -= 1
            self._conflict_if_another_client_polls()
        delivered: list[JsonDict] = _json_copy(ready()[:limit])
        return delivered

    def _conflict_if_another_client_polls(self) -> None:
        if self._conflicts:
            self._conflicts -= 1
            raise _ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
            )

    # ------------------------------------------------------------------ webhook

    async def _set_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            await self._delete_webhook(params, files)
            return True
        if not re.match(r"^https?://[^\s/]+", url):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(str(secret)):
            raise _bad("secret token contains unallowed characters")
        connections = self._int(params, "max_connections", 40) or 40
        if not 1 <= connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        if "allowed_updates" in params:
            self._set_allowed_updates(params["allowed_updates"])
        if self._bool(params, "drop_pending_updates"):
            self._pending.clear()
        self.webhook = _Webhook(url, None if secret is None else str(secret), connections)
        self._webhook_error = None
        if self._delivery_task is None or self._delivery_task.done():
            self._delivery_task = asyncio.get_running_loop().create_task(self._deliver())
        self._delivery_signal.notify()
        return True

    async def _delete_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        self.webhook = None
        self._delivery_signal.notify()
        if self._bool(params, "drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        hook = self.webhook
        info: JsonDict = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if self.allowed_updates is not None:
                info["allowed_updates"] = sorted(self.allowed_updates)
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _deliver(self) -> None:
        """Post pending updates to the webhook, as Telegram does (see the module docstring)."""
        timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while self.webhook is not None and not self._closing:
                hook = self.webhook
                now = self._monotonic()
                waits: list[float] = []
                seen: set[tuple[str, int]] = set()
                for update in self._pending:
                    key = _queue_key(update)
                    if key in seen:
                        continue  # a chat's later update waits for its earlier one
                    seen.add(key)
                    if key in self._in_flight or len(self._in_flight) >= hook.max_connections:
                        continue
                    retry_at = self._retry_at.get(update["update_id"], 0.0)
                    if retry_at > now:
                        waits.append(retry_at - now)
                        continue
                    self._in_flight.add(key)
                    task = asyncio.get_running_loop().create_task(
                        self._post_update(session, hook, key, update)
                    )
                    self._deliveries.add(task)
                    task.add_done_callback(self._deliveries.discard)
                signal = self._delivery_signal
                try:
                    async with asyncio.timeout(min(waits) if waits else None):
                        await signal.wait()
                except TimeoutError:
                    pass
            if self._deliveries:
                await asyncio.gather(*self._deliveries, return_exceptions=True)

    async def _post_update(
        self,
        session: aiohttp.ClientSession,
        hook: _Webhook,
        key: tuple[str, int],
        update: JsonDict,
    ) -> None:
        update_id = int(update["update_id"])
        headers = {"Content-Type": "application/json"}
        if hook.secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret
        status: int | None = None
        retry_after: float | None = None
        try:
            async with session.post(hook.url, data=json.dumps(update), headers=headers) as answer:
                status = answer.status
                await answer.read()
                if answer.headers.get("Retry-After", "").isdigit():
                    retry_after = float(answer.headers["Retry-After"])
                problem = f"Wrong response from the webhook: {status} {answer.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            problem = (
                "Connection refused"
                if isinstance(error, aiohttp.ClientConnectorError)
                else "Webhook connection closed"
            )
        finally:
            self._in_flight.discard(key)
        self.webhook_attempts.append(WebhookAttempt(update_id, status, hook.secret is not None))
        self._attempt_signal.notify()
        if status is not None and 200 <= status <= 299:
            self._pending = [u for u in self._pending if u["update_id"] != update_id]
            self._retry_at.pop(update_id, None)
            self._retry_delay.pop(update_id, None)
            self.delivered.append(update_id)
            self._delivered.add(update_id)
            self._fetch_signal.notify()
        else:
            delay = self._retry_delay.get(update_id, WEBHOOK_FIRST_RETRY / 2) * 2
            delay = min(delay, WEBHOOK_LONGEST_RETRY)
            self._retry_delay[update_id] = delay
            self._retry_at[update_id] = self._monotonic() + (retry_after or delay)
            self._webhook_error = (int(self._wall_clock()), problem)
        self._delivery_signal.notify()

    async def _stop_delivering(self) -> None:
        task, self._delivery_task = self._delivery_task, None
        if task is None:
            return
        self._delivery_signal.notify()
        task.cancel()
        for delivery in list(self._deliveries):
            delivery.cancel()
        await asyncio.gather(task, *self._deliveries, return_exceptions=True)

    def _set_allowed_updates(self, value: Any) -> None:
        """Telegram keeps the last list given; an empty one means the default again."""
        if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
            raise _bad("can't parse allowed updates")
        unknown = sorted(set(value) - set(UPDATE_TYPES))
        if unknown:
            log.warning("FakeTelegram: allowed_updates names unknown types %s", unknown)
        self.allowed_updates = frozenset(value) if value else None

    async def _send_message(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        chat_id = self._target_chat(params)
        raw, parse_mode, rendered = self._text(params)
        markup, buttons = self._markup(params)
        message = self._store_new(
            chat_id,
            params,
            kind="text",
            html=raw,
            parse_mode=parse_mode,
            text=rendered.text,
            reply_markup=markup,
            buttons=buttons,
            entities=rendered.entities,
        )
        return self.message_payload(message)

    def _check_edit_markup(self, markup: JsonDict | None) -> None:
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")

    async def _edit_message_text(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat_id = self._target_chat(params)
        message = self._own_message(chat_id, params, "message to edit not found")
        if message.kind != "text":
            raise _bad("there is no text in the message to edit")
        raw, parse_mode, rendered = self._text(params)
        markup, buttons = self._markup(params)
        self._check_edit_markup(markup)
        old = self._render(message.html or "", self._parse_mode({"parse_mode": message.parse_mode}))
        if rendered.canonical == old.canonical and _inline_rows(markup) == _inline_rows(
            message.reply_markup
        ):
            raise _bad(NOT_MODIFIED)
        message.html, message.parse_mode, message.text = raw, parse_mode, rendered.text
        message.entities = rendered.entities
        message.reply_markup, message.buttons = markup, buttons
        message.edits += 1
        message.edit_date = self.now()
        return self.message_payload(message)

    async def _edit_message_reply_markup(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat_id = self._target_chat(params)
        message = self._own_message(chat_id, params, "message to edit not found")
        markup, buttons = self._markup(params)
        self._check_edit_markup(markup)
        if _inline_rows(markup) == _inline_rows(message.reply_markup):
            raise _bad(NOT_MODIFIED)
        message.reply_markup, message.buttons = markup, buttons
        message.edits += 1
        message.edit_date = self.now()
        return self.message_payload(message)

    async def _delete_message(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        chat_id = self._target_chat(params, check_access=False)
        message_id = self._int(params, "message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        for message in self._messages.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                message.deleted = True
                return True
        incoming = self._incoming.get(chat_id, set())
        if message_id in incoming:
            incoming.discard(message_id)
            return True
        raise _bad("message to delete not found")

    async def _answer_callback_query(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> bool:
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or query_id not in self._callback_ids:
            raise _bad(QUERY_INVALID)
        if query_id in self.callback_answers:
            raise _bad(QUERY_INVALID)  # a query can be answered only once
        text = params.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > MAX_ANSWER_TEXT):
            raise _bad("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = dict(params)
        return True

    def _scope_key(self, params: JsonDict) -> tuple[str, int | None, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise _bad("can't parse BotCommandScope JSON object")
        scope_type = str(scope["type"])
        chat_id: int | None = None
        if scope_type in ("chat", "chat_administrators", "chat_member"):
            chat_id = self._resolve_chat_id(scope.get("chat_id"))
            if chat_id not in self._chats:
                raise _bad("chat not found")
            if scope_type == "chat_member" and not isinstance(scope.get("user_id"), int):
                raise _bad("user not found")
        language = params.get("language_code") or ""
        if not isinstance(language, str) or (language and not _LANGUAGE_RE.fullmatch(language)):
            raise _bad("invalid language code specified")
        return scope_type, chat_id, language

    async def _set_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        parsed: list[tuple[str, str]] = []
        for entry in commands:
            if not isinstance(entry, dict):
                raise _bad("can't parse BotCommand JSON object")
            command, description = entry.get("command"), entry.get("description")
            if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
                raise _bad("BOT_COMMAND_INVALID")
            if (
                not isinstance(description, str)
                or not description.strip()
                or len(description) > 256
            ):
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            parsed.append((command, description))
        key = self._scope_key(params)
        if parsed:
            self.commands[key] = parsed
        else:  # an empty list clears the scope, as deleteMyCommands does
            self.commands.pop(key, None)
        return True

    async def _delete_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    async def _get_my_commands(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> list[JsonDict]:
        found = self.commands.get(self._scope_key(params), [])
        return [{"command": command, "description": text} for command, text in found]

    def _media_source(
        self, field_name: str, params: JsonDict, files: dict[str, UploadedFile]
    ) -> UploadedFile | str:
        """The uploaded file, or a file_id / URL string sent instead."""
        upload = files.get(field_name)
        reference = params.get(field_name)
        if upload is None and isinstance(reference, str) and reference.startswith("attach://"):
            upload = files.get(reference.removeprefix("attach://"))
            if upload is None:
                raise _bad(f"there is no {field_name} in the request")
        if upload is not None:
            if not upload.data:
                raise _bad("file must be non-empty")
            return upload
        if not isinstance(reference, str) or not reference:
            raise _bad(f"there is no {field_name} in the request")
        if not _URL_RE.fullmatch(reference) and reference not in self._file_ids:
            raise _bad("wrong file identifier/HTTP URL specified")
        return reference

    def _upload_ids(self, kind: str, source: UploadedFile | str) -> tuple[str, str]:
        if isinstance(source, str) and source in self._file_ids:
            return source, f"unique-{source}"
        file_id, unique_id = self.new_file_ids(kind)
        if isinstance(source, UploadedFile):
            self._file_ids[file_id] = source
        return file_id, unique_id

    async def _send_media(
        self,
        kind: MessageKind,
        field_name: str,
        params: JsonDict,
        files: dict[str, UploadedFile],
    ) -> JsonDict:
        chat_id = self._target_chat(params)
        source = self._media_source(field_name, params, files)
        known = self._file_ids.get(source) if isinstance(source, str) else source
        caption, parse_mode, rendered = self._caption(params)
        markup, buttons = self._markup(params)
        file_id, unique_id = self._upload_ids(kind, source)
        size = len(known.data) if known is not None else 1024
        media: JsonDict
        if kind == "photo":
            dimensions = _image_size(known.data) if known is not None else (800, 600)
            if dimensions is None:
                raise _bad("IMAGE_PROCESS_FAILED")
            width, height = dimensions
            scale = min(1.0, 90 / max(width, height, 1))
            thumb_id, thumb_unique = self.new_file_ids("photo-thumb")
            media = {
                "photo": [
                    {
                        "file_id": thumb_id,
                        "file_unique_id": thumb_unique,
                        "width": max(1, round(width * scale)),
                        "height": max(1, round(height * scale)),
                        "file_size": max(1, size // 10),
                    },
                    {
                        "file_id": file_id,
                        "file_unique_id": unique_id,
                        "width": width,
                        "height": height,
                        "file_size": size,
                    },
                ]
            }
        elif kind == "document":
            document: JsonDict = {"file_id": file_id, "file_unique_id": unique_id}
            if known is not None:
                document.update(
                    file_name=known.filename, mime_type=known.content_type, file_size=size
                )
            media = {"document": document}
        else:
            duration = self._int(params, "duration", 1) or 1
            media = {
                "voice": {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "duration": duration,
                    "mime_type": "audio/ogg",
                    "file_size": size,
                }
            }
        message = self._store_new(
            chat_id,
            params,
            kind=kind,
            html=caption,
            parse_mode=parse_mode,
            text=rendered.text,
            reply_markup=markup,
            buttons=buttons,
            file=source,
            media=media,
            entities=rendered.entities,
        )
        return self.message_payload(message)

    async def _send_photo(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return await self._send_media("photo", "photo", params, files)

    async def _send_document(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return await self._send_media("document", "document", params, files)

    async def _send_voice(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return await self._send_media("voice", "voice", params, files)

    async def _leave_chat(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        chat_id = self._target_chat(params)
        if self._chats[chat_id]["type"] == "private":
            raise _bad("chat member status can't be changed in private chats")
        self.left_chats.add(chat_id)
        return True

    async def _set_chat_menu_button(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        chat_id: int | None = None
        if params.get("chat_id") not in (None, ""):
            chat_id = self._resolve_chat_id(params["chat_id"])
            if self._chats.get(chat_id, {}).get("type") != "private":
                raise _bad("chat not found")
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise _bad("can't parse menu button JSON object")
        self.menu_buttons[chat_id] = button
        return True

    async def _send_chat_action(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True
