"""Read the date and time a worker types for a person's next meeting, or say why we cannot.

Workers type what they would write on a sticky note ("mardi 14h", "12/03 à 14h30", "March 12
at 2pm"), and they mix languages, so French and English are both accepted whatever the user's
language. The choices, each made so that a typo is refused rather than silently rescheduled:

- Numeric dates are day-first, as written in Europe: "12/03" is the 12th of March. A dotted
  pair such as "14.30" is a time only when another word gives the day; alone it is a date.
- A date without a year is its next occurrence from today (this year, else next year); a
  two-digit year is 20YY. A weekday is the next such day, today included while the time is
  still ahead; "next"/"prochain" changes nothing, as people disagree on what it means.
- Every word must be understood: "14h ou 15h" is refused, not read as 14h.
- Local times are in the service's zone. In the autumn's repeated hour the first one is taken;
  a time the spring clock change skips is refused, as is anything past or over a year ahead.

Pure and free of user-facing text: the bot words each `Problem` through gettext.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_AHEAD = timedelta(days=365)


class Problem(enum.Enum):
    """Why a text is not a usable meeting time, so the bot can ask for exactly what is missing."""

    UNRECOGNISED = "unrecognised"  # nothing we can read as a date and time
    NO_TIME = "no_time"  # a date without a time ("12/03", "mardi"): ask for the time
    NO_DATE = "no_date"  # a time without a day ("14h"): ask for the day
    IMPOSSIBLE = "impossible"  # no such date or time (31/02, 25:00, 14h75)
    PAST = "past"  # the moment has passed
    TOO_FAR = "too_far"  # more than MAX_AHEAD ahead: surely a typo
    SKIPPED_HOUR = "skipped_hour"  # the local time does not exist (clocks jump forward)


@dataclass(frozen=True)
class Parsed:
    """A usable meeting time: aware, in the service's time zone."""

    moment: datetime


@dataclass(frozen=True)
class Refused:
    """A text we will not guess at, and why."""

    problem: Problem


class _Refusal(Exception):
    """Raised by the steps below so each can stop the reading with its own problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


# --- Words -------------------------------------------------------------------------------------

_MONTHS = {
    **dict.fromkeys(["janvier", "janv", "jan", "january"], 1),
    **dict.fromkeys(["fevrier", "fevr", "fev", "february", "feb"], 2),
    **dict.fromkeys(["mars", "march", "mar"], 3),
    **dict.fromkeys(["avril", "avr", "april", "apr"], 4),
    **dict.fromkeys(["mai", "may"], 5),
    **dict.fromkeys(["juin", "june", "jun"], 6),
    **dict.fromkeys(["juillet", "juil", "july", "jul"], 7),
    **dict.fromkeys(["aout", "august", "aug"], 8),
    **dict.fromkeys(["septembre", "september", "sept", "sep"], 9),
    **dict.fromkeys(["octobre", "october", "oct"], 10),
    **dict.fromkeys(["novembre", "november", "nov"], 11),
    **dict.fromkeys(["decembre", "december", "dec"], 12),
}
_WEEKDAYS = {
    **dict.fromkeys(["lundi", "monday"], 0),
    **dict.fromkeys(["mardi", "tuesday"], 1),
    **dict.fromkeys(["mercredi", "wednesday"], 2),
    **dict.fromkeys(["jeudi", "thursday"], 3),
    **dict.fromkeys(["vendredi", "friday"], 4),
    **dict.fromkeys(["samedi", "saturday"], 5),
    **dict.fromkeys(["dimanche", "sunday"], 6),
}


def _one_of(words: dict[str, int]) -> str:
    """An alternation trying longer words first, so "mars" is not read as "mar" + "s"."""
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


_END = r"(?![a-z0-9])"  # a token never stops in the middle of a word or number
_MONTH = _one_of(_MONTHS)

# --- Tokens: each pattern reads one piece at the current position of the normalised text ----

_RELATIVE = re.compile(
    r"(?:(?P<today>aujourd'?\s*hui|today)|(?P<after>apres[\s-]*demain|day\s+after\s+tomorrow)"
    rf"|(?P<tomorrow>demain|tomorrow)){_END}"
)
_WEEKDAY = re.compile(rf"(?:next\s+)?(?P<name>{_one_of(_WEEKDAYS)})(?:\s+prochain)?{_END}")
_ISO_DATE = re.compile(
    rf"(?P<year>\d{{4}})-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}})(?:t(?=\d)|{_END})"
)
_NUMERIC_DATE = re.compile(
    rf"(?P<day>\d{{1,2}})(?P<sep>[/.-])(?P<month>\d{{1,2}})"
    rf"(?:(?P=sep)(?P<year>\d{{4}}|\d{{2}}))?{_END}"  # the year repeats the separator
)
_DAY_MONTH = re.compile(
    rf"(?P<day>\d{{1,2}})(?:er|st|nd|rd|th)?\s*(?:of\s+)?(?P<month>{_MONTH})\.?"
    rf"(?:\s+(?P<year>\d{{4}}))?{_END}"
)
_MONTH_DAY = re.compile(
    rf"(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+(?P<year>\d{{4}}))?{_END}"
)
_CLOCK = re.compile(rf"(?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})(?:\s*(?P<half>[ap])\.?m\.?)?{_END}")
_FRENCH_CLOCK = re.compile(  # "14h", "14h30", "14 h 30"; in "14h 12 mars" the 12 is the day
    rf"(?P<hour>\d{{1,2}})\s*h(?:\s*(?P<minute>\d{{2}})(?![/.-]?\d)(?!\s*{_MONTH}{_END}))?{_END}"
)
_HALF_DAY_CLOCK = re.compile(rf"(?P<hour>\d{{1,2}})\s*(?P<half>[ap])\.?m\.?{_END}")
_NOON = re.compile(rf"(?:midi|noon){_END}")
_FILLER = re.compile(rf"(?:le|a|at|on|the){_END}")


@dataclass(frozen=True)
class _CalendarDate:
    day: int
    month: int
    year: int | None


@dataclass(frozen=True)
class _RelativeDay:
    offset: int  # days from today


@dataclass(frozen=True)
class _Weekday:
    index: int  # Monday is 0


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    half: str | None  # "a" or "p" for am/pm, checked with the rest in _time_of


@dataclass(frozen=True)
class _DottedPair:
    """A dotted "12.03" or "14.30": a date, unless another token already gives the day."""

    first: int
    second: str


_Token = _CalendarDate | _RelativeDay | _Weekday | _Clock | _DottedPair | None


def _normalise(text: str) -> str:
    """Lower case without accents, so "Après-demain À 14H" reads as "apres-demain a 14h"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[’ʼ‘`´]", "'", text).replace(",", " ")
    return text.strip().rstrip(".").strip()


def _read_token(text: str, pos: int) -> tuple[_Token, int]:
    """The token at `pos` and where it ends; an unknown word refuses the whole text."""
    if match := _RELATIVE.match(text, pos):
        offset = {"today": 0, "tomorrow": 1, "after": 2}[match.lastgroup or ""]
        return _RelativeDay(offset), match.end()
    if match := _WEEKDAY.match(text, pos):
        return _Weekday(_WEEKDAYS[match["name"]]), match.end()
    for pattern in (_ISO_DATE, _NUMERIC_DATE, _DAY_MONTH, _MONTH_DAY):
        if match := pattern.match(text, pos):
            return _date_token(match), match.end()
    for pattern in (_CLOCK, _FRENCH_CLOCK, _HALF_DAY_CLOCK):
        if match := pattern.match(text, pos):
            minute = int(match.groupdict().get("minute") or 0)
            return _Clock(int(match["hour"]), minute, match.groupdict().get("half")), match.end()
    if match := _NOON.match(text, pos):
        return _Clock(12, 0, None), match.end()
    if match := _FILLER.match(text, pos):
        return None, match.end()
    raise _Refusal(Problem.UNRECOGNISED)


def _date_token(match: re.Match[str]) -> _CalendarDate | _DottedPair:
    month = match["month"]
    if match.groupdict().get("sep") == "." and match["year"] is None:
        return _DottedPair(int(match["day"]), month)
    number = _MONTHS[month] if month in _MONTHS else int(month)
    return _CalendarDate(int(match["day"]), number, _year(match["year"]))


def _year(digits: str | None) -> int | None:
    """A two-digit year is this century's."""
    if digits is None:
        return None
    return int(digits) + (2000 if len(digits) == 2 else 0)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return tokens
        token, pos = _read_token(text, pos)
        tokens.append(token)


# --- From tokens to a request ------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    day: _CalendarDate | _RelativeDay | None
    weekday: int | None
    clock: _Clock | None


def _assemble(tokens: list[_Token]) -> _Request:
    """At most one day, one weekday and one time; anything doubled is refused, not chosen."""
    has_day = any(isinstance(t, _CalendarDate | _RelativeDay | _Weekday) for t in tokens)
    days: list[_CalendarDate | _RelativeDay] = []
    weekdays: list[int] = []
    clocks: list[_Clock] = []
    for token in tokens:
        if isinstance(token, _DottedPair):
            if has_day:
                clocks.append(_pair_as_clock(token))
            else:
                days.append(_CalendarDate(token.first, int(token.second), None))
                has_day = True
        elif isinstance(token, _CalendarDate | _RelativeDay):
            days.append(token)
        elif isinstance(token, _Weekday):
            weekdays.append(token.index)
        elif isinstance(token, _Clock):
            clocks.append(token)
    if max(len(days), len(weekdays), len(clocks)) != 1:  # something doubled, or nothing at all
        raise _Refusal(Problem.UNRECOGNISED)
    return _Request(
        day=days[0] if days else None,
        weekday=weekdays[0] if weekdays else None,
        clock=clocks[0] if clocks else None,
    )


def _pair_as_clock(pair: _DottedPair) -> _Clock:
    if len(pair.second) != 2:  # "14.3" is no way to write a time
        raise _Refusal(Problem.UNRECOGNISED)
    return _Clock(pair.first, int(pair.second), None)


# --- Checking and resolving --------------------------------------------------------------------


def _time_of(clock: _Clock) -> time:
    """The clock time, hours 0-23; with am/pm, 1-12 where 12am is midnight and 12pm noon."""
    hour = clock.hour
    if clock.half is not None:
        if not 1 <= hour <= 12:
            raise _Refusal(Problem.IMPOSSIBLE)
        hour = hour % 12 + (12 if clock.half == "p" else 0)
    if not (0 <= hour <= 23 and 0 <= clock.minute <= 59):
        raise _Refusal(Problem.IMPOSSIBLE)
    return time(hour, clock.minute)


def _calendar_day(wanted: _CalendarDate, today: date) -> date:
    """The given date, or without a year its next occurrence from today (today included)."""
    if wanted.year is not None:
        return _date_or_impossible(wanted.year, wanted.month, wanted.day)
    _date_or_impossible(2000, wanted.month, wanted.day)  # a leap year: 29/02 exists
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, wanted.month, wanted.day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise _Refusal(Problem.TOO_FAR)  # a 29th of February more than a year away


def _date_or_impossible(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _Refusal(Problem.IMPOSSIBLE) from None


def _next_weekday(index: int, today: date, at: time | None, now_local: datetime) -> date:
    """The next such day; today only while the time is still ahead (or if none was given)."""
    candidate = today + timedelta(days=(index - today.weekday()) % 7)
    if candidate == today and at is not None and datetime.combine(today, at) <= now_local:
        candidate += timedelta(days=7)
    return candidate


def _resolve_day(request: _Request, at: time | None, now_local: datetime) -> date:
    today = now_local.date()
    if isinstance(request.day, _CalendarDate):
        day = _calendar_day(request.day, today)
    elif isinstance(request.day, _RelativeDay):
        day = today + timedelta(days=request.day.offset)
    elif request.weekday is not None:
        return _next_weekday(request.weekday, today, at, now_local)
    else:
        raise _Refusal(Problem.NO_DATE)
    if request.weekday is not None and request.weekday != day.weekday():
        raise _Refusal(Problem.IMPOSSIBLE)  # "lundi 12 mars" when the 12th is a Friday
    return day


def _localise(local: datetime, tz: ZoneInfo) -> datetime:
    """The local time made aware (first of a repeated hour); a skipped one does not survive
    the round trip through UTC."""
    moment = local.replace(tzinfo=tz, fold=0)
    if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
        raise _Refusal(Problem.SKIPPED_HOUR)
    return moment


def _parse(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    request = _assemble(_tokenize(_normalise(text)))
    at = _time_of(request.clock) if request.clock is not None else None
    now_local = now.astimezone(tz).replace(tzinfo=None)
    horizon = now.astimezone(UTC) + MAX_AHEAD
    day = _resolve_day(request, at, now_local)
    if at is None:  # a day already out of range is said at once, before asking for the time
        if day < now_local.date():
            raise _Refusal(Problem.PAST)
        if day > horizon.astimezone(tz).date():
            raise _Refusal(Problem.TOO_FAR)
        raise _Refusal(Problem.NO_TIME)
    moment = _localise(datetime.combine(day, at), tz)
    if moment <= now:
        raise _Refusal(Problem.PAST)
    if moment > horizon:
        raise _Refusal(Problem.TOO_FAR)
    return moment


def parse_meeting_time(text: str, now: datetime, tz: ZoneInfo) -> Parsed | Refused:
    """Read a meeting's date and time as typed by a worker; `now` must be aware."""
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    try:
        return Parsed(_parse(text, now, tz))
    except _Refusal as refusal:
        return Refused(refusal.problem)
