"""Command menus per role and per language: a person never sees a worker's or admin's commands.

Visitors get the per-language menus of all private chats. Anyone with a role, or with a language
of their own choosing, gets a menu for their chat alone; what was last set is remembered in the
database, so Telegram is called only when roles or language change. Menus are cosmetic: every
handler checks the role itself: so they are set in the background after start-up, retried
until Telegram takes them, and Escale answers people meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import BadRequest, RetryAfter, TelegramError

from bot.accounts.store import Repository
from bot.context import Role, Services, roles_of
from bot.core.i18n import Catalogs, Translator
from bot.core.request import retry_after
from bot.general import menus_views

log = logging.getLogger(__name__)


VISITOR_MENU = ("start", "help", "language", "privacy")
ROLE_MENUS = {
    Role.ADMIN: ("newworker", "workers", "invitations", "stats"),
    Role.WORKER: ("meeting", "invite", "people", "history", "topics", "agreed", "invitations"),
    Role.PERSON: ("prepare", "meeting", "logbook", "mydata", "forget", "cancel"),
}
COMMON_MENU = ("help", "language", "privacy")


def menu_for(roles: frozenset[Role]) -> list[str]:
    """The commands, in menu order, for someone holding `roles`."""
    if not roles:
        return list(VISITOR_MENU)
    names = [name for role in Role if role in roles for name in ROLE_MENUS[role]]
    return list(dict.fromkeys(names)) + list(COMMON_MENU)


@dataclass(frozen=True)
class DefaultMenu:
    """One visitor menu: for the private chats of users of `language` (None: everyone else)."""

    language: str | None
    commands: list[BotCommand]

    async def set(self, bot: Bot) -> None:
        await bot.set_my_commands(self.commands, BotCommandScopeAllPrivateChats(), self.language)


def default_menus(catalogs: Catalogs) -> list[DefaultMenu]:
    """The visitor menu in private chats, once per language and once for everyone else."""
    visitor = menu_for(frozenset())
    menus = [
        DefaultMenu(code, menus_views.commands(catalogs.get(code), visitor))
        for code in catalogs.languages
    ]
    return [
        *menus,
        DefaultMenu(None, menus_views.commands(catalogs.get(catalogs.default), visitor)),
    ]


FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=10)


class StartupMenus:
    """Sets the visitor menus, then the coordinators' own, in a task of its own.

    Telegram may refuse a call at start-up (flood control, a passing server error, a
    timeout): it is tried again, after `retry_after` when Telegram gives one, else after a
    growing pause, on the injected clock. A 400 is a mistake in Escale's command list, not the
    network: it is logged once as an error and that menu is left alone.
    """

    def __init__(self, bot: Bot, svc: Services) -> None:
        self._bot = bot
        self._svc = svc
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="startup-menus")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})

    async def settled(self) -> None:
        """Return once every menu was set or given up (for tests and for a clean log)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        try:
            for menu in default_menus(self._svc.catalogs):
                await self._until_taken(menu)
            for admin_id in sorted(self._svc.settings.admin_ids):
                await refresh(self._bot, self._svc, admin_id)
        except Exception as error:  # the database, say: the next update of each user retries
            stack = "".join(traceback.format_tb(error.__traceback__))  # type and stack only
            log.error("command menus not set error=%s\n%s", type(error).__name__, stack)
            return
        log.info("command menus set")

    async def _until_taken(self, menu: DefaultMenu) -> None:
        pause = FIRST_RETRY
        language = menu.language or "default"
        while True:
            try:
                await menu.set(self._bot)
                return
            except BadRequest as error:
                log.error(
                    "Telegram refused the %s command menu (400: %s): a mistake in Escale's "
                    "commands, not a network problem; Escale runs without this menu",
                    language,
                    error.message,
                )
                return
            except RetryAfter as error:
                wait = retry_after(error)
                log.warning(
                    "command menu %s: flood control, retry in %ss",
                    language,
                    wait.total_seconds(),
                )
            except TelegramError as error:
                wait, pause = pause, min(pause * 2, LONGEST_RETRY)
                log.warning(
                    "command menu %s not set error=%s, retry in %ss",
                    language,
                    type(error).__name__,
                    wait.total_seconds(),
                )
            await _sleep(self._svc, self._svc.clock.now() + wait)


async def _sleep(svc: Services, moment: datetime) -> None:
    while svc.clock.now() < moment:
        await svc.clock.sleep_until(moment)


class Unknown:
    """Not read yet (unlike None, which is a chat with the default menu)."""


UNKNOWN = Unknown()


async def sync_chat_menu(
    bot: Bot,
    repo: Repository,
    chat_id: int,
    roles: frozenset[Role],
    t: Translator,
    chose_language: bool,
    shown: str | Unknown | None = UNKNOWN,
) -> None:
    """Give this chat the menu its roles and language call for, if it does not have it yet
    (`shown`: the menu it was last given, when the update already read it).

    A failure is logged, not raised, and not remembered, so the next update tries again.
    """
    wanted = None
    if roles or chose_language:
        wanted = f"{t.language}:{','.join(sorted(role.value for role in roles))}"
    if isinstance(shown, Unknown):
        shown = await repo.menu_signature(chat_id)
    if shown == wanted:
        return
    scope = BotCommandScopeChat(chat_id)
    try:
        if wanted is None:
            await bot.delete_my_commands(scope)
        else:
            await bot.set_my_commands(menus_views.commands(t, menu_for(roles)), scope)
    except TelegramError as error:
        log.warning("menu not set chat=%s error=%s", chat_id, type(error).__name__)
        return
    await repo.save_menu_signature(chat_id, wanted)


async def refresh(bot: Bot, svc: Services, user_id: int) -> None:
    """Bring a user's menu in line with their current roles and language."""
    account = await svc.repo.account(user_id)
    await sync_chat_menu(
        bot,
        svc.repo,
        user_id,
        roles_of(svc.settings, user_id, account),
        svc.translator_for(account),
        chose_language=bool(account and account.language),
    )
