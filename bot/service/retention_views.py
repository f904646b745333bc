"""Texts of retention: the person told ahead, the worker told that the data reached its end."""

from __future__ import annotations

from datetime import datetime

from bot.core.i18n import Translator
from bot.core.period import Period
from bot.core.text import Reply, esc


def warning(t: Translator, erase_on: datetime, period: Period) -> Reply:
    return Reply(
        t._(
            "You have not used Escale for a long time. Escale keeps your data for {period} "
            "after your last visit. On {date}, everything Escale keeps about you will be "
            "erased.\n\n"
            "/mydata gives you a copy to keep. To keep using Escale, just write to me: "
            "your data then stays."
        ).format(period=period_in_words(t, period), date=t.date(erase_on))
    )


def reached_its_end(t: Translator, name: str) -> Reply:
    return Reply(
        t._(
            "The data of {name} reached the end of its keeping period. Escale erased it. "
            "{name} is no longer in your list."
        ).format(name=esc(name))
    )


def erased_while_paused(t: Translator) -> Reply:
    return Reply(
        t._(
            "While your access was paused, the data of a person you accompanied reached the "
            "end of its keeping period. Escale erased it. They are no longer in your list."
        )
    )


def period_in_words(t: Translator, period: Period) -> str:
    """`24 mois` / `90 days`, in the reader's language."""
    if period.months:
        return t.n_("{count} month", "{count} months", period.months).format(count=period.months)
    return t.n_("{count} day", "{count} days", period.days).format(count=period.days)


def erased_while_away(t: Translator) -> Reply:
    """For a worker who could not be reached when it happened: the name is no longer kept."""
    return Reply(
        t._(
            "The data of a person you accompanied reached the end of its keeping period. "
            "Escale erased it. This person is no longer in your list."
        )
    )
