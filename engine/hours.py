"""Working hours: who is on duty now, when the next shift starts, and owner call-ins."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.briefs import WorkingHours
from engine.briefs.schedule import next_change_at

ALL_HOURS = "hours:all"  # settings key of the owner's schedule for everyone


def hours_key(employee_id: str) -> str:
    return f"hours:{employee_id}"


HORIZON = timedelta(days=15)


def on_duty(hours: WorkingHours, now: datetime, called_in_until: datetime | None = None) -> bool:
    """On duty inside the brief's hours, or while the owner has called the employee in."""
    if called_in_until is not None and now < called_in_until:
        return True
    return hours.is_working(now)


def next_change(hours: WorkingHours, now: datetime) -> datetime | None:
    """The next minute at which the employee comes on or goes off duty (None: not within 15 days)."""
    if hours.always:
        return None
    return next_change_at(hours.timezone, [w.span() for w in hours.windows], hours.days_off, now, HORIZON)


def duty_change(hours: WorkingHours, now: datetime, called_in_until: datetime | None = None) -> datetime | None:
    """When the employee next goes off duty (on duty now) or comes on (off duty now), a call-in counted: on duty
    while in its hours or called in, so a call-in that ends inside its hours ends nothing (None: not within 15
    days)."""
    called = called_in_until if called_in_until is not None and called_in_until > now else None
    if not on_duty(hours, now, called):
        return next_change(hours, now)
    if hours.always:
        return None
    after = called or now  # the hours carry on from where the call-in ends, if they are on then
    return next_change(hours, after) if hours.is_working(after) else after


def hours_as_brief(hours: WorkingHours) -> object:
    """The schedule as a brief's `hours:` field says it (what WorkingHours reads back)."""
    if hours.always:
        return "24/7"
    return {
        "timezone": hours.timezone,
        "windows": [str(w) for w in hours.windows],
        "days_off": [d.isoformat() for d in hours.days_off],
    }


def describe(hours: WorkingHours) -> str:
    if hours.always:
        return "24/7"
    windows = ", ".join(str(w) for w in hours.windows)
    return f"{windows} ({hours.timezone})"


def off_duty_detail(back: datetime | None, now: datetime) -> str:
    """What an employee off duty shows: when it is back, in this machine's time zone (the owner's)."""
    if back is None:
        return "outside working hours; no shift in the next 15 days"
    local = back.astimezone()
    when = f"{local:%a %H:%M}" if back - now < timedelta(days=6) else f"{local:%a %d %b %H:%M}"
    return f"outside working hours; back {when}"
