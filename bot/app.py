"""The one place that builds Escale's Application, for `python -m bot` and for the tests alike."""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import NamedTuple

from telegram import Update
from telegram.error import Conflict, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    Updater,
    filters,
)
from telegram.request import BaseRequest

from bot.accounts import handlers as joining
from bot.accounts import person_handlers as person
from bot.accounts import staff_handlers as staff
from bot.context import CONTEXT_TYPES, EscaleApplication, EscaleContext, Services
from bot.core import updates
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.engines import open_database
from bot.core.i18n import Catalogs
from bot.core.processor import PerChatOrder
from bot.core.request import EscaleRequest, Pace, shared_tls
from bot.general import album_handlers as albums
from bot.general import flood_handlers as flood
from bot.general import groups_handlers as groups
from bot.general import handlers as general
from bot.general import menus_handlers as menus
from bot.general import text_handlers as text
from bot.general.common_handlers import (
    CallerUnread,
    after_private_update,
    answer,
    who_is_speaking,
)
from bot.general.flood_handlers import FloodGuard
from bot.general.views import something_went_wrong
from bot.meetings import handlers as meetings
from bot.meetings.reminders import Reminders
from bot.negotiation import agreements_handlers as agreements
from bot.negotiation import topics_handlers as topics
from bot.negotiation.offers import Offers
from bot.outbox import notices, undelivered, unreachable
from bot.outbox.sender import Sender
from bot.preparation import handlers as preparation
from bot.preparation import history_handlers as history
from bot.preparation.dialogue.model import load as load_dialogue
from bot.service import moving_handlers as moving
from bot.service import receiving
from bot.service.health import Heartbeat, PollingRequest, WebhookWatch
from bot.service.receiving import AlreadyHandled, HandledBeforeAnswer, RecordingDatabase
from bot.service.retention import Retention

log = logging.getLogger(__name__)

# `UpdateType.MESSAGE` and `EDITED_MESSAGE`, never `EDITED` (which takes a Business account's
# customers' edits too) nor `filters.TEXT` alone (which takes edits as answers).
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
PRIVATE_EDIT = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE
# A forwarded "/forget" is someone else's words, not the person's command: it is text.
OWN_COMMAND = PRIVATE & ~filters.FORWARDED
NOT_PRIVATE = ~filters.ChatType.PRIVATE & (
    filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
)

# Each feature lists its own commands and buttons; the app only puts them together.
FEATURES = (
    joining,
    general,
    staff,
    person,
    preparation,
    history,
    meetings,
    agreements,
    topics,
    moving,
)
COMMANDS = {name: handler for feature in FEATURES for name, handler in feature.COMMANDS.items()}
BUTTONS = [button for feature in FEATURES for button in feature.BUTTONS]


class Requests(NamedTuple):
    """An Application's two HTTP layers: one for `getUpdates` (each answer a heartbeat), one
    for every other call (paced, replies retried; see bot/core/request.py)."""

    polling: BaseRequest
    calls: BaseRequest


# Given the Application's own pace, clock and heartbeat, its two request objects.
RequestsFactory = Callable[[Pace, Clock, Heartbeat], Requests]


def http_requests(
    pace: Pace, clock: Clock, heartbeat: Heartbeat, *, trust_env: bool = True
) -> Requests:
    """Escale's request objects: aiohttp sessions (bot/core/transport.py) on the process's
    shared TLS settings (`shared_tls()`, so building one does not load the CA bundle). With
    `trust_env` (the default), a proxy named by the environment (HTTPS_PROXY…) is used; the
    tests turn it off, so that their requests go to the emulator and nowhere else."""
    tls = shared_tls()
    return Requests(
        PollingRequest(heartbeat, connections=1, tls=tls, trust_env=trust_env),
        EscaleRequest(pace, clock, tls=tls, trust_env=trust_env),
    )


def build_application(
    settings: Settings,
    clock: Clock | None = None,
    catalogs: Catalogs | None = None,
    *,
    requests: RequestsFactory = http_requests,
) -> EscaleApplication:
    """Build Escale without touching the network or the disk; both happen in `post_init`.

    Catalogs and the dialogue load here, so a missing translation or a broken dialogue file
    stops start-up before any network call. The seams, for the tests and the sandbox: the
    clock; the catalogs (immutable once loaded: one set may serve many Applications); and
    `requests`, which makes the two HTTP request objects from this Application's own pace,
    clock and heartbeat (a pace is never shared: each Application counts its own sends).
    """
    catalogs = catalogs or Catalogs(settings.default_locale, settings.timezone)
    clock = clock or SystemClock()
    heartbeat = Heartbeat(settings.database_path, clock)
    # One pace for everything Escale sends, replies and outbox alike (bot/core/request.py).
    pace = Pace(settings.sends_per_second)
    polling, calls = requests(pace, clock, heartbeat)
    builder = (
        Application.builder()
        .context_types(CONTEXT_TYPES)
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_base_url)
        .get_updates_request(polling)
        .request(calls)
        # Different chats at once, each chat in arrival order (bot/core/processor.py).
        .concurrent_updates(PerChatOrder())
        .post_stop(_stop_sender)
        .post_shutdown(functools.partial(_close_resources, heartbeat=heartbeat))
    )
    received = HandledBeforeAnswer() if settings.webhook else None
    builder = builder.post_init(
        functools.partial(_open_resources, pace=pace, heartbeat=heartbeat, received=received)
    )
    if received is not None:
        # Each update is handled once before Telegram is answered (bot/service/receiving.py);
        # PerChatOrder runs different chats side by side, each chat in order, as in polling.
        builder = builder.update_queue(received)
    app = builder.build()
    if received is not None:
        received.attach(app)
    dialogue = load_dialogue(settings.dialogue_path)
    app.bot_data.services = Services(settings, clock, catalogs, dialogue)
    _register(app, FloodGuard(settings.updates_per_minute, clock))
    return app


def _register(app: EscaleApplication, flood_guard: FloodGuard) -> None:
    # Before every handler, each in a group of its own (a TypeHandler matches every update, and
    # only the first match of a group runs): the flood limit, buttons outside the presser's
    # private chat (inline-mode ones answered quietly), one reply per album, then who is
    # speaking, read once for the whole update (PTB hands the same context to every group).
    app.add_handler(TypeHandler(Update, functools.partial(flood.guard, flood_guard)), group=-4)
    app.add_handler(TypeHandler(Update, groups.button_outside_private), group=-3)
    app.add_handler(TypeHandler(Update, albums.one_reply_per_album), group=-2)
    app.add_handler(TypeHandler(Update, who_is_speaking), group=-1)
    app.add_handler(ChatMemberHandler(groups.added_to_chat, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(NOT_PRIVATE, groups.message_in_group))
    for name, handler in COMMANDS.items():
        app.add_handler(CommandHandler(name, handler, filters=OWN_COMMAND))
    for pattern, handler in BUTTONS:
        app.add_handler(CallbackQueryHandler(handler, pattern=pattern))
    app.add_handler(CallbackQueryHandler(general.stale_callback))
    app.add_handler(MessageHandler(OWN_COMMAND & filters.COMMAND, general.unknown_command))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, text.text_received))
    app.add_handler(MessageHandler(PRIVATE & filters.VOICE, text.voice_received))
    app.add_handler(MessageHandler(PRIVATE_EDIT, preparation.edited))
    app.add_handler(MessageHandler(PRIVATE, preparation.other_received))
    app.add_handler(TypeHandler(Update, after_private_update), group=1)
    app.add_error_handler(_on_error)


async def _open_resources(
    app: EscaleApplication,
    *,
    pace: Pace,
    heartbeat: Heartbeat,
    received: HandledBeforeAnswer | None,
) -> None:
    svc = app.bot_data.services
    db = await open_database(svc.settings.database)
    producers = [Reminders(svc).queue_due, Offers(svc).queue_due, Retention(svc).run]
    if received is not None:  # webhook mode: the first write of an update records it handled
        db = RecordingDatabase(db, svc.clock)
        received.use(db, svc.clock)
        producers.append(functools.partial(receiving.forget_old, db))
    svc.attach(db)
    svc.sender = Sender(
        app.bot,
        svc.outbox,
        svc.clock,
        functools.partial(unreachable.notices, svc),
        producers=producers,
        on_undelivered=functools.partial(undelivered.notices, svc),
        pace=pace,
        render=functools.partial(notices.render, svc),
    )
    await svc.sender.start()
    webhook = svc.settings.webhook
    if webhook is not None:  # no getUpdates to beat on: Telegram is asked how deliveries go
        updater = app.updater
        watch = WebhookWatch(
            app.bot,
            webhook.url,
            heartbeat,
            svc.clock,
            listening=lambda: _listening(updater),
        )
        watch.start()
        svc.webhook_watch = watch
    startup_menus = menus.StartupMenus(app.bot, svc)
    startup_menus.start()  # a convenience: Escale answers while they are being set
    svc.startup_menus = startup_menus
    log.info("escale ready bot=%s", app.bot.username)


def _listening(updater: Updater | None) -> bool:
    """Whether PTB's webhook server listens (it does so once setWebhook has been answered)."""
    server = getattr(updater, "_httpd", None)  # PTB keeps no public sign of it
    return updater is None or (updater.running and bool(getattr(server, "is_running", False)))


async def _stop_sender(app: EscaleApplication) -> None:
    """Before the bot's HTTP client closes: an interrupted send is recovered at the next start."""
    svc = app.bot_data.services
    watch, svc.webhook_watch = svc.webhook_watch, None
    if watch is not None:
        await watch.stop()
    startup_menus, svc.startup_menus = svc.startup_menus, None
    if startup_menus is not None:
        await startup_menus.stop()
    sender, svc.sender = svc.sender, None
    if sender is not None:
        await sender.stop()


async def _close_resources(app: EscaleApplication, *, heartbeat: Heartbeat) -> None:
    await _stop_sender(app)
    heartbeat.clear()
    db = app.bot_data.services.detach()
    if db is not None:
        await db.close()


async def _on_error(update: object, context: EscaleContext) -> None:
    """Log the failure without its message (it may quote what someone wrote) and say sorry.

    A 409 from getUpdates means another program polls this token (a copy on another machine):
    retrying would fight it forever, so Escale says so once and stops cleanly."""
    error = context.error
    if isinstance(error, AlreadyHandled):  # another instance handled it meanwhile: all is well
        log.info("update handled elsewhere update=%s", error.args[0])
        return
    if isinstance(error, Conflict) and update is None:
        if not context.bot_data.stopped_for_conflict:
            context.bot_data.stopped_for_conflict = True
            log.error(
                "stopping: another program is polling this bot's token (409 Conflict); "
                "only one Escale may run per bot"
            )
            context.application.stop_running()
        return
    # Who is speaking could not be read: after one apology, no handler runs without a caller.
    unread = isinstance(error, CallerUnread)
    if unread and error is not None and isinstance(error.__cause__, Exception):
        error = error.__cause__  # logged as what it was
    update_id = update.update_id if isinstance(update, Update) else None
    stack = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error("update failed update=%s error=%s\n%s", update_id, type(error).__name__, stack)
    if isinstance(update, Update) and update.effective_user:
        if not updates.in_private_chat(update):  # never a group, a customer, a guest's chat
            return
        catalogs = context.services.catalogs
        t = catalogs.get(catalogs.resolve(None, update.effective_user.language_code))
        try:
            await answer(update, context, something_went_wrong(t))
        except TelegramError:
            log.warning("apology not sent update=%s", update_id)
    if unread:
        raise ApplicationHandlerStop
