"""What memory works with: an employee's memory profile, the kinds it keeps, and the event it publishes."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoriesRecalled(Event):
    """The memories a task's model requests are given this turn, for the employee panel."""

    employee_id: str
    task_id: str
    memory_ids: tuple[str, ...]
    lines: tuple[str, ...] = ()  # each memory as the model reads it
