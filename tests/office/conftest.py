"""Office fixtures: one software-rendered OfficeRenderer per session (ShowBase is a singleton)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.office.state import OfficeState
from engine.events import EmployeeHired, Event, StatusChanged

TEAMS = ("Engineering", "Sales", "Support")


def hire(employee_id: str, team: str | None = "Engineering", role: str = "engineer") -> EmployeeHired:
    return EmployeeHired(employee_id=employee_id, name=employee_id.title(), role=role, title=role.title(), team=team)


def office(events: list[Event], seed: int = 7, settle: bool = True) -> OfficeState:
    state = OfficeState(random.Random(seed))
    state.apply_all(events)
    if settle:
        state.settle()
    return state


def three_teams(per_team: int = 3) -> list[Event]:
    events: list[Event] = []
    for t, team in enumerate(TEAMS):
        for i in range(per_team):
            eid = f"{team[:3].lower()}{i}"
            events.append(hire(eid, team, role=("engineer", "sales", "support")[t]))
            events.append(StatusChanged(employee_id=eid, status="typing"))
    return events


@pytest.fixture
def renderer() -> Iterator[object]:
    """The process's one renderer (the app tests share it), at the size these tests expect."""
    from app.office.renderer import shared_renderer

    r = shared_renderer(size=(480, 320), pipe="p3tinydisplay")
    r.resize(480, 320)
    r.camera.follow = None
    yield r
