"""Plain data of meetings: what a typed date turned out to be — a time, or why it is refused."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime


class Problem(enum.Enum):
    """Why a text is not a usable meeting time, so the bot can ask for exactly what is missing."""

    UNRECOGNISED = "unrecognised"  # nothing we can read as a date and time
    NO_TIME = "no_time"  # a date without a time ("12/03", "mardi"): ask for the time
    NO_DATE = "no_date"  # a time without a day ("14h"): ask for the day
    IMPOSSIBLE = "impossible"  # no such date or time (31/02, 25:00, 14h75)
    PAST = "past"  # the moment has passed
    TOO_FAR = "too_far"  # more than MAX_AHEAD ahead: surely a typo
    SKIPPED_HOUR = "skipped_hour"  # the local time does not exist (clocks jump forward)
    AMBIGUOUS = "ambiguous"  # "7/12" in English of no known variant: the writer picks


@dataclass(frozen=True)
class Parsed:
    """A usable meeting time: aware, in the service's time zone."""

    moment: datetime


@dataclass(frozen=True)
class Refused:
    """A text we will not guess at, and why: for PAST, the local day it named (so the bot can
    say "that was yesterday"); for AMBIGUOUS, the two readings, day first then month first."""

    problem: Problem
    day: date | None = None
    choices: tuple[datetime, ...] = ()
