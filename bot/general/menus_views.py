"""The command menus' words: each command's description, in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import BotCommand

from bot.core.i18n import N_, Translator

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


def commands(t: Translator, names: Sequence[str]) -> list[BotCommand]:
    """The commands `names`, in this order, each with its description in `t`'s language."""
    return [BotCommand(name, t._(DESCRIPTIONS[name])) for name in names]
