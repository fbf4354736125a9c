"""The office's side of teams: the `Teams` desk built from the roster, the board and the workers."""

from __future__ import annotations

import json
from collections.abc import Callable

from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.events import StepFinished
from engine.llm.types import ModelClient, ModelConfig, ModelReply, ModelRequest
from engine.loop import Guard, TaskWork
from engine.office.employee import Employee
from engine.office.recorder import Recorder
from engine.office.roster import Roster
from engine.office.tasks import TaskBoard, title_of
from engine.office.workers import Workers
from engine.parked import Parked
from engine.paths import Home
from engine.secrets import redact
from engine.store import writes
from engine.store.journal import Journal
from engine.store.records import StepRecord, TaskRecord
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
                hours=roster.hours_of(e),
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

    async def complete(lead_id: str, request: ModelRequest, title: str) -> tuple[ModelReply, str]:
        """The lead's planning call, held to the same guardrails as a step of a task (budgets, hours, audit).

        It is journaled as a task of the lead's (`title`, done) whose one model step holds what the call
        cost, in the same write as its audit row: spend is read back from steps, so it survives a restart.
        """
        employee = roster.employees[lead_id]
        task_id = ids.new("task")
        work = TaskWork(
            employee_id=lead_id, task_id=task_id, task_body="", brief_version=employee.record.brief_version,
            system_prompt="", belt=employee.belt, config=request.config, workspace=home.workspace(lead_id),
            brief=employee.brief, team=employee.record.team, turn_id=ids.new("turn"),
        )  # fmt: skip
        try:
            return await _plan_call(work, request, title)
        finally:
            guard.turn_ended(work)

    async def _plan_call(work: TaskWork, request: ModelRequest, title: str) -> tuple[ModelReply, str]:
        lead_id = work.employee_id
        try:
            await guard.before_model(work, request.messages)
        except Parked as exc:
            raise TeamError(f"{roster.employees[lead_id].record.name} cannot plan the sprint now: {exc}") from None
        started = clock.now().isoformat()
        try:
            reply = await model.complete(request)
        except BaseException:
            guard.release(work)
            raise
        reply, ops = guard.settle(work, reply)
        task, step = _planning_records(work, title, reply, started, clock.now().isoformat(), ids.new("step"))
        await journal.write(
            writes.insert_task(task),
            writes.start_turn(work.turn_id, task.id, lead_id, work.brief_version, started),
            writes.insert_step(step),
            *ops,
            full=True,
        )
        board.publish(task, "done")
        bus.publish(
            StepFinished(
                employee_id=lead_id, task_id=task.id, step_id=step.id, kind="model", status="finished",
                cost_usd=step.cost_usd, summary=reply.text[:200],
            )
        )  # fmt: skip
        guard.settled(work, reply)
        return reply, task.id

    return Teams(
        journal, bus, clock, ids, root=home.root / "teams", members=members, leads=leads, assign=board.assign,
        enqueue=enqueue, audit_ops=recorder.audit_ops, complete=complete, config_of=config_of,
    )  # fmt: skip


def _planning_records(
    work: TaskWork, title: str, reply: ModelReply, started: str, finished: str, step_id: str
) -> tuple[TaskRecord, StepRecord]:
    """The planning call as a finished task of the lead's and its one model step (with its cost)."""
    text = redact(title.strip())
    task = TaskRecord(
        id=work.task_id, employee_id=work.employee_id, parent_id=None, title=title_of(text), body=text,
        status="done", reason="", created_at=started, updated_at=finished,
    )  # fmt: skip
    message = {"role": "assistant", "content": redact(reply.text) if reply.text else None}  # a plan calls no tools
    step = StepRecord(
        id=step_id, task_id=task.id, turn_id=work.turn_id, employee_id=work.employee_id, seq=1, kind="model",
        status="finished", attempt=1, tool=None, call_id=None, arguments=None,
        result=json.dumps(message, separators=(",", ":")), model=reply.model, prompt_tokens=reply.prompt_tokens,
        completion_tokens=reply.completion_tokens, cost_usd=reply.cost_usd, rehearsal=reply.rehearsal, error=None,
        started_at=started, finished_at=finished,
    )  # fmt: skip
    return task, step


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
