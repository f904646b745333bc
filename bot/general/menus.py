"""Command menus per role and per language: a person never sees a worker's or admin's commands.

Visitors get the per-language menus of all private chats. Anyone with a role, or with a language
of their own choosing, gets a menu for their chat alone; what was last set is remembered in the
database, so Telegram is called only when roles or language change. Menus are cosmetic: every
handler checks the role itself.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.accounts.store import Repository
from bot.context import Role, Services, roles_of
from bot.core.i18n import N_, Catalogs, Translator

log = logging.getLogger(__name__)

DESCRIPTIONS = {
    "start": N_("What Escale is"),
    "help": N_("What you can do here"),
    "language": N_("Choose your language"),
    "privacy": N_("What Escale keeps and who sees it"),
    "cancel": N_("Pause or stop what you are doing"),
    "prepare": N_("Prepare my next meeting"),
    "meeting": N_("The date of the next meeting"),
    "logbook": N_("My small steps and how they went"),
    "history": N_("What a person sent you over time"),
    "agreed": N_("Write down what you agreed at a meeting"),
    "topics": N_("Topics you would like to add to a meeting"),
    "mydata": N_("Get a copy of your data"),
    "forget": N_("Erase your data and leave Escale"),
    "invite": N_("Create a link for a person you follow"),
    "people": N_("The people you follow"),
    "newworker": N_("Create a link for a new social worker"),
    "workers": N_("The social workers: pause or restore access"),
    "invitations": N_("Links not used yet: see or revoke"),
    "stats": N_("The service in numbers"),
}

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


def _commands(t: Translator, names: list[str]) -> list[BotCommand]:
    return [BotCommand(name, t._(DESCRIPTIONS[name])) for name in names]


async def set_default_menus(bot: Bot, catalogs: Catalogs) -> None:
    """The visitor menu in private chats, once per language and once for everyone else."""
    scope = BotCommandScopeAllPrivateChats()
    for language in catalogs.languages:
        await bot.set_my_commands(
            _commands(catalogs.get(language), menu_for(frozenset())), scope, language
        )
    await bot.set_my_commands(
        _commands(catalogs.get(catalogs.default), menu_for(frozenset())), scope
    )


async def sync_chat_menu(
    bot: Bot,
    repo: Repository,
    chat_id: int,
    roles: frozenset[Role],
    t: Translator,
    chose_language: bool,
) -> None:
    """Give this chat the menu its roles and language call for, if it does not have it yet.

    A failure is logged, not raised, and not remembered, so the next update tries again.
    """
    wanted = None
    if roles or chose_language:
        wanted = f"{t.language}:{','.join(sorted(role.value for role in roles))}"
    if await repo.menu_signature(chat_id) == wanted:
        return
    scope = BotCommandScopeChat(chat_id)
    try:
        if wanted is None:
            await bot.delete_my_commands(scope)
        else:
            await bot.set_my_commands(_commands(t, menu_for(roles)), scope)
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
