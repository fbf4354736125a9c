"""Working hours: who is on duty now, when the next shift starts, and owner call-ins."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.briefs import WorkingHours

STEP = timedelta(minutes=1)  # windows are set to the minute
HORIZON = timedelta(days=15)


def on_duty(hours: WorkingHours, now: datetime, called_in_until: datetime | None = None) -> bool:
    """On duty inside the brief's hours, or while the owner has called the employee in."""
    if called_in_until is not None and now < called_in_until:
        return True
    return hours.is_working(now)


def next_change(hours: WorkingHours, now: datetime) -> datetime | None:
    """The next minute at which the employee comes on or goes off duty (None: never changes)."""
    if hours.always:
        return None
    current = hours.is_working(now)
    start = now.replace(second=0, microsecond=0)
    coarse = timedelta(minutes=15)
    probe = start
    while probe < now + HORIZON:
        following = probe + coarse
        if hours.is_working(following) != current:
            fine = probe + STEP  # the change is within these 15 minutes: find its minute
            while hours.is_working(fine) == current:
                fine += STEP
            return fine
        probe = following
    return None


def describe(hours: WorkingHours) -> str:
    if hours.always:
        return "24/7"
    windows = ", ".join(str(w) for w in hours.windows)
    return f"{windows} ({hours.timezone})"
