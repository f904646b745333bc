"""Texts for a person's own data: the copy they can take, and leaving Escale."""

from __future__ import annotations

from bot.core import callbacks
from bot.core.i18n import Translator
from bot.core.text import Reply, esc


def mydata_caption(t: Translator) -> str:
    return t._("Here is everything Escale keeps about you, in a file you can keep.")


def forget_confirm(t: Translator, worker_name: str) -> Reply:
    return Reply(
        t._(
            "Do you want to erase everything Escale keeps about you and leave Escale?\n\n"
            "This cannot be undone. {worker} will only be told that you left. Messages "
            "already sent to {worker} stay in their Telegram."
        ).format(worker=esc(worker_name)),
        [
            [
                (_yes(t), callbacks.FORGET_YES),
                (_no(t), callbacks.FORGET_NO),
            ]
        ],
    )


def forget_answer(t: Translator, erase: bool) -> str:
    """What the confirmation message shows once answered, in place of its buttons."""
    return _yes(t) if erase else _no(t)


def _yes(t: Translator) -> str:
    return t._("Yes, erase everything")


def _no(t: Translator) -> str:
    return t._("No, keep it")


def forgotten(t: Translator) -> Reply:
    return Reply(
        t._(
            "Done: everything Escale kept about you is erased. Take care! If one day you want "
            "to come back, ask your worker for a new link."
        )
    )


def kept(t: Translator) -> Reply:
    return Reply(t._("All right, nothing has been erased."))


def person_left_notice(t: Translator, name: str) -> Reply:
    return Reply(
        t._("{name} has left Escale. What they had kept there is erased.").format(name=esc(name))
    )
