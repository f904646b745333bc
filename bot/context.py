"""What every handler needs: the shared services, and who is speaking (role and language).

PTB builds one context per update and hands it to every handler group in turn
(`Application.process_update`); Escale's context class carries, for that one update, the
services (typed, for the application's whole life) and the caller, computed once at the
start of the update by `bot.general.common_handlers.who_is_speaking`. Nothing of one update is
kept anywhere two chats could share: a context lives and dies with its update."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from telegram import User
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.accounts.store import Account, Repository, Speaker, TelegramProfile
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.db import Database
from bot.core.i18n import Catalogs, Translator
from bot.core.invisible import visible_name
from bot.core.roles import Role as Role
from bot.general.conversation_store import NOTHING, Asked, Conversation, ConversationStore
from bot.meetings.store import MeetingStore
from bot.negotiation.agreements_store import AgreementStore
from bot.negotiation.topics_store import TopicStore
from bot.outbox.store import OutboxStore
from bot.preparation.dialogue.model import Dialogue
from bot.preparation.store import PreparationStore
from bot.service.moving_store import MovingStore


class BackgroundTask(Protocol):
    """Work started after start-up (the command menus): awaited by tests, stopped at the end."""

    async def settled(self) -> None: ...

    async def stop(self) -> None: ...


class Delivery(Protocol):
    """The outbox's sender as the services know it (`bot.outbox.sender.Sender`)."""

    def wake(self) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class DeliveryWatch(Protocol):
    """Webhook mode's health signal (`bot.service.health.WebhookWatch`): Telegram is asked
    how its deliveries go, in a task of its own."""

    async def check(self) -> str | None: ...

    async def stop(self) -> None: ...


class Services:
    """Long-lived objects shared by handlers; the database is attached in `post_init`."""

    def __init__(self, settings: Settings, clock: Clock, catalogs: Catalogs, dialogue: Dialogue):
        self.settings = settings
        self.clock = clock
        self.catalogs = catalogs
        self.dialogue = dialogue
        self._repo: Repository | None = None
        self._preparations: PreparationStore | None = None
        self._outbox: OutboxStore | None = None
        self._meetings: MeetingStore | None = None
        self._moving: MovingStore | None = None
        self._agreements: AgreementStore | None = None
        self._topics: TopicStore | None = None
        self._conversations: ConversationStore | None = None
        self.sender: Delivery | None = None
        self.startup_menus: BackgroundTask | None = None
        self.webhook_watch: DeliveryWatch | None = None

    def attach(self, db: Database) -> None:
        self._repo = Repository(db)
        self._preparations = PreparationStore(db)
        self._outbox = OutboxStore(db)
        self._meetings = MeetingStore(db)
        self._moving = MovingStore(db)
        self._agreements = AgreementStore(db)
        self._topics = TopicStore(db)
        self._conversations = ConversationStore(db)

    def detach(self) -> Database | None:
        db = self._repo.db if self._repo else None
        self._repo = None
        self._preparations = None
        self._outbox = None
        self._meetings = None
        self._moving = None
        self._agreements = None
        self._topics = None
        self._conversations = None
        return db

    def deliver(self) -> None:
        """New messages are in the outbox: the sender should look now."""
        if self.sender is not None:
            self.sender.wake()

    def translator_for(self, account: Account | None) -> Translator:
        """The language of a known user who is not necessarily the sender of an update."""
        if account is None:
            return self.catalogs.get(self.catalogs.default)
        return self.catalogs.get(self.catalogs.resolve(account.language, account.telegram_language))

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self._repo

    @property
    def preparations(self) -> PreparationStore:
        if self._preparations is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self._preparations

    @property
    def outbox(self) -> OutboxStore:
        if self._outbox is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self._outbox

    @property
    def moving(self) -> MovingStore:
        if self._moving is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self._moving

    @property
    def meetings(self) -> MeetingStore:
        if self._meetings is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self._meetings

    @property
    def agreements(self) -> AgreementStore:
        if self._agreements is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self._agreements

    @property
    def topics(self) -> TopicStore:
        if self._topics is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self._topics

    @property
    def conversations(self) -> ConversationStore:
        if self._conversations is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self._conversations


class BotData:
    """What the application keeps for its whole life (PTB's `bot_data`, typed)."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self.stopped_for_conflict = False  # polling stopped: another client polls this token

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("build_application has not attached the services")
        return self._services

    @services.setter
    def services(self, services: Services) -> None:
        self._services = services


@dataclass(frozen=True)
class Caller:
    """The user behind an update: their account (if any), their roles and their language."""

    user: User
    account: Account | None
    roles: frozenset[Role]
    t: Translator
    worker_name: str | None = None  # the name of the worker following them, when `knows_worker`
    knows_worker: bool = False  # read with the account (else asked for when needed)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        """Their Telegram name without invisible characters (it is shown to others)."""
        return visible_name(self.user.full_name) or str(self.user.id)

    @property
    def profile(self) -> TelegramProfile:
        return TelegramProfile(self.user.id, self.name, self.user.language_code)

    def has(self, role: Role) -> bool:
        return role in self.roles


def caller_of(
    svc: Services, user: User, account: Account | None, speaker: Speaker | None = None
) -> Caller:
    """Who `user` is, given their account as just read (None: a visitor), and the rest of what
    the read found (`speaker`: the name of the worker who follows them)."""
    return Caller(
        user=user,
        account=account,
        roles=roles_of(svc.settings, user.id, account),
        t=svc.catalogs.get(
            svc.catalogs.resolve(account.language if account else None, user.language_code)
        ),
        worker_name=speaker.worker_name if speaker else None,
        knows_worker=speaker is not None,
    )


async def identify(svc: Services, user: User) -> tuple[Caller, Speaker]:
    """Look the sender up in the database (one read): once per update, never cached across
    updates."""
    speaker = await svc.repo.speaker(user.id)
    return caller_of(svc, user, speaker.account, speaker), speaker


class EscaleContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context of one update: the services, and who is speaking.

    `caller` and `conversation` are set once per update, before any feature's handler, from
    one read: the sender's account, what they were asked to type, their open preparation. A
    handler that changes the sender's account (joining, /language, /forget) says so with
    `recognise` or `reload_caller`, so that what runs later in the same update (the menu
    refresh, the activity stamp) sees the account as it now is; one that asks for a text or
    stops asking goes through `ask` / `stop_asking`, which keep `conversation` true. A role change
    made by someone else takes effect on the sender's next update: nothing is kept between
    updates."""

    __slots__ = ("_caller", "conversation", "menu_signature")

    def __init__(
        self,
        application: Application[ExtBot[None], EscaleContext, Any, Any, BotData, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self._caller: Caller | None = None
        self.conversation: Conversation = NOTHING  # what the sender is in the middle of
        self.menu_signature: str | None = None  # the menu their chat was last given

    def understand(self, caller: Caller, speaker: Speaker) -> None:
        """Who sent this update and what they are in the middle of, as just read."""
        self._caller = caller
        self.conversation = speaker.conversation
        self.menu_signature = speaker.menu_signature

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def knows_caller(self) -> bool:
        return self._caller is not None

    @property
    def caller(self) -> Caller:
        if self._caller is None:
            raise RuntimeError("no caller: this update has no sender in a private chat")
        return self._caller

    @caller.setter
    def caller(self, caller: Caller) -> None:
        self._caller = caller

    def recognise(self, account: Account | None) -> Caller:
        """The sender's account changed in this update (`account` as it is now): later
        handlers of the update see it, with the roles and language it gives."""
        self._caller = caller_of(self.services, self.caller.user, account)
        return self._caller

    async def reload_caller(self) -> Caller:
        """The sender's account changed in a way the handler does not hold: read it again."""
        self.understand(*await identify(self.services, self.caller.user))
        return self.caller

    async def ask(self, asked: Asked) -> None:
        """The sender's next message is for `asked` (the newest question replaces any other)."""
        await self.services.conversations.ask(self.caller.id, asked)
        self.conversation = replace(self.conversation, asked=asked)

    async def stop_asking(self, purposes: Sequence[str]) -> bool:
        """The sender is no longer asked for any of `purposes`; whether they were. Nothing is
        written when this update found nothing of the kind asked."""
        asked = self.conversation.asked
        if asked is None or asked.purpose not in purposes:
            return False
        self.conversation = replace(self.conversation, asked=None)
        return await self.services.conversations.end(self.caller.id, purposes)

    async def read_back(self, at: datetime | None) -> None:
        """The date understood from what the sender typed, waiting for their ✔."""
        await self.services.conversations.read_back(self.caller.id, at)
        asked = self.conversation.asked
        if asked is not None:
            self.conversation = replace(self.conversation, asked=replace(asked, proposed_at=at))


CONTEXT_TYPES = ContextTypes(context=EscaleContext, bot_data=BotData)


def roles_of(settings: Settings, user_id: int, account: Account | None) -> frozenset[Role]:
    roles = set()
    if user_id in settings.admin_ids:
        roles.add(Role.ADMIN)
    if account and account.is_active_worker:
        roles.add(Role.WORKER)
    if account and account.is_person:
        roles.add(Role.PERSON)
    return frozenset(roles)


EscaleApplication = Application[
    ExtBot[None], EscaleContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
