"""What `headcount run` says at its start when nobody is on duty: a run that keeps going (`--background`,
`--for`) would otherwise wait in silence for the first shift, and look broken."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.office.queries import Shift


def off_duty_notice(shifts: Sequence[Shift]) -> list[str]:
    """Lines saying who is off duty, on which hours, and when the first comes on (times in this machine's zone,
    the owner's; each employee's hours in their own); none while anyone is on duty or nobody works here."""
    if not shifts or any(s.on_duty for s in shifts):
        return []
    width = max(len(s.employee) for s in shifts)
    lines = ["Everyone is off duty, so no work starts yet:"]
    for s in shifts:
        back = f"back {s.change.astimezone():%a %d %b %H:%M %Z}" if s.change else "no shift in the next 15 days"
        lines.append(f"  {s.employee:<{width}}  {s.hours}; {back}")
    coming = [(s.change, s.employee) for s in shifts if s.change is not None]
    if coming:
        when, who = min(coming)
        starts = f"the first to come on is {who}, {when.astimezone():%a %d %b %H:%M %Z}"
    else:
        starts = "nobody comes on in the next 15 days"
    lines.append(
        f"The office keeps running: {starts}. To start sooner: headcount call-in NAME --hours 2 (or headcount hours)"
    )
    return lines
