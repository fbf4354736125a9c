"""How the rehearsal model books a meeting, as a careful assistant would: look at the day, then take a free hour.

The day is the first ISO date in the task (a real model reads it there too: no date is in the prompt),
else a fixed one; the rehearsal model never reads the clock. Attendees are the addresses in the task.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

FIXED_DAY = dt.date(2026, 1, 5)
WORK_HOURS = range(9, 17)  # a meeting starts on the hour, 09:00 to 16:00 where the employee works
_BOOKING = re.compile(r"\b(book|meeting|meet|schedule|appointment|invite|call with|calendar)\b", re.IGNORECASE)
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ZONE = re.compile(r"^Now: .* in (\S+) \(UTC", re.MULTILINE)  # calendar_list's first line


def wants_booking(task: str) -> bool:
    return bool(_BOOKING.search(task))


def day_of(task: str) -> dt.date:
    for found in _DATE.findall(task):
        try:
            return dt.date.fromisoformat(found)
        except ValueError:
            continue
    return FIXED_DAY


def calendar_steps(
    task: str, results: dict[str, str], offered: dict[str, Any], title: str
) -> list[tuple[str, dict[str, Any]]]:
    """calendar_list for the day, then calendar_create at its first free working hour (if any)."""
    if "calendar_create" not in offered or not wants_booking(task):
        return []
    day = day_of(task)
    steps: list[tuple[str, dict[str, Any]]] = []
    if "calendar_list" in offered:
        steps.append(("calendar_list", {"start": day.isoformat()}))  # the whole day, where the employee works
        if "calendar_list" not in results:
            return steps  # book only once the day has been seen
    slot = free_hour(day, results.get("calendar_list", ""))
    if slot is None:
        return steps
    arguments: dict[str, Any] = {
        "summary": title,
        "start": slot.isoformat(),
        "end": (slot + dt.timedelta(hours=1)).isoformat(),
        "description": f"Agenda: {title}",
    }
    attendees = sorted(set(_EMAIL.findall(task)))
    if attendees:
        arguments["attendees"] = attendees
    steps.append(("calendar_create", arguments))
    return steps


def zone_of(listing: str) -> dt.tzinfo:
    """The employee's time zone, as calendar_list's `Now:` line names it (UTC when it names none)."""
    import zoneinfo

    found = _ZONE.search(listing)
    try:
        return zoneinfo.ZoneInfo(found.group(1)) if found else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def free_hour(day: dt.date, listing: str) -> dt.datetime | None:
    """The first working hour of `day`, where the employee works, that overlaps nothing in the `Busy:` line."""
    zone = zone_of(listing)
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    for line in listing.splitlines():
        if line.startswith("Busy:"):
            for part in line.removeprefix("Busy:").split(";"):
                start, _, end = part.strip().partition(" to ")
                try:
                    spans.append((dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)))
                except ValueError:
                    continue
    for hour in WORK_HOURS:
        slot = dt.datetime.combine(day, dt.time(hour), zone)
        if not any(s < slot + dt.timedelta(hours=1) and slot < e for s, e in spans if s.tzinfo and e.tzinfo):
            return slot
    return None
