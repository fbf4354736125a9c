"""An employee's seat in the running office: its record, brief, belt and model, and its work queue."""

from __future__ import annotations

import asyncio
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from engine.briefs import Brief
from engine.briefs.model import RESERVED_TEAMS, SLUG
from engine.events import EmployeeHired, Status
from engine.llm.types import ModelConfig
from engine.store.records import EmployeeRecord
from engine.tools.registry import Belt


@dataclass(slots=True)
class Employee:
    """An employee as the running office knows it: record, brief and belt."""

    record: EmployeeRecord
    brief: Brief
    belt: Belt
    config: ModelConfig
    system_prompt: str = ""  # the brief and skill index, assembled once per brief version
    queue: list[str] = field(default_factory=list)  # task ids, oldest first
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    called_in_until: datetime | None = None
    shown: Status | None = None  # the status last published, to avoid repeating off-duty notices

    @property
    def id(self) -> str:
        return self.record.id


def employee_event(employee: Employee, record: EmployeeRecord | None = None) -> EmployeeHired:
    """Who the employee is, as the event listeners upsert (`record` if fresher than the employee's)."""
    record = record or employee.record
    return EmployeeHired(
        employee_id=record.id,
        name=record.name,
        role=record.role,
        title=record.title,
        team=record.team,
        appearance=tuple(sorted(employee.brief.appearance.as_pairs())),
        rehearsal=employee.config.is_rehearsal,
    )


def unseated_event(record: EmployeeRecord, brief_error: str) -> EmployeeHired:
    """Someone employed whose brief does not load: shown, with why it cannot work."""
    return EmployeeHired(
        employee_id=record.id, name=record.name, role=record.role, title=record.title, team=record.team,
        brief_error=brief_error,
    )  # fmt: skip


MAX_NAME_CHARS = 40
MAX_TEAM_CHARS = 48  # as a brief's `team:`


def check_name(text: str) -> str:
    """An employee's name: one line of printable text, short enough for the roster and a name tag.

    Raises ValueError in words; the command line and the window say the same.
    """
    name = " ".join(text.split())
    if not name:
        raise ValueError("a name needs at least one letter")
    if any(unicodedata.category(c).startswith("C") for c in text if c not in " \t"):
        raise ValueError("a name is one line of plain text (no line breaks or control characters)")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"a name is at most {MAX_NAME_CHARS} characters; this one has {len(name)}")
    return name


def check_team(text: str) -> str:
    """A team's id, as a brief's `team:` writes it: it names the team's folder, so never a path."""
    if len(text) > MAX_TEAM_CHARS or not SLUG.match(text):
        raise ValueError(f"a team id is lowercase like 'marketing' or 'front-desk' (a-z, 0-9, dashes), got {text!r}")
    if text in RESERVED_TEAMS:
        raise ValueError(
            f"{text!r} is a word the commands use ({', '.join(sorted(RESERVED_TEAMS))}); choose another team id"
        )
    return text
