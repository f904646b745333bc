"""When to invite a person to prepare: offsets before the meeting, never inside quiet hours.

Pure functions of the meeting time, the settings and now. Offsets are counted on the wall
clock of the service's time zone ("48h before Monday 10:00" is Saturday 10:00, even across a
daylight-saving change), since that is what a person and a worker mean by them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LATER = timedelta(hours=3)  # *Later* on an invitation asks again this much later


@dataclass(frozen=True)
class QuietHours:
    """A daily window without reminders, such as 21:00-08:00 (it may span midnight)."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The first moment at or after `moment` outside the window."""
        local = moment.astimezone(tz)
        if not self.contains(local.time()):
            return moment
        day = local.date()
        if local.time() >= self.end and self.start > self.end:
            day += timedelta(days=1)  # evening part of a window that ends tomorrow morning
        return wall_clock(datetime.combine(day, self.end), tz)


def wall_clock(naive: datetime, tz: ZoneInfo) -> datetime:
    """A local wall-clock time as an aware UTC moment; a time the clocks skip moves forward."""
    return naive.replace(tzinfo=tz).astimezone(UTC)


def before(meeting_at: datetime, offset: timedelta, tz: ZoneInfo) -> datetime:
    """`offset` before the meeting on the wall clock of `tz`."""
    local = meeting_at.astimezone(tz).replace(tzinfo=None)
    return wall_clock(local - offset, tz)


def invitations(
    meeting_at: datetime,
    offsets: Sequence[timedelta],
    quiet: QuietHours | None,
    tz: ZoneInfo,
    now: datetime,
) -> list[datetime]:
    """When to invite the person for this meeting: each offset, moved out of quiet hours,
    dropped if that leaves it at or after the meeting; one already past is due now."""
    moments: set[datetime] = set()
    for offset in offsets:
        moment = fit(before(meeting_at, offset, tz), meeting_at, quiet, tz, now)
        if moment is not None:
            moments.add(moment)
    return sorted(moments)


def fit(
    moment: datetime, meeting_at: datetime, quiet: QuietHours | None, tz: ZoneInfo, now: datetime
) -> datetime | None:
    """`moment` (not before now) out of quiet hours, or None if the meeting comes first."""
    moment = max(moment, now)
    if quiet is not None:
        moment = quiet.end_after(moment, tz)
    return moment if moment < meeting_at else None


def summary_time(day: date, quiet: QuietHours | None, tz: ZoneInfo) -> datetime:
    """When a worker gets the list of the day's meetings: as quiet hours end (08:00 without
    them). A meeting earlier than that is rare; it is listed all the same."""
    return wall_clock(datetime.combine(day, quiet.end if quiet is not None else time(8)), tz)
