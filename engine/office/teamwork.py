"""The office's side of teams: the `Teams` desk built from the roster, the board and the workers."""

from __future__ import annotations

from collections.abc import Callable

from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.llm.types import ModelClient, ModelConfig, ModelReply, ModelRequest
from engine.loop import Guard, TaskWork
from engine.office.employee import Employee
from engine.office.recorder import Recorder
from engine.office.roster import Roster
from engine.office.tasks import TaskBoard
from engine.office.workers import Workers
from engine.parked import Parked
from engine.paths import Home
from engine.store.journal import Journal
from engine.store.records import TaskRecord
from engine.teams import TEAM_TOOLS, Member, TeamError, Teams, lead_tools, team_tools
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
    guard: Guard,
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

    async def complete(lead_id: str, request: ModelRequest) -> ModelReply:
        """The lead's planning call, held to the same guardrails as a step of a task (budgets, hours, audit)."""
        employee = roster.employees[lead_id]
        work = TaskWork(
            employee_id=lead_id, task_id=f"sprint-planning:{employee.record.team}", task_body="",
            brief_version=employee.record.brief_version, system_prompt="", belt=employee.belt, config=request.config,
            workspace=home.workspace(lead_id), brief=employee.brief, team=employee.record.team,
            turn_id=ids.new("turn"),
        )  # fmt: skip
        try:
            await guard.before_model(work, request.messages)
        except Parked as exc:
            raise TeamError(f"{employee.record.name} cannot plan the sprint now: {exc}") from None
        try:
            reply = await model.complete(request)
        except BaseException:
            guard.release(work)
            raise
        reply, ops = guard.settle(work, reply)
        if ops:
            await journal.write(*ops, full=True)
        guard.settled(work, reply)
        return reply

    return Teams(
        journal, bus, clock, ids, root=home.root / "teams", members=members, leads=leads, assign=board.assign,
        enqueue=enqueue, audit_ops=recorder.audit_ops, complete=complete, config_of=config_of,
    )  # fmt: skip


class TeamBelts:
    """Gives each team member the team tools for the task it works."""

    def __init__(self, teams: Teams, journal: Journal) -> None:
        self._teams = teams
        self._tools = team_tools(teams, journal)
        self._lead_tools = lead_tools(teams)  # only the lead's belt has them

    def equip(self, employee: Employee, belt: Belt) -> Belt:
        if not employee.record.team:
            return belt
        lead = self._teams.lead(employee.record.team).id == employee.id
        for tool in [*self._tools, *(self._lead_tools if lead else ())]:
            belt = belt.with_tool(tool)
        return belt
