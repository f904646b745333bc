"""Command menus per role and per language: a person never sees a worker's or admin's commands.

Menus are cosmetic: every handler checks the role itself.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.context import Role
from bot.i18n import N_, Catalogs, Translator

log = logging.getLogger(__name__)

DESCRIPTIONS = {
    "start": N_("What Escale is"),
    "help": N_("What I can do for you"),
    "language": N_("Choose your language"),
    "privacy": N_("What Escale keeps and who sees it"),
    "cancel": N_("Stop what is in progress"),
    "mydata": N_("Get a copy of your data"),
    "forget": N_("Erase your data and leave Escale"),
    "invite": N_("Create a link for a person you follow"),
    "people": N_("The people you follow"),
    "newworker": N_("Create a link for a new worker"),
    "workers": N_("The workers: suspend or reactivate"),
}

VISITOR_MENU = ("start", "help", "language", "privacy")
ROLE_MENUS = {
    Role.ADMIN: ("newworker", "workers"),
    Role.WORKER: ("invite", "people"),
    Role.PERSON: ("mydata", "forget", "cancel"),
}
COMMON_MENU = ("help", "language", "privacy")


def menu_for(roles: frozenset[Role]) -> list[str]:
    """The commands, in menu order, for someone holding `roles`."""
    if not roles:
        return list(VISITOR_MENU)
    names = [name for role in Role if role in roles for name in ROLE_MENUS[role]]
    return names + list(COMMON_MENU)


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


async def set_chat_menu(bot: Bot, chat_id: int, roles: frozenset[Role], t: Translator) -> None:
    """This chat's own menu, in the user's resolved language (a chat scope overrides defaults).

    Failure is logged, not raised: a menu is a convenience and must not break the answer.
    """
    try:
        await bot.set_my_commands(_commands(t, menu_for(roles)), BotCommandScopeChat(chat_id))
    except TelegramError as error:
        log.warning("menu not set chat=%s error=%s", chat_id, type(error).__name__)
