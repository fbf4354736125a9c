"""The office's side of teams: the `Teams` desk built from the roster, the board and the workers."""

from __future__ import annotations

from collections.abc import Callable

from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.llm.types import ModelClient, ModelConfig
from engine.office.employee import Employee
from engine.office.recorder import Recorder
from engine.office.roster import Roster
from engine.office.tasks import TaskBoard
from engine.office.workers import Workers
from engine.paths import Home
from engine.store.journal import Journal
from engine.store.records import TaskRecord
from engine.teams import TEAM_TOOLS, Member, Teams, team_tools
from engine.tools.registry import Belt


def build_teams(
    home: Home,
    journal: Journal,
    bus: EventBus,
    clock: Clock,
    ids: IdSource,
    *,
    roster: Roster,
    board: TaskBoard,
    workers: Workers,
    recorder: Recorder,
    model: ModelClient,
    leads: Callable[[], dict[str, str]],
) -> Teams:
    def members() -> list[Member]:
        now = clock.now()
        return [
            Member(
                id=e.id,
                name=e.record.name,
                role=e.record.role,
                title=e.record.title,
                team=e.record.team,
                tools=frozenset([*e.belt.qualified_names(), *TEAM_TOOLS]),
                rehearsal=e.config.is_rehearsal,
                on_duty=roster.on_duty(e, now),
            )
            for e in roster.employees.values()
            if e.record.team
        ]

    def enqueue(task: TaskRecord) -> None:
        board.publish(task, task.status, task.reason)
        employee = roster.employees.get(task.employee_id)
        if employee is not None:
            workers.enqueue(employee, task.id)

    def config_of(employee_id: str) -> ModelConfig:
        return roster.employees[employee_id].config

    return Teams(
        journal, bus, clock, ids, root=home.root / "teams", members=members, leads=leads, assign=board.assign,
        enqueue=enqueue, audit_ops=recorder.audit_ops, model=model, config_of=config_of,
    )  # fmt: skip


class TeamBelts:
    """Gives each team member the team tools for the task it works."""

    def __init__(self, teams: Teams, journal: Journal) -> None:
        self._tools = team_tools(teams, journal)

    def equip(self, employee: Employee, belt: Belt) -> Belt:
        if not employee.record.team:
            return belt
        for tool in self._tools:
            belt = belt.with_tool(tool)
        return belt
