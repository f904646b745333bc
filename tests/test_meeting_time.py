"""Meeting times as workers type them, in French or English: read exactly, or refused with why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.meetings.dates import DateOrder, Parsed, Problem, Refused, date_order, parse_meeting_time

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=PARIS)  # a Wednesday
LATE_DECEMBER = datetime(2026, 12, 28, 10, 0, tzinfo=PARIS)  # a Monday


def local(text: str, now: datetime = NOW, tz: ZoneInfo = PARIS) -> datetime:
    """The parsed moment as a naive local time, once checked to be aware and in `tz`."""
    result = parse_meeting_time(text, now, tz)
    assert isinstance(result, Parsed), result
    assert result.moment.tzinfo is tz
    return result.moment.replace(tzinfo=None)


ACCEPTED = [
    # Numeric dates, day first.
    pytest.param("12/03 14:30", datetime(2027, 3, 12, 14, 30), id="slash-no-year"),
    pytest.param("12/03/2027 14h30", datetime(2027, 3, 12, 14, 30), id="slash-year"),
    pytest.param("12/03/27 14h", datetime(2027, 3, 12, 14, 0), id="slash-two-digit-year"),
    pytest.param("12.03.27 9h", datetime(2027, 3, 12, 9, 0), id="dots-two-digit-year"),
    pytest.param("12-03-2027 14:30", datetime(2027, 3, 12, 14, 30), id="dashes-year"),
    pytest.param("2027-03-12 14:30", datetime(2027, 3, 12, 14, 30), id="iso"),
    pytest.param("2027-03-12T14:30", datetime(2027, 3, 12, 14, 30), id="iso-t"),
    pytest.param("3/4 9h", datetime(2027, 4, 3, 9, 0), id="day-first-not-month-first"),
    pytest.param("12/03 à 14h30", datetime(2027, 3, 12, 14, 30), id="fr-a"),
    pytest.param("le 12/03/2027 à 14h30", datetime(2027, 3, 12, 14, 30), id="fr-le-a"),
    pytest.param("Le 12/03 A 14H30", datetime(2027, 3, 12, 14, 30), id="fr-case-no-accent"),
    pytest.param("12/03, 14:30", datetime(2027, 3, 12, 14, 30), id="comma"),
    pytest.param("  12/03    14:30  ", datetime(2027, 3, 12, 14, 30), id="extra-spaces"),
    pytest.param("on 12/03 at 2pm", datetime(2027, 3, 12, 14, 0), id="en-on-at"),
    pytest.param("12/03/2027 at 2:30pm", datetime(2027, 3, 12, 14, 30), id="en-slash-pm"),
    pytest.param("30/11 10h", datetime(2026, 11, 30, 10, 0), id="this-year"),
    pytest.param("25/11 10h", datetime(2026, 11, 25, 10, 0), id="today-by-date"),
    pytest.param("24/10 10h", datetime(2027, 10, 24, 10, 0), id="a-month-ago-means-next-year"),
    # A dotted time only next to something that gives the day.
    pytest.param("12/03 14.30", datetime(2027, 3, 12, 14, 30), id="dotted-time-after-date"),
    pytest.param("12.03 14.30", datetime(2027, 3, 12, 14, 30), id="dotted-date-then-time"),
    pytest.param("demain 14.30", datetime(2026, 11, 26, 14, 30), id="dotted-time-relative"),
    pytest.param("14.30 mardi", datetime(2026, 12, 1, 14, 30), id="dotted-time-weekday"),
    # Month names, French.
    pytest.param("12 mars 14h", datetime(2027, 3, 12, 14, 0), id="fr-month"),
    pytest.param("le 12 mars à 14h30", datetime(2027, 3, 12, 14, 30), id="fr-le-month-a"),
    pytest.param("LE 12 MARS À 14H30", datetime(2027, 3, 12, 14, 30), id="fr-month-upper"),
    pytest.param("vendredi 12 mars 14h", datetime(2027, 3, 12, 14, 0), id="fr-weekday-month"),
    pytest.param("12 mars 2027 14h", datetime(2027, 3, 12, 14, 0), id="fr-month-year"),
    pytest.param("14h 12 mars", datetime(2027, 3, 12, 14, 0), id="fr-time-first"),
    pytest.param("1er mars 10h", datetime(2027, 3, 1, 10, 0), id="fr-premier"),
    pytest.param("12 janv. 10h", datetime(2027, 1, 12, 10, 0), id="fr-janv"),
    pytest.param("3 février 9h", datetime(2027, 2, 3, 9, 0), id="fr-fevrier-accent"),
    pytest.param("3 fevr 9h", datetime(2027, 2, 3, 9, 0), id="fr-fevr"),
    pytest.param("1 avr 10h", datetime(2027, 4, 1, 10, 0), id="fr-avr"),
    pytest.param("12 mai 10h", datetime(2027, 5, 12, 10, 0), id="fr-mai"),
    pytest.param("1 juin 10h", datetime(2027, 6, 1, 10, 0), id="fr-juin"),
    pytest.param("14 juil 10h", datetime(2027, 7, 14, 10, 0), id="fr-juil"),
    pytest.param("15 août 10h", datetime(2027, 8, 15, 10, 0), id="fr-aout-accent"),
    pytest.param("5 sept 9h", datetime(2027, 9, 5, 9, 0), id="fr-sept"),
    pytest.param("1 oct 10h", datetime(2027, 10, 1, 10, 0), id="fr-oct"),
    pytest.param("25 novembre 10h", datetime(2026, 11, 25, 10, 0), id="fr-novembre-today"),
    pytest.param("24 DÉCEMBRE 18H", datetime(2026, 12, 24, 18, 0), id="fr-decembre-upper"),
    # Month names, English.
    pytest.param("12 March 2pm", datetime(2027, 3, 12, 14, 0), id="en-day-month"),
    pytest.param("March 12 at 2:30pm", datetime(2027, 3, 12, 14, 30), id="en-month-day"),
    pytest.param("Friday, March 12, 2027 at 2pm", datetime(2027, 3, 12, 14, 0), id="en-full"),
    pytest.param("on the 12th of March at 2pm", datetime(2027, 3, 12, 14, 0), id="en-the-of"),
    pytest.param("March 1st 10am", datetime(2027, 3, 1, 10, 0), id="en-ordinal"),
    pytest.param("jan 12 10am", datetime(2027, 1, 12, 10, 0), id="en-jan"),
    pytest.param("3 feb 9am", datetime(2027, 2, 3, 9, 0), id="en-feb"),
    pytest.param("apr 1 10am", datetime(2027, 4, 1, 10, 0), id="en-apr"),
    pytest.param("may 12 10am", datetime(2027, 5, 12, 10, 0), id="en-may"),
    pytest.param("june 1 10am", datetime(2027, 6, 1, 10, 0), id="en-june"),
    pytest.param("jul 14 10am", datetime(2027, 7, 14, 10, 0), id="en-jul"),
    pytest.param("aug 15 10am", datetime(2027, 8, 15, 10, 0), id="en-aug"),
    pytest.param("sep 5 9am", datetime(2027, 9, 5, 9, 0), id="en-sep"),
    pytest.param("nov 30 10am", datetime(2026, 11, 30, 10, 0), id="en-nov"),
    pytest.param("Dec. 12 10am", datetime(2026, 12, 12, 10, 0), id="en-dec-dot"),
    # Relative days.
    pytest.param("aujourd'hui 10h", datetime(2026, 11, 25, 10, 0), id="fr-aujourdhui"),
    pytest.param("Aujourd’hui à 17h30", datetime(2026, 11, 25, 17, 30), id="fr-aujourdhui-curly"),
    pytest.param("today at 5:30pm", datetime(2026, 11, 25, 17, 30), id="en-today"),
    pytest.param("demain 14h", datetime(2026, 11, 26, 14, 0), id="fr-demain"),
    pytest.param("tomorrow 2pm", datetime(2026, 11, 26, 14, 0), id="en-tomorrow"),
    pytest.param("après-demain 9h", datetime(2026, 11, 27, 9, 0), id="fr-apres-demain-accent"),
    pytest.param("apres-demain 9h", datetime(2026, 11, 27, 9, 0), id="fr-apres-demain"),
    pytest.param("APRÈS DEMAIN À 9H", datetime(2026, 11, 27, 9, 0), id="fr-apres-demain-space"),
    pytest.param("the day after tomorrow 9am", datetime(2026, 11, 27, 9, 0), id="en-day-after"),
    # Weekdays: the next such day.
    pytest.param("mardi 14h", datetime(2026, 12, 1, 14, 0), id="fr-weekday"),
    pytest.param("tuesday 2pm", datetime(2026, 12, 1, 14, 0), id="en-weekday"),
    pytest.param("next tuesday 10:00", datetime(2026, 12, 1, 10, 0), id="en-next-weekday"),
    pytest.param("mardi prochain 10h", datetime(2026, 12, 1, 10, 0), id="fr-weekday-prochain"),
    pytest.param("le mardi à 14h", datetime(2026, 12, 1, 14, 0), id="fr-le-weekday"),
    pytest.param("on Tuesday at 2pm", datetime(2026, 12, 1, 14, 0), id="en-on-weekday"),
    pytest.param("jeudi 8h", datetime(2026, 11, 26, 8, 0), id="fr-jeudi-tomorrow"),
    pytest.param("thursday 8am", datetime(2026, 11, 26, 8, 0), id="en-thursday"),
    pytest.param("dimanche 11h", datetime(2026, 11, 29, 11, 0), id="fr-dimanche"),
    pytest.param("monday 11am", datetime(2026, 11, 30, 11, 0), id="en-monday"),
    pytest.param("demain jeudi 14h", datetime(2026, 11, 26, 14, 0), id="relative-matching-weekday"),
    # Times.
    pytest.param("demain 14h30", datetime(2026, 11, 26, 14, 30), id="h-minutes"),
    pytest.param("demain 14 h 30", datetime(2026, 11, 26, 14, 30), id="h-spaced"),
    pytest.param("demain 09h05", datetime(2026, 11, 26, 9, 5), id="h-leading-zero"),
    pytest.param("demain 0h", datetime(2026, 11, 26, 0, 0), id="h-midnight"),
    pytest.param("demain 23:59", datetime(2026, 11, 26, 23, 59), id="colon-last-minute"),
    pytest.param("tomorrow 2 pm", datetime(2026, 11, 26, 14, 0), id="pm-spaced"),
    pytest.param("tomorrow 2:30 PM", datetime(2026, 11, 26, 14, 30), id="pm-upper"),
    pytest.param("tomorrow 9 a.m.", datetime(2026, 11, 26, 9, 0), id="am-dotted"),
    pytest.param("tomorrow 11am", datetime(2026, 11, 26, 11, 0), id="am"),
    pytest.param("tomorrow 12pm", datetime(2026, 11, 26, 12, 0), id="12pm-noon"),
    pytest.param("tomorrow 12am", datetime(2026, 11, 26, 0, 0), id="12am-midnight"),
    pytest.param("demain midi", datetime(2026, 11, 26, 12, 0), id="fr-midi"),
    pytest.param("tomorrow at noon", datetime(2026, 11, 26, 12, 0), id="en-noon"),
    # The horizon: a year ahead is still fine.
    pytest.param("25/11/2027 09:00", datetime(2027, 11, 25, 9, 0), id="exactly-a-year-ahead"),
    pytest.param("aujourd'hui 9h01", datetime(2026, 11, 25, 9, 1), id="a-minute-ahead"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_forms(text: str, expected: datetime) -> None:
    assert local(text) == expected


REFUSED = [
    pytest.param("", Problem.UNRECOGNISED, id="empty"),
    pytest.param("   ", Problem.UNRECOGNISED, id="blank"),
    pytest.param("bientôt", Problem.UNRECOGNISED, id="unknown-word"),
    pytest.param("14h ou 15h", Problem.UNRECOGNISED, id="fr-alternatives"),
    pytest.param("demain matin", Problem.UNRECOGNISED, id="fr-vague-time"),
    pytest.param("tomorrow 2pm maybe", Problem.UNRECOGNISED, id="en-trailing-word"),
    pytest.param("demain 14h 15h", Problem.UNRECOGNISED, id="two-times"),
    pytest.param("12/03 13/03 14h", Problem.UNRECOGNISED, id="two-dates"),
    pytest.param("demain 12/03 14h", Problem.UNRECOGNISED, id="relative-and-date"),
    pytest.param("mardi mercredi 14h", Problem.UNRECOGNISED, id="two-weekdays"),
    pytest.param("12 14h", Problem.UNRECOGNISED, id="bare-number"),
    pytest.param("mars 14h", Problem.UNRECOGNISED, id="month-without-day"),
    pytest.param("next 14h", Problem.UNRECOGNISED, id="next-without-weekday"),
    pytest.param("Tue 2pm", Problem.UNRECOGNISED, id="abbreviated-weekday"),
    pytest.param("12/03/2027 14:30:00", Problem.UNRECOGNISED, id="seconds"),
    pytest.param("demain 14.3", Problem.UNRECOGNISED, id="dotted-one-digit-minute"),
    pytest.param("le", Problem.UNRECOGNISED, id="only-filler"),
    pytest.param("12/03", Problem.NO_TIME, id="slash-date"),
    pytest.param("12.03", Problem.NO_TIME, id="dotted-date"),
    pytest.param("2027-03-12", Problem.NO_TIME, id="iso-date"),
    pytest.param("le 12 mars", Problem.NO_TIME, id="fr-month-date"),
    pytest.param("March 12", Problem.NO_TIME, id="en-month-date"),
    pytest.param("mardi", Problem.NO_TIME, id="fr-weekday"),
    pytest.param("next tuesday", Problem.NO_TIME, id="en-weekday"),
    pytest.param("demain", Problem.NO_TIME, id="fr-relative"),
    pytest.param("tomorrow", Problem.NO_TIME, id="en-relative"),
    pytest.param("aujourd'hui", Problem.NO_TIME, id="today"),
    pytest.param("14h", Problem.NO_DATE, id="fr-hour"),
    pytest.param("à 14h30", Problem.NO_DATE, id="fr-hour-minutes"),
    pytest.param("14:30", Problem.NO_DATE, id="colon"),
    pytest.param("at 2pm", Problem.NO_DATE, id="en-pm"),
    pytest.param("midi", Problem.NO_DATE, id="fr-noon"),
    pytest.param("noon", Problem.NO_DATE, id="en-noon"),
    pytest.param("31/02 14h", Problem.IMPOSSIBLE, id="february-31"),
    pytest.param("31/02", Problem.IMPOSSIBLE, id="impossible-date-wins-over-no-time"),
    pytest.param("30 février 10h", Problem.IMPOSSIBLE, id="fr-february-30"),
    pytest.param("29/02/2027 10h", Problem.IMPOSSIBLE, id="not-a-leap-year"),
    pytest.param("32/01 10h", Problem.IMPOSSIBLE, id="day-32"),
    pytest.param("00/03 10h", Problem.IMPOSSIBLE, id="day-0"),
    pytest.param("12/13 10h", Problem.IMPOSSIBLE, id="month-13"),
    pytest.param("demain 25:00", Problem.IMPOSSIBLE, id="hour-25"),
    pytest.param("25:00", Problem.IMPOSSIBLE, id="impossible-time-wins-over-no-date"),
    pytest.param("demain 24h", Problem.IMPOSSIBLE, id="hour-24"),
    pytest.param("demain 14h75", Problem.IMPOSSIBLE, id="minute-75"),
    pytest.param("demain 14:60", Problem.IMPOSSIBLE, id="minute-60"),
    pytest.param("tomorrow 13pm", Problem.IMPOSSIBLE, id="13pm"),
    pytest.param("tomorrow 0am", Problem.IMPOSSIBLE, id="0am"),
    pytest.param("tomorrow 14:30pm", Problem.IMPOSSIBLE, id="24-hour-with-pm"),
    pytest.param("lundi 12 mars 14h", Problem.IMPOSSIBLE, id="fr-wrong-weekday"),
    pytest.param("monday 12 march 2pm", Problem.IMPOSSIBLE, id="en-wrong-weekday"),
    pytest.param("demain mardi 14h", Problem.IMPOSSIBLE, id="relative-wrong-weekday"),
    pytest.param("14.30", Problem.IMPOSSIBLE, id="dotted-alone-is-a-date"),
    pytest.param("12/03/2026 14h", Problem.PAST, id="earlier-this-year"),
    pytest.param("2026-11-24 10:00", Problem.PAST, id="iso-yesterday"),
    pytest.param("aujourd'hui 8h", Problem.PAST, id="fr-earlier-today"),
    pytest.param("today 9am", Problem.PAST, id="en-exactly-now"),
    pytest.param("25/11 8h", Problem.PAST, id="todays-date-earlier-time"),
    pytest.param("12/03/2025", Problem.PAST, id="past-day-without-time"),
    pytest.param("12/03/2028 14h", Problem.TOO_FAR, id="two-years"),
    pytest.param("2030-01-01 10:00", Problem.TOO_FAR, id="iso-years-ahead"),
    pytest.param("25/11/2027 09:01", Problem.TOO_FAR, id="a-year-and-a-minute"),
    pytest.param("12/03/2030", Problem.TOO_FAR, id="far-day-without-time"),
    pytest.param("29/02 10h", Problem.TOO_FAR, id="next-leap-day-in-2028"),
    pytest.param("28/03/2027 02:30", Problem.SKIPPED_HOUR, id="spring-forward"),
    pytest.param("28 mars 2h00", Problem.SKIPPED_HOUR, id="fr-spring-forward-start"),
    pytest.param("March 28 2:59am", Problem.SKIPPED_HOUR, id="en-spring-forward-end"),
]


@pytest.mark.parametrize(("text", "problem"), REFUSED)
def test_refused_forms(text: str, problem: Problem) -> None:
    result = parse_meeting_time(text, NOW, PARIS)
    assert isinstance(result, Refused), result
    assert result.problem is problem


def test_every_problem_is_covered_at_least_twice() -> None:
    problems = [param.values[1] for param in REFUSED + PAST_DAYS]
    problems += [Problem.AMBIGUOUS for _ in AMBIGUOUS]
    assert {p: problems.count(p) >= 2 for p in Problem} == dict.fromkeys(Problem, True)


@pytest.mark.parametrize(
    ("text", "utc", "offset_hours"),
    [
        pytest.param(
            "28/03/2027 01:59", datetime(2027, 3, 28, 0, 59), 1, id="before-spring-forward"
        ),
        pytest.param(
            "28/03/2027 03:30", datetime(2027, 3, 28, 1, 30), 2, id="after-spring-forward"
        ),
        pytest.param(
            "31/10/2027 02:30", datetime(2027, 10, 31, 0, 30), 2, id="repeated-hour-first"
        ),
        pytest.param("31/10/2027 03:30", datetime(2027, 10, 31, 2, 30), 1, id="after-fall-back"),
    ],
)
def test_clock_changes(text: str, utc: datetime, offset_hours: int) -> None:
    result = parse_meeting_time(text, NOW, PARIS)
    assert isinstance(result, Parsed), result
    assert result.moment.utcoffset() == timedelta(hours=offset_hours)
    assert result.moment.astimezone(UTC) == utc.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("mercredi 10h", datetime(2026, 11, 25, 10, 0), id="fr-later-today"),
        pytest.param("wednesday 9:30am", datetime(2026, 11, 25, 9, 30), id="en-later-today"),
        pytest.param("mercredi prochain 10h", datetime(2026, 11, 25, 10, 0), id="prochain-same"),
        pytest.param("mercredi 9h", datetime(2026, 12, 2, 9, 0), id="fr-now-means-next-week"),
        pytest.param("mercredi 8h59", datetime(2026, 12, 2, 8, 59), id="fr-earlier-today"),
        pytest.param("next wednesday 8am", datetime(2026, 12, 2, 8, 0), id="en-earlier-today"),
    ],
)
def test_weekday_on_the_same_day(text: str, expected: datetime) -> None:
    assert local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("03/01 10h", datetime(2027, 1, 3, 10, 0), id="slash"),
        pytest.param("3 janvier 10h", datetime(2027, 1, 3, 10, 0), id="fr-month"),
        pytest.param("January 3rd 10am", datetime(2027, 1, 3, 10, 0), id="en-month"),
        pytest.param("31/12 18h", datetime(2026, 12, 31, 18, 0), id="still-this-year"),
        pytest.param("28/12 11h", datetime(2026, 12, 28, 11, 0), id="later-today"),
        pytest.param("27/09 10h", datetime(2027, 9, 27, 10, 0), id="months-ago-next-year"),
        pytest.param("lundi 9h", datetime(2027, 1, 4, 9, 0), id="weekday-next-year"),
    ],
)
def test_year_rollover(text: str, expected: datetime) -> None:
    assert local(text, now=LATE_DECEMBER) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("28/12 9h", Problem.PAST, id="earlier-today"),
        pytest.param("27/12 10h", Problem.PAST, id="yesterday"),
        pytest.param("28/12/2027 10:01", Problem.TOO_FAR, id="over-a-year"),
    ],
)
def test_year_rollover_refusals(text: str, problem: Problem) -> None:
    result = parse_meeting_time(text, LATE_DECEMBER, PARIS)
    assert isinstance(result, Refused) and result.problem is problem, result


def test_leap_day_within_a_year_is_accepted() -> None:
    assert local("29/02 10h", now=datetime(2027, 12, 1, 9, 0, tzinfo=PARIS)) == datetime(
        2028, 2, 29, 10, 0
    )


def test_today_is_the_local_day_even_when_now_is_in_utc() -> None:
    just_after_midnight_in_paris = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert local("demain 10h", now=just_after_midnight_in_paris) == datetime(2026, 11, 27, 10, 0)
    assert local("aujourd'hui 10h", now=just_after_midnight_in_paris) == datetime(
        2026, 11, 26, 10, 0
    )


def test_the_service_time_zone_is_used() -> None:
    new_york = ZoneInfo("America/New_York")
    result = parse_meeting_time(
        "tomorrow 2pm", datetime(2026, 11, 25, 9, tzinfo=new_york), new_york
    )
    assert isinstance(result, Parsed), result
    assert result.moment.astimezone(UTC) == datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_meeting_time("demain 14h", datetime(2026, 11, 25, 9, 0), PARIS)


# -- The forms people write (issue 16), and the past said as past --------------------------------

SPOKEN = [
    pytest.param("dans 3 jours à 11h", datetime(2026, 11, 28, 11, 0), id="fr-dans-3-jours"),
    pytest.param("in 3 days at 11am", datetime(2026, 11, 28, 11, 0), id="en-in-3-days"),
    pytest.param("dans 1 jour 10h", datetime(2026, 11, 26, 10, 0), id="fr-dans-1-jour"),
    pytest.param("in a day at 10am", datetime(2026, 11, 26, 10, 0), id="en-in-a-day"),
    pytest.param("dans une semaine à 10h", datetime(2026, 12, 2, 10, 0), id="fr-une-semaine"),
    pytest.param("dans 2 semaines 14h", datetime(2026, 12, 9, 14, 0), id="fr-2-semaines"),
    pytest.param("in 2 weeks at 2pm", datetime(2026, 12, 9, 14, 0), id="en-2-weeks"),
    pytest.param("next thursday at 9.30am", datetime(2026, 11, 26, 9, 30), id="en-dotted-am"),
    pytest.param("thursday 2.15 pm", datetime(2026, 11, 26, 14, 15), id="en-dotted-pm-spaced"),
    pytest.param("jeudi prochain 9h30", datetime(2026, 11, 26, 9, 30), id="fr-jeudi-prochain"),
    pytest.param("lundi 7/12 à 9h", datetime(2026, 12, 7, 9, 0), id="fr-weekday-numeric-date"),
    pytest.param("monday 7/12 at 9", datetime(2026, 12, 7, 9, 0), id="en-weekday-bare-hour"),
    pytest.param("demain à 9", datetime(2026, 11, 26, 9, 0), id="fr-a-bare-hour"),
    pytest.param("tomorrow at 14", datetime(2026, 11, 26, 14, 0), id="en-at-bare-24h"),
    pytest.param("le 3 à 14h", datetime(2026, 12, 3, 14, 0), id="fr-le-3"),
    pytest.param("le 1er à 10h", datetime(2026, 12, 1, 10, 0), id="fr-le-1er"),
    pytest.param("le 25 à 10h", datetime(2026, 11, 25, 10, 0), id="fr-le-today"),
    pytest.param("le 20 à 9h", datetime(2026, 12, 20, 9, 0), id="fr-le-next-month"),
    pytest.param("the 3rd at 2pm", datetime(2026, 12, 3, 14, 0), id="en-the-3rd"),
    pytest.param("jeudi le 3 à 14h", datetime(2026, 12, 3, 14, 0), id="fr-weekday-le-3"),
    pytest.param("après-demain 10h", datetime(2026, 11, 27, 10, 0), id="fr-apres-demain"),
]


@pytest.mark.parametrize(("text", "expected"), SPOKEN)
def test_spoken_forms(text: str, expected: datetime) -> None:
    assert local(text) == expected


def test_le_31_skips_the_shorter_months() -> None:
    assert local("le 31 à 10h", now=datetime(2027, 2, 2, 9, 0, tzinfo=PARIS)) == datetime(
        2027, 3, 31, 10, 0
    )


SPOKEN_REFUSED = [
    pytest.param("dans trois jours 10h", Problem.UNRECOGNISED, id="number-in-words"),
    pytest.param("dans 3 10h", Problem.UNRECOGNISED, id="no-unit"),
    pytest.param("in 3 months at 10am", Problem.UNRECOGNISED, id="months"),
    pytest.param("dans 3 jours", Problem.NO_TIME, id="fr-in-days-no-time"),
    pytest.param("le 3", Problem.NO_TIME, id="fr-le-3-no-time"),
    pytest.param("le 32 à 10h", Problem.IMPOSSIBLE, id="le-32"),
    pytest.param("le 0 à 10h", Problem.IMPOSSIBLE, id="le-0"),
    pytest.param("lundi le 3 à 14h", Problem.IMPOSSIBLE, id="weekday-does-not-match-day"),
    pytest.param("lundi 8/12 à 9h", Problem.IMPOSSIBLE, id="weekday-does-not-match-date"),
    pytest.param("demain à 25", Problem.IMPOSSIBLE, id="bare-hour-25"),
    pytest.param("dans 400 jours 10h", Problem.TOO_FAR, id="too-many-days"),
    pytest.param("next lundi dernier 10h", Problem.UNRECOGNISED, id="next-and-last"),
    pytest.param("14.30 am", Problem.IMPOSSIBLE, id="dotted-24h-with-am"),
]


@pytest.mark.parametrize(("text", "problem"), SPOKEN_REFUSED)
def test_spoken_forms_refused(text: str, problem: Problem) -> None:
    result = parse_meeting_time(text, NOW, PARIS)
    assert isinstance(result, Refused) and result.problem is problem, result


PAST_DAYS = [  # the day is given back, so the bot can say "that was yesterday"
    pytest.param("hier 10h", date(2026, 11, 24), id="fr-hier"),
    pytest.param("yesterday at 3pm", date(2026, 11, 24), id="en-yesterday"),
    pytest.param("hier", date(2026, 11, 24), id="fr-hier-no-time"),
    pytest.param("avant-hier 10h", date(2026, 11, 23), id="fr-avant-hier"),
    pytest.param("the day before yesterday at 10am", date(2026, 11, 23), id="en-day-before"),
    pytest.param("il y a 2 jours à 9h", date(2026, 11, 23), id="fr-il-y-a"),
    pytest.param("2 days ago at 9", date(2026, 11, 23), id="en-ago"),
    pytest.param("lundi dernier 9h", date(2026, 11, 23), id="fr-lundi-dernier"),
    pytest.param("last wednesday at 10am", date(2026, 11, 18), id="en-last-same-weekday"),
    pytest.param("24/11 10h", date(2026, 11, 24), id="yesterday-by-date"),
    pytest.param("le 24 novembre à 10h", date(2026, 11, 24), id="fr-yesterday-by-month"),
    pytest.param("November 1 at 10am", date(2026, 11, 1), id="en-weeks-ago"),
    pytest.param("24/11", date(2026, 11, 24), id="yesterday-no-time"),
    pytest.param("aujourd'hui 8h", date(2026, 11, 25), id="earlier-today"),
    pytest.param("12/03/2026 14h", date(2026, 3, 12), id="with-a-year"),
]


@pytest.mark.parametrize(("text", "day"), PAST_DAYS)
def test_a_past_date_is_said_to_be_past(text: str, day: date) -> None:
    assert parse_meeting_time(text, NOW, PARIS) == Refused(Problem.PAST, day=day)


# -- Day first or month first --------------------------------------------------------------------

ORDERS = [
    pytest.param("fr", "fr", DateOrder.DAY_FIRST, id="french"),
    pytest.param("fr", "en-US", DateOrder.DAY_FIRST, id="french-chosen-over-us-telegram"),
    pytest.param("en", "en-US", DateOrder.MONTH_FIRST, id="american"),
    pytest.param("en", "en_us", DateOrder.MONTH_FIRST, id="american-underscore"),
    pytest.param("en", "en-GB", DateOrder.DAY_FIRST, id="british"),
    pytest.param("en", "en-IE", DateOrder.DAY_FIRST, id="irish"),
    pytest.param("en", "en", DateOrder.ASK, id="english-no-variant"),
    pytest.param("en", None, DateOrder.ASK, id="english-unknown"),
    pytest.param("en", "fr-FR", DateOrder.ASK, id="english-chosen-french-telegram"),
]


@pytest.mark.parametrize(("language", "code", "order"), ORDERS)
def test_date_order_follows_the_language_variant(
    language: str, code: str | None, order: DateOrder
) -> None:
    assert date_order(language, code) is order


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        pytest.param("7/12 9h", DateOrder.DAY_FIRST, datetime(2026, 12, 7, 9, 0), id="day-first"),
        pytest.param(
            "7/12 9am", DateOrder.MONTH_FIRST, datetime(2027, 7, 12, 9, 0), id="month-first"
        ),
        pytest.param(
            "12/25 at 10am", DateOrder.MONTH_FIRST, datetime(2026, 12, 25, 10, 0), id="us-xmas"
        ),
        pytest.param(
            "12/25 at 10am", DateOrder.ASK, datetime(2026, 12, 25, 10, 0), id="ask-only-one-way"
        ),
        pytest.param("7/7 10am", DateOrder.ASK, datetime(2027, 7, 7, 10, 0), id="ask-same-both"),
        pytest.param(
            "wednesday 12/2 at 10am",
            DateOrder.ASK,
            datetime(2026, 12, 2, 10, 0),
            id="weekday-decides",
        ),
        pytest.param(
            "12 march 2pm",
            DateOrder.MONTH_FIRST,
            datetime(2027, 3, 12, 14, 0),
            id="words-unchanged",
        ),
        pytest.param(
            "2027-03-12 14:30",
            DateOrder.MONTH_FIRST,
            datetime(2027, 3, 12, 14, 30),
            id="iso-unchanged",
        ),
    ],
)
def test_numeric_dates_follow_the_order(text: str, order: DateOrder, expected: datetime) -> None:
    result = parse_meeting_time(text, NOW, PARIS, order)
    assert isinstance(result, Parsed), result
    assert result.moment.replace(tzinfo=None) == expected


AMBIGUOUS = [
    pytest.param("7/12 9am", (datetime(2026, 12, 7, 9), datetime(2027, 7, 12, 9)), id="7-12"),
    pytest.param(
        "monday 7/12 at 9", (datetime(2026, 12, 7, 9), datetime(2027, 7, 12, 9)), id="both-mondays"
    ),
    pytest.param("3-4 at 2pm", (datetime(2027, 4, 3, 14), datetime(2027, 3, 4, 14)), id="dashes"),
]


@pytest.mark.parametrize(("text", "choices"), AMBIGUOUS)
def test_a_date_read_both_ways_is_asked_about(
    text: str, choices: tuple[datetime, datetime]
) -> None:
    result = parse_meeting_time(text, NOW, PARIS, DateOrder.ASK)
    assert isinstance(result, Refused) and result.problem is Problem.AMBIGUOUS, result
    assert tuple(c.replace(tzinfo=None) for c in result.choices) == choices


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("13/13 10am", Problem.IMPOSSIBLE, id="neither-way"),
        pytest.param("11/24 10am", Problem.PAST, id="month-first-yesterday-over-impossible"),
        pytest.param("7/12", Problem.NO_TIME, id="no-time"),
    ],
)
def test_ask_order_refusals(text: str, problem: Problem) -> None:
    result = parse_meeting_time(text, NOW, PARIS, DateOrder.ASK)
    assert isinstance(result, Refused) and result.problem is problem, result
