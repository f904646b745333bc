"""The coordinators' numbers: which months, the counts, and a chart when a trend is worth it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.accounts.store import WorkerSummary
from bot.context import Services
from bot.service import chart
from bot.service.stats_store import Counts, StatsStore

MONTHS_SHOWN = 3
MONTHS_CHARTED = 6
CHART_FROM = 3  # months with preparations before a chart is worth a look


@dataclass(frozen=True)
class Report:
    counts: Counts
    months: list[str]  # newest first
    workers: list[WorkerSummary]
    months_charted: list[str]  # oldest first
    chart: bytes | None


def months_back(now: datetime, count: int) -> list[str]:
    """`count` months as `YYYY-MM`, this month first."""
    year, month = now.year, now.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found


async def report(svc: Services, now: datetime) -> Report:
    counts = await StatsStore(svc.repo.db).counts(now)
    charted = list(reversed(months_back(now, MONTHS_CHARTED)))
    started = [counts.get("started", month) for month in charted]
    sent = [counts.get("sent", month) for month in charted]
    picture = None
    if sum(1 for value in started if value) >= CHART_FROM:
        picture = chart.bar_chart([started, sent])
    return Report(
        counts=counts,
        months=months_back(now, MONTHS_SHOWN),
        workers=await svc.repo.workers(),
        months_charted=charted,
        chart=picture,
    )
