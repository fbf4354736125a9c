"""What memory works with: an employee's memory profile, the kinds it keeps, and the event it publishes."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from engine.briefs.model import MemoryKind, MemorySettings
from engine.events import Event

JOURNAL = "journal"  # the kind of a daily journal entry; never given by the `remember` tool
KINDS: tuple[MemoryKind, ...] = get_args(MemoryKind)
Source = Literal["owner", "task", "consolidation"]


class MemoryRefused(Exception):
    """A memory request that cannot be done (unknown id, a kind the brief does not keep, ...)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """Whose memory, shared with which team, kept how (the brief's `memory:` block), days in which timezone."""

    employee_id: str
    team: str | None = None
    settings: MemorySettings = field(default_factory=MemorySettings)
    timezone: str = "UTC"


def local_time(created_at: str, timezone: str) -> datetime:
    """When a memory was made, on the clock where its employee works (stored in UTC)."""
    return datetime.fromisoformat(created_at).astimezone(zoneinfo.ZoneInfo(timezone))


def local_day(created_at: str, timezone: str, day: str | None = None) -> str:
    """A memory's day where its employee works: a journal entry's own day, else the day it was made there.

    Shown to the owner and to the model: a decision made on Monday evening in Los Angeles is Monday's, though
    it is Tuesday in UTC (and a journal entry is written at the end of its day, which is the next in UTC).
    """
    return day or local_time(created_at, timezone).date().isoformat()


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoriesRecalled(Event):
    """The memories a task's model requests are given this turn, for the employee panel."""

    employee_id: str
    task_id: str
    memory_ids: tuple[str, ...]
    lines: tuple[str, ...] = ()  # each memory as the model reads it
