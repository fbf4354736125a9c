"""Working hours in plain Python: a weekly window read from its text, and whether a moment falls in one.

The brief's pydantic models (engine.briefs.model) validate with these; a reading command (`roster`, deciding
whether queued work waits for a shift) uses them without loading pydantic.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from engine.briefs.errors import suggest

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WINDOW = re.compile(r"^(?P<days>[a-z,\- ]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$")


class Span(NamedTuple):
    """A weekly window: its days (0 = Monday) and its minutes of the day, the end exclusive."""

    days: tuple[int, ...]
    start_minute: int
    end_minute: int


def parse_window(value: str) -> Span:
    """`mon-fri 09:00-17:30` or `sat,sun 10:00-14:00`; ValueError in words when it is not one."""
    match = WINDOW.match(value.strip().lower())
    if not match:
        raise ValueError(f"expected a window like 'mon-fri 09:00-17:30', got {value!r}")
    days = _days(match["days"].replace(" ", ""), value)
    start, end = _minute(match["start"], value), _minute(match["end"], value)
    if end <= start:
        days_said = match["days"].replace(" ", "")
        overnight = (
            f"; a night shift is two windows: '{days_said} {match['start']}-24:00' and the next mornings "
            f"'… 00:00-{match['end']}'"
            if end < start
            else ""
        )
        raise ValueError(f"expected the window to end after it starts, got {value!r}{overnight}")
    return Span(days, start, end)


def window_text(span: Span) -> str:
    """The window as the owner writes it: three or more days in a row as a range ("mon-fri,sun 09:00-17:30")."""
    return f"{day_runs(span.days)} {_hhmm(span.start_minute)}-{_hhmm(span.end_minute)}"


def day_runs(days: Iterable[int]) -> str:
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{DAYS[r[0]]}-{DAYS[r[-1]]}" if len(r) > 2 else ",".join(DAYS[d] for d in r) for r in runs)


def working_at(zone: str, spans: Sequence[Span], days_off: Iterable[dt.date], at: dt.datetime) -> bool:
    """Whether `at` (aware; naive means UTC) falls in one of the windows, in `zone`, on a day not off."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    if local.date() in days_off:
        return False
    minute = local.hour * 60 + local.minute
    return any(local.weekday() in s.days and s.start_minute <= minute < s.end_minute for s in spans)


def next_change_at(
    zone: str, spans: Sequence[Span], days_off: Iterable[dt.date], now: dt.datetime, horizon: dt.timedelta
) -> dt.datetime | None:
    """The first whole minute after `now`, within `horizon`, at which `working_at` changes (None: none does).

    Working or not is a function of the local wall time, which crosses a window's edge only at that edge's
    wall time or where the zone's offset jumps (a daylight-saving change skips or repeats an hour). So only
    those instants are tried, each raised to the next whole minute: ~2 per edge per day, not every minute.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    off = frozenset(days_off)
    tz = zoneinfo.ZoneInfo(zone)
    current = working_at(zone, spans, off, now)
    first = now.replace(second=0, microsecond=0) + _MINUTE
    end = now + horizon
    # Midnight needs no edge of its own: a day (off or not) changes the state there only through a window
    # that starts at 00:00 or ends at 24:00.
    edges = sorted({s.start_minute for s in spans} | {s.end_minute % _DAY_MINUTES for s in spans})
    day = now.astimezone(tz).date() - dt.timedelta(days=1)
    instants: set[dt.datetime] = set()
    for _ in range(horizon.days + 3):
        midnight = dt.datetime.combine(day, dt.time())
        for minute in edges:
            wall = midnight + dt.timedelta(minutes=minute)
            instants.update(wall.replace(tzinfo=tz, fold=fold).astimezone(dt.UTC) for fold in (0, 1))
        jump = _offset_change(tz, day)
        if jump is not None:
            instants.add(jump)
        day += dt.timedelta(days=1)
    for instant in sorted(instants):
        probe = max(first, first + _MINUTE * -((first - instant) // _MINUTE))  # up to the minute grid
        if probe >= end:
            return None
        if working_at(zone, spans, off, probe) != current:
            return probe.astimezone(now.tzinfo)
    return None


def _offset_change(tz: zoneinfo.ZoneInfo, day: dt.date) -> dt.datetime | None:
    """The first whole UTC minute of `day` (local) with the zone's next offset, if the offset changes that day."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    stop = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    before = start.astimezone(tz).utcoffset()
    if stop.astimezone(tz).utcoffset() == before:
        return None
    low, high = start, stop  # low has the old offset, high the new one
    while high - low > _MINUTE:
        middle = low + ((high - low) // 2 // _MINUTE) * _MINUTE
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high


_MINUTE = dt.timedelta(minutes=1)
_DAY_MINUTES = 24 * 60


def _days(text: str, original: str) -> tuple[int, ...]:
    out: set[int] = set()
    for part in text.split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            bad = next((e for e in ends if e not in DAYS), part)
            hint = suggest(bad, DAYS)
            raise ValueError(f"expected days like 'mon-fri' or 'sat,sun' in {original!r}, got {bad!r}{hint}")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        if last < first:
            raise ValueError(f"expected a day range in week order (mon..sun) in {original!r}, got {part!r}")
        out.update(range(first, last + 1))
    return tuple(sorted(out))


def _minute(hhmm: str, original: str) -> int:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(f"expected times between 00:00 and 24:00 in {original!r}, got {hhmm!r}")
    return hours * 60 + minutes


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
