"""Read the date and time typed for a meeting (a worker setting it, a person giving it or
proposing another), or say why we cannot.

People type what they would write on a sticky note ("mardi 14h", "12/03 à 14h30", "March 12
at 2pm"), and they mix languages, so French and English are both accepted whatever the user's
language. The choices, each made so that a typo is refused rather than silently rescheduled:

- Numeric dates are day-first, as written in Europe: "12/03" is the 12th of March, unless the
  writer's language is American English (month first). For English without a known variant, a
  date that reads both ways ("7/12") is not guessed: both readings come back to be asked about.
  A dotted pair such as "14.30" is a time only when another word gives the day, or with am/pm;
  alone it is a date.
- A date without a year is its next occurrence from today, unless it fell in the last 30 days:
  the 24th of November typed on the 25th was yesterday (said to be past), not next year; a
  two-digit year is 20YY. "le 3" / "the 3rd" is the next 3rd of a month. A weekday is the
  next such day, today included while the time is still ahead; "next"/"prochain" changes
  nothing, as people disagree on what it means.
- Relative days: "demain", "après-demain", "dans 3 jours", "in 2 weeks"; and, to say they are
  past rather than unreadable, "hier", "yesterday", "2 days ago", "lundi dernier".
- "à 9" / "at 9": a bare hour after "à"/"at" is that hour on the dot.
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

from bot.meetings.model import Parsed as Parsed
from bot.meetings.model import Problem as Problem
from bot.meetings.model import Refused as Refused

MAX_AHEAD = timedelta(days=365)
# A date without a year that fell this long ago or less is said to be past, not moved a year on.
RECENTLY_PAST = timedelta(days=30)


class DateOrder(enum.Enum):
    """How a numeric date such as "7/12" is read."""

    DAY_FIRST = "day_first"  # 7 December: French, British English, most of the world
    MONTH_FIRST = "month_first"  # July 12: American English
    ASK = "ask"  # English of no known variant: a date that reads both ways is asked about


_MONTH_FIRST_REGIONS = frozenset({"us", "ph", "fm", "mh", "pw", "as", "gu", "mp", "pr", "um", "vi"})


def date_order(language: str, telegram_code: str | None) -> DateOrder:
    """The reading of numeric dates for someone who speaks `language` (Escale's choice for
    them) with `telegram_code` (their Telegram language, such as "en-US")."""
    if language.split("-")[0].lower() != "en":
        return DateOrder.DAY_FIRST
    parts = (telegram_code or "").replace("_", "-").lower().split("-")
    if parts[0] != "en" or len(parts) < 2 or not parts[1]:
        return DateOrder.ASK
    return DateOrder.MONTH_FIRST if parts[1] in _MONTH_FIRST_REGIONS else DateOrder.DAY_FIRST


class _Refusal(Exception):
    """Raised by the steps below so each can stop the reading with its own problem."""

    def __init__(self, problem: Problem, day: date | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.day = day


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
    r"|(?P<tomorrow>demain|tomorrow)|(?P<before>avant[\s-]*hier|day\s+before\s+yesterday)"
    rf"|(?P<yesterday>hier|yesterday)){_END}"
)
_COUNT = r"(?P<count>\d{1,3}|une?|a|one)"
_UNIT = r"(?P<unit>jours?|days?|semaines?|weeks?)"
_IN_DAYS = re.compile(rf"(?:dans|in)\s+{_COUNT}\s+{_UNIT}{_END}")
_DAYS_AGO = (
    re.compile(rf"il\s+y\s+a\s+{_COUNT}\s+{_UNIT}{_END}"),
    re.compile(rf"{_COUNT}\s+{_UNIT}\s+ago{_END}"),
)
_WEEKDAY = re.compile(
    rf"(?:(?P<next>next)\s+|(?P<last>last)\s+)?(?P<name>{_one_of(_WEEKDAYS)})"
    rf"(?:\s+prochain|\s+(?P<dernier>dernier))?{_END}"
)
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
_NOT_A_DAY_NUMBER = rf"(?!\s*(?:of\s+)?{_MONTH}{_END}|[/.:-]\d|\s*h|\s*[ap]\.?m{_END})"
_DAY_OF_MONTH = re.compile(  # "le 3", "the 3rd": not "le 3 mars", "le 3/12", "le 14h"
    rf"(?:le|the)\s+(?P<day>\d{{1,2}})(?:er|st|nd|rd|th)?{_END}{_NOT_A_DAY_NUMBER}"
)
_AT_HOUR = re.compile(  # "à 9", "at 9": not "à 9h", "at 9:30", "at 9 pm"
    rf"(?:a|at)\s+(?P<hour>\d{{1,2}}){_END}{_NOT_A_DAY_NUMBER}"
)
_DOTTED_HALF_DAY_CLOCK = re.compile(  # "9.30am": a dotted time made sure by am/pm
    rf"(?P<hour>\d{{1,2}})\.(?P<minute>\d{{2}})\s*(?P<half>[ap])\.?m\.?{_END}"
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
    numeric: bool = False  # written "7/12": its day and month may be read the other way


@dataclass(frozen=True)
class _DayOfMonth:
    day: int  # "le 3": the next 3rd


@dataclass(frozen=True)
class _RelativeDay:
    offset: int  # days from today


@dataclass(frozen=True)
class _Weekday:
    index: int  # Monday is 0
    last: bool = False  # "lundi dernier", "last monday": the one before today


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


_Day = _CalendarDate | _RelativeDay | _DayOfMonth
_Token = _Day | _Weekday | _Clock | _DottedPair | None


def _normalise(text: str) -> str:
    """Lower case without accents, so "Après-demain À 14H" reads as "apres-demain a 14h"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[’ʼ‘`´]", "'", text).replace(",", " ")
    return text.strip().rstrip(".").strip()


def _read_token(text: str, pos: int) -> tuple[_Token, int]:
    """The token at `pos` and where it ends; an unknown word refuses the whole text."""
    if match := _RELATIVE.match(text, pos):
        offsets = {"today": 0, "tomorrow": 1, "after": 2, "yesterday": -1, "before": -2}
        return _RelativeDay(offsets[match.lastgroup or ""]), match.end()
    if match := _IN_DAYS.match(text, pos):
        return _RelativeDay(_days(match)), match.end()
    for pattern in _DAYS_AGO:
        if match := pattern.match(text, pos):
            return _RelativeDay(-_days(match)), match.end()
    if match := _WEEKDAY.match(text, pos):
        last = bool(match["last"] or match["dernier"])
        if match["next"] and match["dernier"]:
            raise _Refusal(Problem.UNRECOGNISED)
        return _Weekday(_WEEKDAYS[match["name"]], last), match.end()
    if match := _DAY_OF_MONTH.match(text, pos):
        return _DayOfMonth(int(match["day"])), match.end()
    if match := _AT_HOUR.match(text, pos):
        return _Clock(int(match["hour"]), 0, None), match.end()
    for pattern in (_DOTTED_HALF_DAY_CLOCK, _ISO_DATE, _NUMERIC_DATE, _DAY_MONTH, _MONTH_DAY):
        if match := pattern.match(text, pos):
            if pattern is _DOTTED_HALF_DAY_CLOCK:
                return _Clock(int(match["hour"]), int(match["minute"]), match["half"]), match.end()
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
    numeric = month not in _MONTHS
    number = int(month) if numeric else _MONTHS[month]
    numeric = numeric and match.groupdict().get("sep") in ("/", "-")
    return _CalendarDate(int(match["day"]), number, _year(match["year"]), numeric)


def _days(match: re.Match[str]) -> int:
    """ "3 jours", "a week", "2 semaines": in days."""
    count = match["count"]
    number = int(count) if count.isdigit() else 1
    return number * (7 if match["unit"].startswith(("semaine", "week")) else 1)


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
    day: _Day | None
    weekday: _Weekday | None
    clock: _Clock | None

    def readings(self, order: DateOrder) -> list[_Request]:
        """The request as `order` reads it: a numeric date may be swapped, or read both ways."""
        day = self.day
        if not isinstance(day, _CalendarDate) or not day.numeric or order is DateOrder.DAY_FIRST:
            return [self]
        swapped = _Request(_CalendarDate(day.month, day.day, day.year), self.weekday, self.clock)
        if order is DateOrder.MONTH_FIRST:
            return [swapped]
        return [self] if day.day == day.month else [self, swapped]


def _assemble(tokens: list[_Token]) -> _Request:
    """At most one day, one weekday and one time; anything doubled is refused, not chosen."""
    has_day = any(
        isinstance(t, _CalendarDate | _RelativeDay | _DayOfMonth | _Weekday) for t in tokens
    )
    days: list[_Day] = []
    weekdays: list[_Weekday] = []
    clocks: list[_Clock] = []
    for token in tokens:
        if isinstance(token, _DottedPair):
            if has_day:
                clocks.append(_pair_as_clock(token))
            else:
                days.append(_CalendarDate(token.first, int(token.second), None))
                has_day = True
        elif isinstance(token, _CalendarDate | _RelativeDay | _DayOfMonth):
            days.append(token)
        elif isinstance(token, _Weekday):
            weekdays.append(token)
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
    """The given date, or without a year its next occurrence (today included), unless it fell
    in the last few weeks: the 24th of November typed on the 25th was yesterday, not next year."""
    if wanted.year is not None:
        return _date_or_impossible(wanted.year, wanted.month, wanted.day)
    _date_or_impossible(2000, wanted.month, wanted.day)  # a leap year: 29/02 exists
    ahead = behind = None
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidate = date(year, wanted.month, wanted.day)
        except ValueError:
            continue
        if candidate >= today and ahead is None:
            ahead = candidate
        elif candidate < today:
            behind = candidate
    if behind is not None and today - behind <= RECENTLY_PAST:
        raise _Refusal(Problem.PAST, behind)
    if ahead is None:
        raise _Refusal(Problem.TOO_FAR)  # a 29th of February more than a year away
    return ahead


def _day_of_month(wanted: _DayOfMonth, today: date) -> date:
    """The next such day of a month, today included ("le 31" skips the shorter months)."""
    if not 1 <= wanted.day <= 31:
        raise _Refusal(Problem.IMPOSSIBLE)
    year, month = today.year, today.month
    for _ in range(13):
        try:
            candidate = date(year, month, wanted.day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("every day from 1 to 31 comes within a year")  # pragma: no cover


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
    weekday = request.weekday
    if isinstance(request.day, _CalendarDate):
        day = _calendar_day(request.day, today)
    elif isinstance(request.day, _DayOfMonth):
        day = _day_of_month(request.day, today)
    elif isinstance(request.day, _RelativeDay):
        day = today + timedelta(days=request.day.offset)
    elif weekday is not None and weekday.last:  # "lundi dernier": the one before today
        return today - timedelta(days=(today.weekday() - weekday.index - 1) % 7 + 1)
    elif weekday is not None:
        return _next_weekday(weekday.index, today, at, now_local)
    else:
        raise _Refusal(Problem.NO_DATE)
    if weekday is not None and (weekday.index != day.weekday() or weekday.last):
        raise _Refusal(Problem.IMPOSSIBLE)  # "lundi 12 mars" when the 12th is a Friday
    return day


def _localise(local: datetime, tz: ZoneInfo) -> datetime:
    """The local time made aware (first of a repeated hour); a skipped one does not survive
    the round trip through UTC."""
    moment = local.replace(tzinfo=tz, fold=0)
    if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
        raise _Refusal(Problem.SKIPPED_HOUR)
    return moment


def _resolve(request: _Request, now: datetime, tz: ZoneInfo) -> datetime:
    at = _time_of(request.clock) if request.clock is not None else None
    now_local = now.astimezone(tz).replace(tzinfo=None)
    horizon = now.astimezone(UTC) + MAX_AHEAD
    day = _resolve_day(request, at, now_local)
    if day < now_local.date():  # a day already past is said at once, with or without a time
        raise _Refusal(Problem.PAST, day)
    if at is None:  # a day out of range is said before asking for the time
        if day > horizon.astimezone(tz).date():
            raise _Refusal(Problem.TOO_FAR)
        raise _Refusal(Problem.NO_TIME)
    moment = _localise(datetime.combine(day, at), tz)
    if moment <= now:
        raise _Refusal(Problem.PAST, day)
    if moment > horizon:
        raise _Refusal(Problem.TOO_FAR)
    return moment


def _parse(text: str, now: datetime, tz: ZoneInfo, order: DateOrder) -> Parsed | Refused:
    """Each reading of the text resolved; two that work are asked about, none is refused with
    the most telling reason (a real date in the past says more than an impossible one)."""
    readings = _assemble(_tokenize(_normalise(text))).readings(order)
    found: list[datetime] = []
    refusals: list[_Refusal] = []
    for request in readings:
        try:
            found.append(_resolve(request, now, tz))
        except _Refusal as refusal:
            refusals.append(refusal)
    if len(found) == 1:
        return Parsed(found[0])
    if found:
        return Refused(Problem.AMBIGUOUS, choices=tuple(found))
    telling = [r for r in refusals if r.problem is not Problem.IMPOSSIBLE] or refusals
    return Refused(telling[0].problem, telling[0].day)


def parse_meeting_time(
    text: str, now: datetime, tz: ZoneInfo, order: DateOrder = DateOrder.DAY_FIRST
) -> Parsed | Refused:
    """Read a meeting's date and time as typed; `now` must be aware. `order` says how to read
    "7/12" (see `date_order`)."""
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    try:
        return _parse(text, now, tz, order)
    except _Refusal as refusal:
        return Refused(refusal.problem, refusal.day)
