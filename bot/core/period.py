"""A retention period in calendar terms ("24 months"), counted on the calendar, not in seconds."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_SHAPE = re.compile(r"^(\d{1,4})\s*(days?|d|weeks?|w|months?|years?|y)$")


@dataclass(frozen=True)
class Period:
    """`months` calendar months plus `days` days (one of them is zero)."""

    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, raw: str) -> Period | None:
        """`24 months`, `2 years`, `90 days`, `12 weeks`; None if it is not one (or is zero)."""
        found = _SHAPE.match(raw.strip().lower())
        if not found or int(found.group(1)) == 0:
            return None
        count, unit = int(found.group(1)), found.group(2)[0]
        if unit == "y":
            return cls(months=12 * count)
        if unit == "m":
            return cls(months=count)
        return cls(days=count * (7 if unit == "w" else 1))

    def after(self, moment: datetime) -> datetime:
        """When a period that starts at `moment` ends."""
        return _add_months(moment, self.months) + timedelta(days=self.days)

    def before(self, moment: datetime) -> datetime:
        """When a period that ends at `moment` started."""
        return _add_months(moment - timedelta(days=self.days), -self.months)

    @property
    def approximate(self) -> timedelta:
        return timedelta(days=self.days + round(self.months * 30.44))

    def warning_ahead(self) -> timedelta:
        """How long before the end a person is told: a month, or half a short period."""
        return min(timedelta(days=30), self.approximate / 2)

    def __str__(self) -> str:
        if self.months:
            return f"{self.months} months"
        return f"{self.days} days"


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
