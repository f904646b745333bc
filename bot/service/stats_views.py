"""The coordinators' numbers: counts only, below 5 shown as "fewer than 5", no person named."""

from __future__ import annotations

from statistics import median

from babel.numbers import format_percent

from bot.accounts.store import WorkerSummary
from bot.core.i18n import Translator
from bot.core.text import Reply, bullets, esc, in_messages
from bot.service.stats_store import Counts

SMALLEST_SHOWN = 5  # a count from 1 to 4 could point at a person


def count(t: Translator, value: int) -> str:
    if 0 < value < SMALLEST_SHOWN:
        return t._("fewer than 5")
    return str(value)


def _share(t: Translator, part: int, whole: int) -> str:
    if whole < SMALLEST_SHOWN:
        return t._("too few to show")
    percent = format_percent(part / whole, locale=t.language)
    return t._("{percent} of {count}").format(percent=percent, count=whole)


def _delay(t: Translator, hours: list[float]) -> str:
    if len(hours) < SMALLEST_SHOWN:
        return t._("too few to show")
    value = median(hours)
    if value < 48:
        return t.n_("{count} hour", "{count} hours", round(value)).format(count=round(value))
    days = round(value / 24)
    return t.n_("{count} day", "{count} days", days).format(count=days)


def _month_lines(t: Translator, counts: Counts, month: str, worker_id: int | None) -> list[str]:
    def c(metric: str) -> str:
        return count(t, counts.get(metric, month, worker_id))

    return [
        t._("joined: {joined}; left: {left}; moved to another worker: {moved}").format(
            joined=c("joined"), left=c("left"), moved=c("moved")
        ),
        t._(
            "preparations started: {started}; sent: {sent}; read by the worker: {read}; "
            "kept for oneself: {kept}"
        ).format(started=c("started"), sent=c("sent"), read=c("read"), kept=c("kept")),
        t._("invitations to prepare sent: {reminders}").format(reminders=c("reminders")),
        t._("meetings prepared: {share}").format(
            share=_share(
                t,
                counts.get("prepared", month, worker_id),
                counts.get("meetings", month, worker_id),
            )
        ),
        t._("median time from the invitation to sending: {delay}").format(
            delay=_delay(t, counts.delays_of(month, worker_id))
        ),
    ]


def stats(
    t: Translator, counts: Counts, months: list[str], workers: list[WorkerSummary]
) -> list[Reply]:
    """`months` newest first: the service over all of them, each worker over the first two."""
    parts = [
        t._("<b>The service in numbers</b>")
        + "\n"
        + t._(
            'Counts only, never what anyone wrote. A count from 1 to 4 shows as "fewer than '
            '5", so that it cannot point at a person.'
        ),
        t._("People followed now: {count}").format(count=count(t, sum(counts.followed.values()))),
    ]
    for month in months:
        parts.append(
            "<b>" + esc(t.month(month)) + "</b>\n" + bullets(_month_lines(t, counts, month, None))
        )
    for worker in workers:
        followed = counts.followed.get(worker.user_id, 0)
        lines = [t._("people followed now: {count}").format(count=count(t, followed))]
        for month in months[:2]:
            lines.append(
                "<i>"
                + esc(t.month(month))
                + "</i>\n"
                + bullets(_month_lines(t, counts, month, worker.user_id))
            )
        parts.append("<b>" + esc(worker.display_name) + "</b>\n" + "\n".join(lines))
    return in_messages([part + "\n" for part in parts])


def chart_caption(t: Translator, months: list[str]) -> str:
    return t._(
        "Preparations started (blue) and sent (green), {first} to {last}. A pale bar means "
        "fewer than 5."
    ).format(first=esc(t.month(months[0])), last=esc(t.month(months[-1])))
