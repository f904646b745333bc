"""The one place that builds Escale's Application, for `python -m bot` and for the tests alike."""

from __future__ import annotations

import functools
import logging
import traceback
from typing import Any

from telegram import Update
from telegram.error import Conflict, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callbacks, flood, menus, undelivered, unreachable, updates
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import Context, Services, services
from bot.db import Database
from bot.dialogue.model import load as load_dialogue
from bot.flood import FLOOD, FloodGuard
from bot.handlers import (
    agreements,
    general,
    groups,
    history,
    joining,
    meetings,
    moving,
    person,
    preparation,
    staff,
    text,
    topics,
)
from bot.handlers.common import after_private_update, answer
from bot.health import Heartbeat, PollingRequest
from bot.i18n import Catalogs
from bot.offers import Offers
from bot.outbox import Sender
from bot.reminders import Reminders
from bot.request import EscaleRequest, Pace
from bot.retention import Retention
from bot.views.general import something_went_wrong

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

COMMANDS = {
    "start": joining.start,
    "help": general.help_command,
    "privacy": general.privacy,
    "language": general.language,
    "cancel": general.cancel,
    "newworker": staff.new_worker,
    "workers": staff.list_workers,
    "invite": staff.invite,
    "people": staff.people,
    "invitations": staff.invitations,
    "stats": staff.stats,
    "mydata": person.mydata,
    "forget": person.forget,
    "prepare": preparation.prepare,
    "logbook": history.own_logbook,
    "history": history.choose_person,
    "meeting": meetings.meeting_command,
    "agreed": agreements.agreed_command,
    "topics": topics.topics_command,
}

BUTTONS = [
    (callbacks.pattern(callbacks.LANGUAGE, r"[a-z]{2,3}(?:_[A-Z]{2})?"), general.language_chosen),
    (callbacks.pattern(callbacks.JOIN_YES, r"\d{1,18}"), joining.consent_yes),
    (callbacks.pattern(callbacks.JOIN_NO, r"\d{1,18}"), joining.consent_no),
    (callbacks.pattern(callbacks.JOIN_INFO, r"\d{1,18}"), joining.consent_info),
    (callbacks.pattern(callbacks.WORKER_SUSPEND, r"\d{1,18}"), staff.suspend_worker),
    (callbacks.pattern(callbacks.WORKER_RESUME, r"\d{1,18}"), staff.resume_worker),
    (callbacks.pattern(callbacks.WORKER_PEOPLE, r"\d{1,18}"), moving.worker_people),
    (callbacks.pattern(callbacks.MOVE, r"\d{1,18}"), moving.move_pressed),
    (callbacks.MOVE_TO_PATTERN, moving.move_to),
    (callbacks.pattern(callbacks.LEAVE, r"\d{1,18}"), moving.leave_pressed),
    (callbacks.LEAVE_TO_PATTERN, moving.leave_to),
    (callbacks.pattern(callbacks.LEAVE_SHARE, r"\d{1,18}"), moving.leave_share),
    (callbacks.SHARE_YES_PATTERN, moving.share_yes),
    (callbacks.pattern(callbacks.SHARE_NO, r"\d{1,18}"), moving.share_no),
    (callbacks.pattern(callbacks.INVITATION_REVOKE, r"\d{1,12}"), staff.revoke_invitation),
    (callbacks.pattern(callbacks.FORGET_YES), person.forget_confirmed),
    (callbacks.pattern(callbacks.FORGET_NO), person.forget_cancelled),
    (callbacks.pattern(callbacks.PREPARE), preparation.prepare),
    (callbacks.STEP_PATTERN, preparation.step_pressed),
    (callbacks.pattern(callbacks.READ, r"\d{1,12}"), preparation.read_pressed),
    (callbacks.pattern(callbacks.HISTORY, r"\d{1,18}"), history.person_history),
    (callbacks.pattern(callbacks.MEETING, r"\d{1,18}"), meetings.person_chosen),
    (callbacks.pattern(callbacks.MEETING_CHANGE, r"\d{1,12}"), meetings.change_pressed),
    (callbacks.pattern(callbacks.MEETING_CANCEL, r"\d{1,12}"), meetings.cancel_pressed),
    (callbacks.pattern(callbacks.MEETING_CANCEL_YES, r"\d{1,12}"), meetings.cancel_confirmed),
    (callbacks.pattern(callbacks.MEETING_KEEP, r"\d{1,12}"), meetings.cancel_dropped),
    (callbacks.pattern(callbacks.MEETING_CHANGE_NOTICE, r"\d{1,12}"), meetings.change_from_notice),
    (callbacks.pattern(callbacks.MEETING_CANCEL_NOTICE, r"\d{1,12}"), meetings.cancel_from_notice),
    (callbacks.DATE_YES_PATTERN, meetings.date_confirmed),
    (callbacks.pattern(callbacks.DATE_NO), meetings.date_refused),
    (callbacks.pattern(callbacks.DATE_UNKNOWN), meetings.date_unknown),
    (callbacks.pattern(callbacks.REMIND_LATER, r"\d{1,12}"), meetings.later_pressed),
    (callbacks.pattern(callbacks.REMIND_STOP, r"\d{1,12}"), meetings.stop_pressed),
    (callbacks.pattern(callbacks.RESUME, r"\d{1,12}"), preparation.resume_pressed),
    (callbacks.pattern(callbacks.MEETING_COMING, r"\d{1,12}"), meetings.coming_pressed),
    (callbacks.pattern(callbacks.ABSENT_UNDO, r"\d{1,12}"), meetings.coming_pressed),
    (callbacks.pattern(callbacks.MEETING_ABSENT, r"\d{1,12}"), meetings.absent_pressed),
    (callbacks.pattern(callbacks.ABSENT_NOTE, r"\d{1,12}"), meetings.note_pressed),
    (callbacks.pattern(callbacks.ABSENT_PROPOSE, r"\d{1,12}"), meetings.propose_pressed),
    (callbacks.MEETING_ACCEPT_PATTERN, meetings.accept_pressed),
    (callbacks.DATE_PICK_PATTERN, meetings.date_picked),
    (callbacks.pattern(callbacks.AGREE_MEETING, r"\d{1,12}"), agreements.meeting_chosen),
    (callbacks.pattern(callbacks.AGREE_PERSON, r"\d{1,18}"), agreements.person_chosen),
    (callbacks.AGREE_PATTERN, agreements.pressed),
    (callbacks.pattern(callbacks.TOPICS_BRIEF, r"\d{1,12}"), topics.from_brief),
    (callbacks.pattern(callbacks.TOPICS_PERSON, r"\d{1,18}"), topics.person_chosen),
    (callbacks.TOPIC_PATTERN, topics.pressed),
]


def build_application(
    settings: Settings, clock: Clock | None = None, catalogs: Catalogs | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build Escale without touching the network or the disk; both happen in `post_init`.

    Catalogs and the dialogue load here, so a missing translation or a broken dialogue file
    stops start-up before any network call.
    """
    catalogs = catalogs or Catalogs(settings.default_locale, settings.timezone)
    clock = clock or SystemClock()
    heartbeat = Heartbeat(settings.database_path, clock)
    # One pace for everything Escale sends, replies and outbox alike (bot/request.py).
    pace = Pace(settings.sends_per_second)
    app = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_base_url)
        .get_updates_request(PollingRequest(heartbeat, connection_pool_size=1))
        .request(EscaleRequest(pace, clock))
        .post_init(_open_resources)
        .post_stop(_stop_sender)
        .post_shutdown(_close_resources)
        .build()
    )
    dialogue = load_dialogue(settings.dialogue_path)
    app.bot_data["services"] = Services(settings, clock, catalogs, dialogue)
    app.bot_data["heartbeat"] = heartbeat
    app.bot_data[PACE] = pace
    app.bot_data[FLOOD] = FloodGuard(settings.updates_per_minute, clock)
    _register(app)
    return app


def _register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Before every handler, each in a group of its own (a TypeHandler matches every update, and
    # only the first match of a group runs): the flood limit, buttons outside the presser's
    # private chat (inline-mode ones answered quietly), then one reply per album.
    app.add_handler(TypeHandler(Update, flood.guard), group=-3)
    app.add_handler(TypeHandler(Update, groups.button_outside_private), group=-2)
    app.add_handler(TypeHandler(Update, updates.one_reply_per_album), group=-1)
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


async def _open_resources(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    svc: Services = app.bot_data["services"]
    svc.attach(await Database.open(svc.settings.database_path))
    svc.sender = Sender(
        app.bot,
        svc.outbox,
        svc.clock,
        functools.partial(unreachable.notices, svc),
        producers=[Reminders(svc).queue_due, Offers(svc).queue_due, Retention(svc).run],
        on_undelivered=functools.partial(undelivered.notices, svc),
        pace=app.bot_data[PACE],
    )
    await svc.sender.start()
    svc.startup_menus = menus.StartupMenus(app.bot, svc)
    svc.startup_menus.start()  # a convenience: Escale answers while they are being set
    log.info("escale ready bot=%s", app.bot.username)


async def _stop_sender(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before the bot's HTTP client closes: an interrupted send is recovered at the next start."""
    svc: Services = app.bot_data["services"]
    startup_menus, svc.startup_menus = svc.startup_menus, None
    if startup_menus is not None:
        await startup_menus.stop()
    sender, svc.sender = svc.sender, None
    if sender is not None:
        await sender.stop()


async def _close_resources(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await _stop_sender(app)
    app.bot_data["heartbeat"].clear()
    db = app.bot_data["services"].detach()
    if db is not None:
        await db.close()


PACE = "pace"  # bot_data key: the one pace, shared by replies and the outbox
CONFLICT_STOP = "conflict_stop"  # bot_data key: polling stopped because another client polls


async def _on_error(update: object, context: Context) -> None:
    """Log the failure without its message (it may quote what someone wrote) and say sorry.

    A 409 from getUpdates means another program polls this token (a copy on another machine):
    retrying would fight it forever, so Escale says so once and stops cleanly."""
    error = context.error
    if isinstance(error, Conflict) and update is None:
        if not context.application.bot_data.get(CONFLICT_STOP):
            context.application.bot_data[CONFLICT_STOP] = True
            log.error(
                "stopping: another program is polling this bot's token (409 Conflict); "
                "only one Escale may run per bot"
            )
            context.application.stop_running()
        return
    update_id = update.update_id if isinstance(update, Update) else None
    stack = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error("update failed update=%s error=%s\n%s", update_id, type(error).__name__, stack)
    if isinstance(update, Update) and update.effective_user:
        if not updates.in_private_chat(update):  # never a group, a customer, a guest's chat
            return
        catalogs = services(context).catalogs
        t = catalogs.get(catalogs.resolve(None, update.effective_user.language_code))
        try:
            await answer(update, context, something_went_wrong(t))
        except TelegramError:
            log.warning("apology not sent update=%s", update_id)
