"""The sandbox's world: the emulator, Escale running against it, and the people at the page.

Everything the page can do goes through `Sandbox`: a participant types, records a voice note,
presses a button or opens a link; the clock moves; someone joins; everything starts again.
Every change the page must draw is announced to subscribers as a small event, so the page
updates live. Escale itself is the product's own `build_application`, unchanged, pointed at the
emulator's base URL with the sandbox's clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.app import build_application
from bot.context import EscaleApplication, Services
from bot.core.config import WEBHOOK_VARIABLES, Settings, load_settings
from bot.core.updates import ALLOWED_UPDATES
from bot.emulator.server import ApiCall, FakeTelegram, SentMessage, UploadedFile, utf16_length
from bot.sandbox import render
from bot.sandbox.clock import SandboxClock, _system_now

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]

DEFAULT_DATABASE = Path("data/sandbox.sqlite3")
BOT_ID = 7_000_000
BOT_USERNAME = "escale_sandbox_bot"
COORDINATOR_ID = 7001
WORKER_ID = 7002
FIRST_PERSON_ID = 8001
MAX_NAME = 64  # Telegram's limit for a first name
MAX_VOICE_BYTES = 5 * 1024 * 1024
MAX_VOICE_SECONDS = 15 * 60
MAX_CALLS_KEPT = 500  # the emulator's call log, trimmed: the sandbox may run for days
# Languages a person's Telegram app may be set to; Escale speaks some, and falls back otherwise.
TELEGRAM_LANGUAGES = ("fr", "en", "de", "es", "it", "nl", "pt", "ar", "uk", "ru", "tr", "ro")
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
_START_LINK = re.compile(r"[A-Za-z0-9_-]{1,64}")


class SandboxError(Exception):
    """Something the page asked cannot be done; `key` names the page's sentence that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class Participant:
    """Someone at the page: the coordinator, the worker or a person, each with a private chat."""

    user_id: int
    first_name: str
    language: str
    role: str  # "coordinator", "worker" or "person": the pane's label, not an Escale role

    def user(self) -> JsonDict:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language,
        }

    def chat(self) -> JsonDict:
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}


def command_entities(text: str) -> list[JsonDict]:
    """The bot_command entity Telegram adds to a message that starts with a command."""
    first_word = text.split(maxsplit=1)[0] if text.startswith("/") else ""
    if len(first_word) < 2:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(first_word)}]


def start_payload(url: str, bot_username: str) -> str | None:
    """The payload of `https://t.me/<bot>?start=<payload>` for this bot, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or parts.hostname not in ("t.me", "telegram.me"):
        return None
    if parts.path.strip("/").lower() != bot_username.lower():
        return None
    payload = parse_qs(parts.query).get("start", [""])[0]
    return payload if _START_LINK.fullmatch(payload) else None


def clean_name(raw: str) -> str:
    """A first name as Telegram would keep it: no control characters, trimmed, not too long."""
    name = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C" or ch == " ")
    name = " ".join(name.split())
    if not name:
        raise SandboxError("name_needed")
    return name[:MAX_NAME]


async def start_escale(app: EscaleApplication) -> None:
    """What `run_polling` does before it waits, inside the sandbox's own event loop."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=10, allowed_updates=ALLOWED_UPDATES)
    await app.start()
    startup_menus = app.bot_data.services.startup_menus
    if startup_menus is not None:  # the emulator refuses none: the first picture shows them
        await startup_menus.settled()


async def stop_escale(app: EscaleApplication) -> None:
    """What `run_polling` does once stopped: stop polling, stop, shut down, close resources."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_stop:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


def _erase(database: Path, state: Path) -> None:
    """The sandbox's database (with its WAL and journal) and its state file, off the disk."""
    others = (Path(f"{database}{suffix}") for suffix in ("-wal", "-shm", "-journal", ".lock"))
    for path in (database, *others, state):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


class Sandbox:
    """The emulator, Escale and the participants; `start()`, play, `reset()`, `stop()`."""

    def __init__(
        self,
        database: Path = DEFAULT_DATABASE,
        environ: Mapping[str, str] | None = None,
        env_file: Path | None = Path(".env"),
        wall: Callable[[], datetime] = _system_now,
    ) -> None:
        self.database = database
        self.state_path = database.with_suffix(".json")
        self._environ = dict(os.environ if environ is None else environ)
        self._env_file = env_file
        self.clock = SandboxClock(wall=wall)
        self.participants: dict[int, Participant] = {}
        self.restarted = False
        self._telegram: FakeTelegram | None = None
        self._app: EscaleApplication | None = None
        self._own: dict[int, dict[int, JsonDict]] = {}
        self._drawn: dict[tuple[int, int], tuple[tuple[int, bool], JsonDict]] = {}
        self._menus: dict[int, list[list[str]]] = {}
        self._queries: dict[str, int] = {}
        self._last_ids: dict[int, int] = {}
        self._subscribers: set[asyncio.Queue[JsonDict | None]] = set()
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------ lifecycle

    @property
    def telegram(self) -> FakeTelegram:
        if self._telegram is None:
            raise RuntimeError("the sandbox is not started")
        return self._telegram

    @property
    def services(self) -> Services:
        if self._app is None:
            raise RuntimeError("the sandbox is not started")
        return self._app.bot_data.services

    def _settings(self, token: str, base_url: str) -> Settings:
        """Escale's settings, read as usual, but on the emulator, with the coordinator as admin
        and the sandbox's own database, polling (a webhook set for production is not for it)."""
        return load_settings(
            {
                **self._environ,
                "TELEGRAM_BOT_TOKEN": token,
                "TELEGRAM_API_BASE_URL": base_url,
                "ESCALE_ADMIN_IDS": str(COORDINATOR_ID),
                "ESCALE_DATABASE": str(self.database),
                **dict.fromkeys(WEBHOOK_VARIABLES, ""),
            },
            self._env_file,
        )

    async def start(self) -> None:
        """Start the emulator and Escale; participants and the clock come back from last time.

        A bad setting raises ConfigError before anything is written or started.
        """
        token = f"{BOT_ID}:{secrets.token_urlsafe(24)}"
        settings = self._settings(token, "http://127.0.0.1/bot")
        self.default_language = settings.default_locale
        self.database.parent.mkdir(parents=True, exist_ok=True)
        self._restore()
        telegram = FakeTelegram(
            token=token,
            bot_id=BOT_ID,
            bot_username=BOT_USERNAME,
            bot_first_name="Escale",
            wall_clock=self.clock.timestamp,
        )
        await telegram.start()
        telegram.observe(functools.partial(self._observed, telegram))
        self._telegram = telegram
        for participant in self.participants.values():
            telegram.add_private_chat(participant.user_id, participant.first_name)
            # Message ids go on from where they were: Escale may still edit an old message.
            for _ in range(self._last_ids.get(participant.user_id, 0)):
                telegram.next_message_id(participant.user_id)
        try:
            app = build_application(self._settings(token, telegram.base_url), self.clock)
            await start_escale(app)
        except BaseException:
            await telegram.stop()
            self._telegram = None
            raise
        self._app = app
        self._save()

    async def stop(self) -> None:
        """Save who is here and the clock, stop Escale and the emulator, close every stream."""
        async with self._lock:
            await self._shut_down()
        for queue in self._subscribers:
            queue.put_nowait(None)

    async def _shut_down(self) -> None:
        if self._telegram is not None:
            self._save()
        app, self._app = self._app, None
        if app is not None:
            await stop_escale(app)
        telegram, self._telegram = self._telegram, None
        if telegram is not None:
            await telegram.stop()

    async def reset(self) -> None:
        """Start again: erase the sandbox's database from disk, and every chat with it."""
        async with self._lock:
            await self._shut_down()
            _erase(self.database, self.state_path)
            self.participants.clear()
            self._own.clear()
            self._drawn.clear()
            self._menus.clear()
            self._queries.clear()
            self._last_ids.clear()
            self.clock.offset = timedelta(0)
            await self.start()
            self.restarted = False
            self._broadcast(self.snapshot())  # every page redraws the new world whole

    def _restore(self) -> None:
        state: JsonDict = {}
        if self.state_path.is_file() and self.database.is_file():
            try:
                state = json.loads(self.state_path.read_text("utf-8"))
                people = [Participant(**entry) for entry in state["participants"]]
                self.clock.offset = timedelta(seconds=float(state["offset_seconds"]))
                self._last_ids = {int(k): int(v) for k, v in state["last_message_ids"].items()}
            except (ValueError, KeyError, TypeError) as error:
                log.warning("sandbox state unreadable, starting with new chats: %s", error)
                state = {}
        if state:
            self.participants = {p.user_id: p for p in people}
            self.restarted = True
            return
        language = self._environ.get("ESCALE_DEFAULT_LOCALE", "").strip() or "fr"
        language = language[:2].lower()
        self.participants = {
            COORDINATOR_ID: Participant(COORDINATOR_ID, "Camille", language, "coordinator"),
            WORKER_ID: Participant(WORKER_ID, "Séverine", language, "worker"),
        }

    def _save(self) -> None:
        """Who is here, how far the clock went, the last message id of each chat."""
        for chat_id in self.participants:
            ids = [m.message_id for m in self.telegram.messages(chat_id)]
            ids += list(self._own.get(chat_id, {}))
            self._last_ids[chat_id] = max([self._last_ids.get(chat_id, 0), *ids])
        state = {
            "participants": [asdict(p) for p in self.participants.values()],
            "offset_seconds": self.clock.offset.total_seconds(),
            "last_message_ids": {str(k): v for k, v in self._last_ids.items()},
        }
        temporary = self.state_path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(state), "utf-8")
        temporary.replace(self.state_path)

    # ------------------------------------------------------------------ what the page sees

    def subscribe(self) -> tuple[asyncio.Queue[JsonDict | None], JsonDict]:
        """A queue of events, and the whole state as of now (nothing falls in between)."""
        queue: asyncio.Queue[JsonDict | None] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue, self.snapshot()

    def unsubscribe(self, queue: asyncio.Queue[JsonDict | None]) -> None:
        self._subscribers.discard(queue)

    def snapshot(self) -> JsonDict:
        telegram = self.telegram
        return {
            "type": "state",
            "bot": {"username": telegram.bot_username, "name": telegram.bot_first_name},
            "now": self.clock.now().isoformat(),
            "timezone": self.services.settings.timezone.key,
            "languages": list(TELEGRAM_LANGUAGES),
            "restarted": self.restarted,
            "participants": [asdict(p) for p in self.participants.values()],
            "chats": {str(chat): self.chat(chat) for chat in self.participants},
            "menus": {str(chat): self.menu(chat) for chat in self.participants},
        }

    def chat(self, chat_id: int) -> list[JsonDict]:
        """The messages of a chat still on screen, both sides, oldest first."""
        drawn = [self._draw(message)[1] for message in self.telegram.messages(chat_id)]
        drawn += list(self._own.get(chat_id, {}).values())
        return sorted((m for m in drawn if not m["deleted"]), key=lambda m: int(m["id"]))

    def menu(self, chat_id: int) -> list[list[str]]:
        """The command menu this participant's chat shows, as Escale set it."""
        participant = self.participants[chat_id]
        commands = self.telegram.commands_for(chat_id, participant.language)
        return [[command, description] for command, description in commands]

    def file(self, file_id: str) -> UploadedFile | None:
        return self.telegram.stored_file(file_id)

    def _draw(self, message: SentMessage) -> tuple[bool, JsonDict]:
        """(changed since last drawn, the drawing); drawn again only after an edit or delete."""
        key = (message.chat_id, message.message_id)
        version = (message.edits, message.deleted)
        known = self._drawn.get(key)
        if known is not None and known[0] == version:
            return False, known[1]
        drawing = render.bot_message(message)
        self._drawn[key] = (version, drawing)
        return True, drawing

    def _broadcast(self, event: JsonDict) -> None:
        for queue in self._subscribers:
            queue.put_nowait(event)

    def _observed(self, telegram: FakeTelegram, call: ApiCall) -> None:
        """The emulator finished a call: draw what it changed (unless it is stopping)."""
        if telegram is not self._telegram:
            return
        if len(telegram.calls) > MAX_CALLS_KEPT:
            del telegram.calls[: -MAX_CALLS_KEPT // 2]
        if call.method == "getUpdates" or call.status != 200:
            return
        if call.method == "answerCallbackQuery":
            chat_id = self._queries.pop(str(call.params.get("callback_query_id")), None)
            text = call.params.get("text")
            if chat_id is not None and isinstance(text, str) and text:
                self._broadcast({"type": "toast", "chat": chat_id, "text": text})
        elif call.method in ("setMyCommands", "deleteMyCommands"):
            for chat_id in self.participants:
                menu = self.menu(chat_id)
                if self._menus.get(chat_id) != menu:
                    self._menus[chat_id] = menu
                    self._broadcast({"type": "menu", "chat": chat_id, "commands": menu})
        else:
            try:
                chat_id = int(call.params.get("chat_id", ""))
            except (TypeError, ValueError):
                return
            if chat_id in self.participants:
                self._redraw(chat_id)

    def _redraw(self, chat_id: int) -> None:
        grew = False
        for message in self.telegram.messages(chat_id):
            changed, drawing = self._draw(message)
            if changed:
                grew = grew or message.message_id > self._last_ids.get(chat_id, 0)
                self._broadcast({"type": "message", "chat": chat_id, "message": drawing})
        if grew:
            self._save()

    # ------------------------------------------------------------------ what the page does

    def _participant(self, chat_id: int) -> Participant:
        participant = self.participants.get(chat_id)
        if participant is None:
            raise SandboxError("failed")
        return participant

    def _push_own(self, participant: Participant, shown: JsonDict, update: JsonDict) -> None:
        self._own.setdefault(participant.user_id, {})[shown["id"]] = shown
        self._broadcast({"type": "message", "chat": participant.user_id, "message": shown})
        self.telegram.push_update(update)

    def _new_message(self, participant: Participant) -> JsonDict:
        return {
            "message_id": self.telegram.next_message_id(participant.user_id),
            "date": self.telegram.now(),
            "chat": participant.chat(),
            "from": participant.user(),
        }

    async def send_text(self, chat_id: int, text: str, shown: str | None = None) -> None:
        """The participant types `text` (the chat shows `shown`, as `/start` hides its payload)."""
        async with self._lock:
            participant = self._participant(chat_id)
            text = text.strip()
            if not text:
                raise SandboxError("failed")
            if utf16_length(text) > 4096:
                raise SandboxError("too_long")
            message = self._new_message(participant)
            message["text"] = text
            entities = command_entities(text)
            if entities:
                message["entities"] = entities
            drawn = render.own_message(message["message_id"], message["date"], shown or text)
            self._push_own(participant, drawn, {"message": message})

    async def send_voice(self, chat_id: int, data: bytes, content_type: str, duration: int) -> None:
        """The participant sends a voice note (recorded in the page, or the shipped sample)."""
        async with self._lock:
            participant = self._participant(chat_id)
            if not data or len(data) > MAX_VOICE_BYTES:
                raise SandboxError("failed")
            duration = min(max(int(duration), 1), MAX_VOICE_SECONDS)
            upload = UploadedFile("voice.ogg", content_type or "audio/ogg", data)
            file_id, unique_id = self.telegram.register_file("voice", upload)
            voice: JsonDict = {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "duration": duration,
                "mime_type": upload.content_type,
                "file_size": len(data),
            }
            message = self._new_message(participant)
            message["voice"] = voice
            drawn = render.own_message(message["message_id"], message["date"], voice=voice)
            self._push_own(participant, drawn, {"message": message})

    async def press(
        self, chat_id: int, message_id: int, row: int, column: int, label: str
    ) -> str | None:
        """Press a button as the page shows it; a URL button gives its URL back to open."""
        async with self._lock:
            participant = self._participant(chat_id)
            message = next(
                (
                    m
                    for m in self.telegram.messages(chat_id)
                    if m.message_id == message_id and not m.deleted
                ),
                None,
            )
            try:
                button = message.buttons[row][column] if message and min(row, column) >= 0 else None
            except IndexError:
                button = None
            if message is None or button is None or button.text != label:
                raise SandboxError("stale")
            if button.callback_data is None:
                return button.url
            query_id = self.telegram.new_callback_query_id()
            self._queries[query_id] = chat_id
            query: JsonDict = {
                "id": query_id,
                "from": participant.user(),
                "chat_instance": f"-{chat_id}{self.telegram.bot_id}",
                "data": button.callback_data,
                "message": self.telegram.message_payload(message),
            }
            self.telegram.push_update({"callback_query": query})
            return None

    async def add_person(self, name: str, language: str) -> Participant:
        """Someone new at the page, with a first name and their Telegram app's language."""
        async with self._lock:
            first_name = clean_name(name)
            if language not in TELEGRAM_LANGUAGES:
                language = self.default_language
            user_id = max([FIRST_PERSON_ID - 1, *self.participants]) + 1
            participant = Participant(user_id, first_name, language, "person")
            self.participants[user_id] = participant
            self.telegram.add_private_chat(user_id, first_name)
            self._save()
        menu = self.menu(participant.user_id)  # the default menu, before Escale knows them
        self._menus[participant.user_id] = menu
        self._broadcast(
            {"type": "participant", "participant": asdict(participant), "commands": menu}
        )
        return participant

    async def open_link(
        self,
        url: str,
        chat_id: int | None,
        name: str = "",
        language: str = "",
    ) -> int:
        """Open a `t.me/<bot>?start=…` link as a participant (or a new person): `/start …`."""
        payload = start_payload(url, self.telegram.bot_username)
        if payload is None:
            raise SandboxError("not_a_link")
        if chat_id is None:
            chat_id = (await self.add_person(name, language)).user_id
        await self.send_text(chat_id, f"/start {payload}", shown="/start")
        return chat_id

    async def travel(self, step: str) -> datetime:
        """Move the clock an hour, a day, or to the next reminder; Escale's sender looks at once."""
        async with self._lock:
            now = self.clock.now()
            if step == "next":
                due = await self.services.meetings.next_due()
                if due is None:
                    raise SandboxError("no_reminder")
                delta = max(due - now, timedelta(0)) + timedelta(seconds=1)
            elif step in STEPS:
                delta = STEPS[step]
            else:
                raise SandboxError("failed")
            self.clock.advance(delta)
            self.services.deliver()
            self._save()
            moment = self.clock.now()
        self._broadcast({"type": "clock", "now": moment.astimezone(UTC).isoformat()})
        return moment
