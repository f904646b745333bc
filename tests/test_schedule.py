"""Reminder timing in Europe/Paris: wall-clock offsets across daylight-saving changes, quiet hours.

In 2027 Paris moves from UTC+1 to UTC+2 on Sunday 28 March (02:00 becomes 03:00) and back on
Sunday 31 October (03:00 becomes 02:00). Expected moments are written in UTC so that they do not
depend on the code under test; inputs are Paris wall-clock times outside the changes.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.schedule import LATER, QuietHours, before, fit, invitations, summary_time, wall_clock

PARIS = ZoneInfo("Europe/Paris")
NIGHT = QuietHours(time(21), time(8))
MIDDAY = QuietHours(time(12), time(14))
H = timedelta(hours=1)


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Paris wall-clock time that exists exactly once (not in a skipped or repeated hour)."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# -- wall_clock ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("naive", "expected"),
    [
        pytest.param(datetime(2027, 1, 15, 10), utc(2027, 1, 15, 9), id="winter-utc+1"),
        pytest.param(datetime(2027, 7, 15, 10), utc(2027, 7, 15, 8), id="summer-utc+2"),
        pytest.param(datetime(2027, 3, 28, 1, 59), utc(2027, 3, 28, 0, 59), id="just-before-skip"),
        pytest.param(datetime(2027, 3, 28, 2), utc(2027, 3, 28, 1), id="skipped-02:00-is-03:00"),
        pytest.param(
            datetime(2027, 3, 28, 2, 30), utc(2027, 3, 28, 1, 30), id="skipped-02:30-is-03:30"
        ),
        pytest.param(datetime(2027, 3, 28, 3), utc(2027, 3, 28, 1), id="just-after-skip"),
        pytest.param(
            datetime(2027, 10, 31, 2, 30), utc(2027, 10, 31, 0, 30), id="repeated-hour-first-one"
        ),
        pytest.param(datetime(2027, 10, 31, 3), utc(2027, 10, 31, 2), id="after-repeated-hour"),
    ],
)
def test_wall_clock_gives_the_utc_moment(naive: datetime, expected: datetime) -> None:
    result = wall_clock(naive, PARIS)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_a_skipped_time_moves_forward_not_back() -> None:
    moved = wall_clock(datetime(2027, 3, 28, 2, 30), PARIS).astimezone(PARIS)
    assert moved.replace(tzinfo=None) == datetime(2027, 3, 28, 3, 30)


# -- before: offsets on the wall clock ----------------------------------------------------------


@pytest.mark.parametrize(
    ("meeting_at", "offset", "expected"),
    [
        pytest.param(
            utc(2027, 3, 29, 8),  # Monday 29 March 10:00 Paris (UTC+2)
            48 * H,
            utc(2027, 3, 27, 9),  # Saturday 27 March 10:00 Paris (UTC+1): 47 real hours
            id="spring-48h-saturday-10:00",
        ),
        pytest.param(
            utc(2027, 3, 29, 8),
            24 * H,
            utc(2027, 3, 28, 8),  # Sunday 28 March 10:00 Paris (UTC+2): 24 real hours
            id="spring-24h-sunday-10:00",
        ),
        pytest.param(
            utc(2027, 3, 28, 8),  # Sunday 28 March 10:00 Paris, the day of the change
            24 * H,
            utc(2027, 3, 27, 9),  # Saturday 10:00 Paris: 23 real hours
            id="spring-24h-from-change-day",
        ),
        pytest.param(
            utc(2027, 11, 1, 9),  # Monday 1 November 10:00 Paris (UTC+1)
            48 * H,
            utc(2027, 10, 30, 8),  # Saturday 30 October 10:00 Paris (UTC+2): 49 real hours
            id="autumn-48h-saturday-10:00",
        ),
        pytest.param(
            utc(2027, 11, 1, 9),
            24 * H,
            utc(2027, 10, 31, 9),  # Sunday 31 October 10:00 Paris (UTC+1)
            id="autumn-24h-sunday-10:00",
        ),
        pytest.param(
            utc(2027, 3, 29, 0, 30),  # Monday 29 March 02:30 Paris
            24 * H,
            utc(2027, 3, 28, 1, 30),  # Sunday 02:30 is skipped: 03:30 Paris (UTC+2)
            id="lands-in-skipped-hour-moves-forward",
        ),
        pytest.param(
            utc(2027, 3, 30, 0, 15),  # Tuesday 30 March 02:15 Paris
            48 * H,
            utc(2027, 3, 28, 1, 15),  # Sunday 02:15 skipped: 03:15 Paris
            id="48h-lands-in-skipped-hour",
        ),
        pytest.param(
            utc(2027, 6, 16, 12),  # Wednesday 16 June 14:00 Paris
            timedelta(minutes=90),
            utc(2027, 6, 16, 10, 30),
            id="no-change-90m",
        ),
        pytest.param(
            paris(2027, 3, 29, 10),  # the same meeting given in Paris time
            48 * H,
            utc(2027, 3, 27, 9),
            id="meeting-given-in-local-time",
        ),
    ],
)
def test_before_counts_on_the_wall_clock(
    meeting_at: datetime, offset: timedelta, expected: datetime
) -> None:
    assert before(meeting_at, offset, PARIS) == expected


# -- quiet hours --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quiet", "local", "inside"),
    [
        pytest.param(NIGHT, time(21), True, id="night-start-inside"),
        pytest.param(NIGHT, time(22, 30), True, id="night-evening"),
        pytest.param(NIGHT, time(0), True, id="night-midnight"),
        pytest.param(NIGHT, time(7, 59), True, id="night-07:59"),
        pytest.param(NIGHT, time(8), False, id="night-end-outside"),
        pytest.param(NIGHT, time(20, 59), False, id="night-20:59"),
        pytest.param(NIGHT, time(12), False, id="night-noon"),
        pytest.param(MIDDAY, time(12), True, id="midday-start-inside"),
        pytest.param(MIDDAY, time(13, 59), True, id="midday-13:59"),
        pytest.param(MIDDAY, time(14), False, id="midday-end-outside"),
        pytest.param(MIDDAY, time(11, 59), False, id="midday-11:59"),
        pytest.param(MIDDAY, time(23), False, id="midday-late-evening"),
        pytest.param(MIDDAY, time(3), False, id="midday-early-morning"),
    ],
)
def test_quiet_hours_contains(quiet: QuietHours, local: time, inside: bool) -> None:
    assert quiet.contains(local) is inside


@pytest.mark.parametrize(
    ("quiet", "moment", "expected"),
    [
        pytest.param(NIGHT, paris(2027, 1, 15, 22, 30), utc(2027, 1, 16, 7), id="22:30-next-08:00"),
        pytest.param(NIGHT, paris(2027, 1, 15, 21), utc(2027, 1, 16, 7), id="21:00-next-08:00"),
        pytest.param(NIGHT, paris(2027, 1, 16, 3), utc(2027, 1, 16, 7), id="03:00-same-day-08:00"),
        pytest.param(NIGHT, paris(2027, 1, 16, 0), utc(2027, 1, 16, 7), id="00:00-same-day-08:00"),
        pytest.param(NIGHT, paris(2027, 1, 16, 7, 59), utc(2027, 1, 16, 7), id="07:59-to-08:00"),
        pytest.param(NIGHT, paris(2027, 1, 16, 8), utc(2027, 1, 16, 7), id="08:00-unchanged"),
        pytest.param(
            NIGHT, paris(2027, 1, 16, 20, 59), utc(2027, 1, 16, 19, 59), id="20:59-unchanged"
        ),
        pytest.param(NIGHT, paris(2027, 1, 16, 12), utc(2027, 1, 16, 11), id="noon-unchanged"),
        pytest.param(
            NIGHT, paris(2027, 12, 31, 23, 30), utc(2028, 1, 1, 7), id="new-year-eve-to-next-year"
        ),
        pytest.param(
            NIGHT,
            paris(2027, 3, 27, 22, 30),
            utc(2027, 3, 28, 6),  # Sunday 08:00 Paris, already UTC+2
            id="spring-night-ends-08:00-summer-time",
        ),
        pytest.param(
            NIGHT,
            paris(2027, 10, 30, 22, 30),
            utc(2027, 10, 31, 7),  # Sunday 08:00 Paris, back to UTC+1
            id="autumn-night-ends-08:00-winter-time",
        ),
        pytest.param(
            NIGHT,
            utc(2027, 3, 28, 1, 30),  # 03:30 Paris, just after the skipped hour
            utc(2027, 3, 28, 6),
            id="just-after-skip-to-08:00",
        ),
        pytest.param(MIDDAY, paris(2027, 1, 15, 12), utc(2027, 1, 15, 13), id="midday-12:00-14:00"),
        pytest.param(
            MIDDAY, paris(2027, 1, 15, 13, 30), utc(2027, 1, 15, 13), id="midday-13:30-14:00"
        ),
        pytest.param(MIDDAY, paris(2027, 1, 15, 14), utc(2027, 1, 15, 13), id="midday-14:00-same"),
        pytest.param(
            MIDDAY, paris(2027, 1, 15, 11, 59), utc(2027, 1, 15, 10, 59), id="midday-11:59-same"
        ),
        pytest.param(
            MIDDAY, paris(2027, 1, 15, 22, 30), utc(2027, 1, 15, 21, 30), id="midday-evening-same"
        ),
        pytest.param(MIDDAY, paris(2027, 1, 15, 3), utc(2027, 1, 15, 2), id="midday-night-same"),
    ],
)
def test_quiet_hours_end_after(quiet: QuietHours, moment: datetime, expected: datetime) -> None:
    assert quiet.end_after(moment, PARIS) == expected


# -- fit ----------------------------------------------------------------------------------------

NOW = utc(2027, 1, 11, 9)  # Monday 11 January 10:00 Paris
MEETING = utc(2027, 1, 20, 9)  # Wednesday 20 January 10:00 Paris


@pytest.mark.parametrize(
    ("moment", "meeting_at", "quiet", "now", "expected"),
    [
        pytest.param(
            utc(2027, 1, 18, 9), MEETING, NIGHT, NOW, utc(2027, 1, 18, 9), id="future-unchanged"
        ),
        pytest.param(
            utc(2027, 1, 18, 21, 30), MEETING, NIGHT, NOW, utc(2027, 1, 19, 7), id="quiet-moved"
        ),
        pytest.param(
            utc(2027, 1, 18, 21, 30),
            MEETING,
            None,
            NOW,
            utc(2027, 1, 18, 21, 30),
            id="no-quiet-hours-22:30-kept",
        ),
        pytest.param(
            utc(2027, 1, 18, 9),
            MEETING,
            MIDDAY,
            NOW,
            utc(2027, 1, 18, 9),
            id="midday-window-morning-kept",
        ),
        pytest.param(
            utc(2027, 1, 18, 11), MEETING, MIDDAY, NOW, utc(2027, 1, 18, 13), id="midday-moved"
        ),
        pytest.param(utc(2027, 1, 1, 9), MEETING, NIGHT, NOW, NOW, id="past-is-now"),
        pytest.param(
            utc(2027, 1, 1, 9),
            MEETING,
            NIGHT,
            utc(2027, 1, 11, 22),  # Monday 23:00 Paris
            utc(2027, 1, 12, 7),
            id="past-while-quiet-next-morning",
        ),
        pytest.param(
            utc(2027, 1, 19, 22),  # Tuesday 23:00 Paris
            utc(2027, 1, 20, 7),  # Wednesday 08:00 Paris
            NIGHT,
            NOW,
            None,
            id="moved-onto-meeting-dropped",
        ),
        pytest.param(
            utc(2027, 1, 19, 22),
            utc(2027, 1, 20, 6, 30),  # Wednesday 07:30 Paris
            NIGHT,
            NOW,
            None,
            id="moved-after-meeting-dropped",
        ),
        pytest.param(
            utc(2027, 1, 19, 22),
            utc(2027, 1, 20, 7, 1),  # Wednesday 08:01 Paris
            NIGHT,
            NOW,
            utc(2027, 1, 20, 7),
            id="moved-just-before-meeting-kept",
        ),
        pytest.param(MEETING, MEETING, None, NOW, None, id="at-meeting-dropped"),
        pytest.param(
            utc(2027, 1, 1), MEETING, None, utc(2027, 1, 21), None, id="meeting-already-past"
        ),
    ],
)
def test_fit(
    moment: datetime,
    meeting_at: datetime,
    quiet: QuietHours | None,
    now: datetime,
    expected: datetime | None,
) -> None:
    assert fit(moment, meeting_at, quiet, PARIS, now) == expected


@pytest.mark.parametrize(
    ("now", "meeting_at", "quiet", "expected"),
    [
        pytest.param(
            utc(2027, 1, 15, 13),  # Friday 14:00 Paris
            utc(2027, 1, 16, 9),
            NIGHT,
            utc(2027, 1, 15, 16),  # 17:00 Paris
            id="three-hours-later",
        ),
        pytest.param(
            utc(2027, 1, 15, 18),  # Friday 19:00 Paris: 22:00 is quiet
            utc(2027, 1, 16, 9),  # Saturday 10:00 Paris
            NIGHT,
            utc(2027, 1, 16, 7),  # Saturday 08:00 Paris
            id="into-quiet-hours-next-morning",
        ),
        pytest.param(
            utc(2027, 1, 15, 18),
            utc(2027, 1, 16, 9),
            None,
            utc(2027, 1, 15, 21),  # 22:00 Paris, nothing is quiet
            id="no-quiet-hours",
        ),
        pytest.param(
            utc(2027, 1, 15, 17),  # 18:00 Paris: 21:00 starts the quiet hours
            utc(2027, 1, 16, 9),
            NIGHT,
            utc(2027, 1, 16, 7),
            id="lands-on-quiet-start",
        ),
        pytest.param(
            utc(2027, 1, 15, 16, 59),  # 17:59 Paris: 20:59, a minute before quiet hours
            utc(2027, 1, 16, 9),
            NIGHT,
            utc(2027, 1, 15, 19, 59),
            id="one-minute-before-quiet",
        ),
        pytest.param(
            utc(2027, 1, 15, 18),
            utc(2027, 1, 16, 7),  # Saturday 08:00 Paris: the moved time is the meeting
            NIGHT,
            None,
            id="into-quiet-meeting-first",
        ),
        pytest.param(
            utc(2027, 1, 15, 13),
            utc(2027, 1, 15, 15),  # meeting in two hours
            NIGHT,
            None,
            id="meeting-within-three-hours",
        ),
        pytest.param(
            utc(2027, 3, 27, 23),  # Sunday 28 March 00:00 Paris: 03:00 would be 04:00 (UTC+2)
            utc(2027, 3, 28, 8),
            None,
            utc(2027, 3, 28, 2),  # three real hours later, 04:00 Paris
            id="later-is-real-hours-across-change",
        ),
    ],
)
def test_fit_with_later(
    now: datetime, meeting_at: datetime, quiet: QuietHours | None, expected: datetime | None
) -> None:
    assert fit(now + LATER, meeting_at, quiet, PARIS, now) == expected


# -- invitations --------------------------------------------------------------------------------

DEFAULT_OFFSETS = (48 * H, 24 * H)


@pytest.mark.parametrize(
    ("meeting_at", "offsets", "quiet", "now", "expected"),
    [
        pytest.param(
            MEETING,
            DEFAULT_OFFSETS,
            NIGHT,
            NOW,
            [utc(2027, 1, 18, 9), utc(2027, 1, 19, 9)],
            id="two-offsets",
        ),
        pytest.param(
            MEETING,
            (24 * H, 48 * H),
            NIGHT,
            NOW,
            [utc(2027, 1, 18, 9), utc(2027, 1, 19, 9)],
            id="sorted-whatever-the-order",
        ),
        pytest.param(
            MEETING,
            DEFAULT_OFFSETS,
            NIGHT,
            utc(2027, 1, 18, 14),  # Monday 15:00 Paris: the 48h one is past
            [utc(2027, 1, 18, 14), utc(2027, 1, 19, 9)],
            id="one-past-due-now",
        ),
        pytest.param(
            MEETING,
            DEFAULT_OFFSETS,
            NIGHT,
            utc(2027, 1, 19, 14),  # Tuesday 15:00 Paris: both past, one invitation now
            [utc(2027, 1, 19, 14)],
            id="both-past-merged-into-now",
        ),
        pytest.param(
            MEETING,
            DEFAULT_OFFSETS,
            NIGHT,
            utc(2027, 1, 19, 21),  # Tuesday 22:00 Paris: both past, quiet until 08:00
            [utc(2027, 1, 20, 7)],
            id="both-past-in-quiet-next-morning",
        ),
        pytest.param(
            utc(2027, 1, 20, 7),  # Wednesday 08:00 Paris
            (48 * H, 24 * H, 9 * H),  # 9h: Tuesday 23:00, moved to 08:00, the meeting itself
            NIGHT,
            NOW,
            [utc(2027, 1, 18, 7), utc(2027, 1, 19, 7)],
            id="moved-onto-meeting-dropped",
        ),
        pytest.param(
            utc(2027, 1, 20, 6, 30),  # Wednesday 07:30 Paris
            (48 * H, 24 * H, H),  # all quiet; 1h would be 08:00, after the meeting
            NIGHT,
            NOW,
            [utc(2027, 1, 18, 7), utc(2027, 1, 19, 7)],  # Monday and Tuesday 08:00 Paris
            id="moved-after-meeting-dropped",
        ),
        pytest.param(
            utc(2027, 1, 20, 8),  # Wednesday 09:00 Paris
            (48 * H, 24 * H, 10 * H, 11 * H),  # 10h and 11h: Tuesday 23:00 and 22:00, quiet
            NIGHT,
            NOW,
            [utc(2027, 1, 18, 8), utc(2027, 1, 19, 8), utc(2027, 1, 20, 7)],
            id="duplicates-merged",
        ),
        pytest.param(
            MEETING, (48 * H, 48 * H), NIGHT, NOW, [utc(2027, 1, 18, 9)], id="same-offset-twice"
        ),
        pytest.param(
            utc(2027, 1, 20, 8),
            (10 * H,),
            None,
            NOW,
            [utc(2027, 1, 19, 22)],  # Tuesday 23:00 Paris, nothing is quiet
            id="no-quiet-hours",
        ),
        pytest.param(
            utc(2027, 1, 20, 8),
            (10 * H,),
            MIDDAY,
            NOW,
            [utc(2027, 1, 19, 22)],
            id="midday-window-keeps-night",
        ),
        pytest.param(MEETING, (), NIGHT, NOW, [], id="no-offsets"),
        pytest.param(MEETING, DEFAULT_OFFSETS, NIGHT, utc(2027, 1, 21), [], id="meeting-past"),
        pytest.param(
            utc(2027, 3, 29, 8),  # Monday 29 March 10:00 Paris
            DEFAULT_OFFSETS,
            NIGHT,
            NOW,
            [utc(2027, 3, 27, 9), utc(2027, 3, 28, 8)],  # Saturday and Sunday 10:00 Paris
            id="spring-change",
        ),
        pytest.param(
            utc(2027, 11, 1, 9),  # Monday 1 November 10:00 Paris
            DEFAULT_OFFSETS,
            NIGHT,
            NOW,
            [utc(2027, 10, 30, 8), utc(2027, 10, 31, 9)],  # Saturday and Sunday 10:00 Paris
            id="autumn-change",
        ),
        pytest.param(
            utc(2027, 3, 29, 10),  # Monday 29 March 12:00 Paris
            (timedelta(hours=33, minutes=30),),  # Sunday 02:30, skipped
            None,
            NOW,
            [utc(2027, 3, 28, 1, 30)],  # 03:30 Paris
            id="skipped-hour-moves-forward",
        ),
        pytest.param(
            utc(2027, 3, 29, 8),
            (timedelta(hours=31, minutes=30),),  # Sunday 02:30, skipped, then quiet till 08:00
            NIGHT,
            NOW,
            [utc(2027, 3, 28, 6)],
            id="skipped-hour-then-quiet",
        ),
    ],
)
def test_invitations(
    meeting_at: datetime,
    offsets: tuple[timedelta, ...],
    quiet: QuietHours | None,
    now: datetime,
    expected: list[datetime],
) -> None:
    assert invitations(meeting_at, offsets, quiet, PARIS, now) == expected


# -- summary_time -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "quiet", "expected"),
    [
        pytest.param(date(2027, 1, 15), NIGHT, utc(2027, 1, 15, 7), id="night-winter"),
        pytest.param(date(2027, 7, 15), NIGHT, utc(2027, 7, 15, 6), id="night-summer"),
        pytest.param(date(2027, 3, 28), NIGHT, utc(2027, 3, 28, 6), id="night-spring-change"),
        pytest.param(date(2027, 10, 31), NIGHT, utc(2027, 10, 31, 7), id="night-autumn-change"),
        pytest.param(
            date(2027, 1, 15), QuietHours(time(22, 30), time(7)), utc(2027, 1, 15, 6), id="07:00"
        ),
        pytest.param(date(2027, 1, 15), MIDDAY, utc(2027, 1, 15, 13), id="midday-window-14:00"),
        pytest.param(date(2027, 1, 15), None, utc(2027, 1, 15, 7), id="none-winter-08:00"),
        pytest.param(date(2027, 7, 15), None, utc(2027, 7, 15, 6), id="none-summer-08:00"),
        pytest.param(date(2027, 3, 28), None, utc(2027, 3, 28, 6), id="none-spring-change"),
        pytest.param(date(2027, 10, 31), None, utc(2027, 10, 31, 7), id="none-autumn-change"),
    ],
)
def test_summary_time(day: date, quiet: QuietHours | None, expected: datetime) -> None:
    assert summary_time(day, quiet, PARIS) == expected
