"""How the rehearsal model books a meeting, as a careful assistant would: look at the day, then take a free hour.

The day is the first ISO date in the task (a real model reads it there too: no date is in the prompt).
A task with no date is booked as soon as it can be: the rehearsal model never reads the clock, so it
lists today's calendar first (calendar_list's `Now:` line says what day and time it is where the employee
works) and takes the first free working hour still ahead today, else lists tomorrow and takes the first
one there. Attendees are the addresses in the task.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

WORK_HOURS = range(9, 17)  # a meeting starts on the hour, 09:00 to 16:00 where the employee works
_BOOKING = re.compile(r"\b(book|meeting|meet|schedule|appointment|invite|call with|calendar)\b", re.IGNORECASE)
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ZONE = re.compile(r"^Now: .* in (\S+) \(UTC", re.MULTILINE)  # calendar_list's first line
_NOW = re.compile(r"^Now: \w+ (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) in ", re.MULTILINE)
# The result of a calendar_list call with these arguments, if it was made (the rehearsal's turn knows).
Listed = Callable[[dict[str, Any]], str | None]


def wants_booking(task: str) -> bool:
    return bool(_BOOKING.search(task))


def day_of(task: str) -> dt.date | None:
    """The first ISO date written in the task, if any."""
    for found in _DATE.findall(task):
        try:
            return dt.date.fromisoformat(found)
        except ValueError:
            continue
    return None


def now_of(listing: str) -> dt.datetime | None:
    """The time where the employee works, as calendar_list's `Now:` line says it."""
    found = _NOW.search(listing)
    if found is None:
        return None
    return dt.datetime.fromisoformat(found.group(1)).replace(tzinfo=zone_of(listing))


def calendar_steps(task: str, listed: Listed, offered: dict[str, Any], title: str) -> list[tuple[str, dict[str, Any]]]:
    """calendar_list for the day, then calendar_create at its first free working hour (if any)."""
    if "calendar_create" not in offered or not wants_booking(task):
        return []
    day = day_of(task)
    if "calendar_list" not in offered:  # booked blind: only on a day the task names
        return _booked([], free_hour(day, "") if day is not None else None, task, title)
    if day is not None:
        steps: list[tuple[str, dict[str, Any]]] = [("calendar_list", {"start": day.isoformat()})]
        listing = listed(steps[0][1])  # the whole day, where the employee works
        slot = free_hour(day, listing) if listing is not None else None
    else:
        steps = [("calendar_list", {})]  # today, where the employee works: its first line says when that is
        listing = listed({})
        now = now_of(listing) if listing is not None else None
        if listing is None or now is None:
            return steps
        slot = free_hour(now.date(), listing, after=now)
        if slot is None:
            tomorrow = {"start": (now.date() + dt.timedelta(days=1)).isoformat()}
            steps.append(("calendar_list", tomorrow))
            ahead = listed(tomorrow)
            slot = free_hour(now.date() + dt.timedelta(days=1), ahead) if ahead is not None else None
    return _booked(steps, slot, task, title)


def _booked(
    steps: list[tuple[str, dict[str, Any]]], slot: dt.datetime | None, task: str, title: str
) -> list[tuple[str, dict[str, Any]]]:
    """`steps`, then calendar_create for an hour from `slot` when there is one."""
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


def free_hour(day: dt.date, listing: str, *, after: dt.datetime | None = None) -> dt.datetime | None:
    """The first working hour of `day`, where the employee works, that overlaps nothing in the `Busy:` line
    (and starts no earlier than `after`)."""
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
        if after is not None and slot < after:
            continue
        if not any(s < slot + dt.timedelta(hours=1) and slot < e for s, e in spans if s.tzinfo and e.tzinfo):
            return slot
    return None
