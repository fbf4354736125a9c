"""When an employee next comes on or goes off duty: the edges-only search against a minute-by-minute walk."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from engine.briefs import WorkingHours
from engine.briefs.schedule import Span, next_change_at, working_at
from engine.hours import HORIZON, next_change

MINUTE = dt.timedelta(minutes=1)
# Zones with a daylight-saving hour either way, a half-hour change (Lord Howe), a 45-minute offset (Chatham),
# a change at midnight (Santiago), and none at all.
ZONES = (
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "Asia/Kolkata",
)


def walk(
    zone: str, spans: list[Span], days_off: list[dt.date], now: dt.datetime, horizon: dt.timedelta
) -> dt.datetime | None:
    """Every minute in turn: slow, and plainly right."""
    current = working_at(zone, spans, days_off, now)
    probe = now.replace(second=0, microsecond=0) + MINUTE
    while probe < now + horizon:
        if working_at(zone, spans, days_off, probe) != current:
            return probe
        probe += MINUTE
    return None


# Edges often in the small hours, where clocks change, else anywhere in the day.
small_hours = st.sampled_from([0, 30, 60, 90, 120, 150, 180, 210])
minutes = st.one_of(small_hours, st.integers(min_value=0, max_value=24 * 60 - 1))
spans = st.builds(
    lambda days, a, b: Span(tuple(sorted(days)), min(a, b), max(a, b) + (a == b)),
    st.sets(st.integers(0, 6), min_size=1, max_size=7),
    minutes,
    minutes,
)
# Clock changes in 2026 in these zones (north and south), and moments within two days of one, or anywhere.
CHANGES = [dt.datetime(2026, m, d, tzinfo=dt.UTC) for m, d in ((3, 8), (3, 29), (4, 4), (4, 5), (9, 6), (9, 27))]
CHANGES += [dt.datetime(2026, m, d, tzinfo=dt.UTC) for m, d in ((10, 4), (10, 25), (11, 1))]
near_a_change = st.builds(
    lambda day, seconds: day + dt.timedelta(seconds=seconds),
    st.sampled_from(CHANGES),
    st.integers(min_value=-2 * 86400, max_value=2 * 86400),
)
anywhere = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC)
)
moments = st.one_of(near_a_change, anywhere)


@given(
    zone=st.sampled_from(ZONES),
    windows=st.lists(spans, min_size=1, max_size=3),
    off=st.lists(st.integers(0, 20), max_size=3),
    now=moments,
    horizon_days=st.integers(1, 15),
)
def test_the_edges_give_the_minute_a_walk_finds(
    zone: str, windows: list[Span], off: list[int], now: dt.datetime, horizon_days: int
) -> None:
    days_off = [now.astimezone(zoneinfo.ZoneInfo(zone)).date() + dt.timedelta(days=d) for d in off]
    horizon = dt.timedelta(days=horizon_days)
    assert next_change_at(zone, windows, days_off, now, horizon) == walk(zone, windows, days_off, now, horizon)


def test_clock_changes_move_the_edge_not_the_wall_time() -> None:
    # London springs forward at 01:00 UTC on Sunday 29 March 2026: a shift from 01:30 local starts at the jump
    # (02:00 BST), and one ending at 01:30 ends there too; in October the hour 01:00-02:00 happens twice.
    london = "Europe/London"
    night = [Span((6,), 90, 240)]  # sun 01:30-04:00
    assert next_change_at(london, night, [], dt.datetime(2026, 3, 29, 0, 10, tzinfo=dt.UTC), HORIZON) == dt.datetime(
        2026, 3, 29, 1, 0, tzinfo=dt.UTC
    )
    early = [Span((6,), 0, 90)]  # sun 00:00-01:30
    assert next_change_at(london, early, [], dt.datetime(2026, 3, 29, 0, 10, tzinfo=dt.UTC), HORIZON) == dt.datetime(
        2026, 3, 29, 1, 0, tzinfo=dt.UTC
    )
    # 25 October 2026: 01:30 BST (00:30 UTC) starts it; at 01:00 UTC the wall clock goes back to 01:00 GMT,
    # before the window's start, so it ends; it starts again at 01:30 GMT.
    walked = walk(london, night, [], dt.datetime(2026, 10, 25, 0, 45, tzinfo=dt.UTC), HORIZON)
    assert walked == dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC)
    assert next_change_at(london, night, [], dt.datetime(2026, 10, 25, 0, 45, tzinfo=dt.UTC), HORIZON) == walked
    again = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)  # 01:30 GMT, the second 01:30 of the night
    assert next_change_at(london, night, [], walked, HORIZON) == walk(london, night, [], walked, HORIZON) == again


def test_office_hours_from_a_weekend_and_a_day_off() -> None:
    hours = WorkingHours.model_validate(
        {"timezone": "America/New_York", "windows": ["mon-fri 09:00-17:00"], "days_off": ["2026-12-07"]}
    )
    saturday = dt.datetime(2026, 12, 5, 15, 0, tzinfo=dt.UTC)
    # Monday the 7th is off: back Tuesday 09:00 in New York (14:00 UTC), whatever zone `now` is given in.
    back = next_change(hours, saturday.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")))
    assert back == dt.datetime(2026, 12, 8, 14, 0, tzinfo=dt.UTC)
    assert back is not None and back.tzinfo == zoneinfo.ZoneInfo("Asia/Tokyo")
    assert next_change(hours, back) == dt.datetime(2026, 12, 8, 22, 0, tzinfo=dt.UTC)  # 17:00, the end exclusive
    assert next_change(WorkingHours.model_validate("24/7"), saturday) is None
    never = WorkingHours.model_validate({"timezone": "UTC", "windows": ["mon 09:00-10:00"], "days_off": []})
    days_off = [dt.date(2026, 12, 7) + dt.timedelta(weeks=w) for w in range(3)]
    never = never.model_copy(update={"days_off": tuple(days_off)})
    assert next_change(never, saturday) is None  # every Monday in the next 15 days is off


def test_a_call_in_and_the_hours_together_say_when_duty_ends() -> None:
    """On duty while in its hours or called in: whichever ends later is when it goes off duty."""
    from engine.hours import duty_change

    new_york = WorkingHours.model_validate({"timezone": "America/New_York", "windows": ["mon-fri 09:00-17:00"]})
    monday = dt.datetime(2026, 11, 30, 21, 55, tzinfo=dt.UTC)  # 16:55 in New York: five minutes of shift left
    late = monday + dt.timedelta(hours=3)
    assert duty_change(new_york, monday, late) == late  # the call-in runs past the shift: it ends there
    assert duty_change(new_york, monday, None) == dt.datetime(2026, 11, 30, 22, 0, tzinfo=dt.UTC)
    weekdays = WorkingHours.model_validate({"timezone": "UTC", "windows": ["mon-fri 00:00-24:00"]})
    short = monday + dt.timedelta(hours=1)  # called in inside its hours: the hours carry on to Saturday
    assert duty_change(weekdays, monday, short) == dt.datetime(2026, 12, 5, 0, 0, tzinfo=dt.UTC)
    sunday = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)
    assert duty_change(weekdays, sunday, sunday + dt.timedelta(hours=2)) == sunday + dt.timedelta(hours=2)
    assert duty_change(weekdays, sunday, None) == dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)  # off: back Monday
    assert duty_change(weekdays, sunday, sunday - dt.timedelta(hours=1)) == dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
