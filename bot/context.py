"""What every handler needs: the shared services, and who is speaking (role and language)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, cast

from telegram import Update, User
from telegram.ext import CallbackContext

from bot.accounts.store import Account, Repository, TelegramProfile
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.db import Database
from bot.core.i18n import Catalogs, Translator
from bot.core.invisible import visible_name
from bot.core.roles import Role as Role
from bot.meetings.store import MeetingStore
from bot.negotiation.agreements_store import AgreementStore
from bot.negotiation.topics_store import TopicStore
from bot.outbox.store import OutboxStore
from bot.preparation.dialogue.model import Dialogue
from bot.preparation.store import PreparationStore
from bot.service.moving_store import MovingStore

Context = CallbackContext[Any, Any, Any, Any]


class BackgroundTask(Protocol):
    """Work started after start-up (the command menus): awaited by tests, stopped at the end."""

    async def settled(self) -> None: ...

    async def stop(self) -> None: ...


class Delivery(Protocol):
    """The outbox's sender as the services know it (`bot.outbox.sender.Sender`)."""

    def wake(self) -> None: ...

    async def start(self) -> None: ...

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
        self.sender: Delivery | None = None
        self.startup_menus: BackgroundTask | None = None

    def attach(self, db: Database) -> None:
        self._repo = Repository(db)
        self._preparations = PreparationStore(db)
        self._outbox = OutboxStore(db)
        self._meetings = MeetingStore(db)
        self._moving = MovingStore(db)
        self._agreements = AgreementStore(db)
        self._topics = TopicStore(db)

    def detach(self) -> Database | None:
        db = self._repo.db if self._repo else None
        self._repo = None
        self._preparations = None
        self._outbox = None
        self._meetings = None
        self._moving = None
        self._agreements = None
        self._topics = None
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


def services(context: Context) -> Services:
    return cast(Services, context.application.bot_data["services"])


@dataclass(frozen=True)
class Caller:
    """The user behind an update: their account (if any), their roles and their language."""

    user: User
    account: Account | None
    roles: frozenset[Role]
    t: Translator

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


async def identify(update: Update, context: Context) -> Caller:
    """Look the sender up in the database; roles are always read fresh, never cached."""
    user = update.effective_user
    assert user is not None, "handlers are registered for updates that have a sender"
    svc = services(context)
    account = await svc.repo.account(user.id)
    return Caller(
        user=user,
        account=account,
        roles=roles_of(svc.settings, user.id, account),
        t=svc.catalogs.get(
            svc.catalogs.resolve(account.language if account else None, user.language_code)
        ),
    )


def roles_of(settings: Settings, user_id: int, account: Account | None) -> frozenset[Role]:
    roles = set()
    if user_id in settings.admin_ids:
        roles.add(Role.ADMIN)
    if account and account.is_active_worker:
        roles.add(Role.WORKER)
    if account and account.is_person:
        roles.add(Role.PERSON)
    return frozenset(roles)
