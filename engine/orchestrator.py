"""The office: hires employees from briefs, queues their tasks, runs their loops, recovers after a crash."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.briefs import Brief, load_brief, load_catalog, render_system_prompt
from engine.bus import EventBus
from engine.clock import Clock, IdSource, RandomIds, SystemClock
from engine.events import EmployeeHired, Status, StatusChanged, TaskChanged, TaskStatus
from engine.guards import Guard, OpenGuard
from engine.journal import EmployeeRecord, Journal, StepRecord, TaskRecord
from engine.llm.types import ModelClient, ModelConfig
from engine.loop import AgentLoop, Outcome, TaskWork
from engine.paths import SHIPPED_BRIEFS, Home
from engine.recovery import recover
from engine.store.db import open_database
from engine.store.writer import Writer
from engine.tools.base import Tool
from engine.tools.builtin import builtin_tools
from engine.tools.registry import Belt, ToolRegistry

log = logging.getLogger(__name__)

FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca",
    "Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Yara", "Zane",
)  # fmt: skip


class OfficeError(Exception):
    """A request the office cannot carry out (unknown employee, unknown role, ...)."""


@dataclass(slots=True)
class Employee:
    """An employee as the running office knows it: record, brief and belt."""

    record: EmployeeRecord
    brief: Brief
    belt: Belt
    config: ModelConfig
    queue: list[str] = field(default_factory=list)  # task ids, oldest first
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def id(self) -> str:
        return self.record.id


class Office:
    """One office of employees working over one journal. Use `await Office.open(home)`."""

    def __init__(
        self,
        home: Home,
        journal: Journal,
        *,
        model: ModelClient,
        bus: EventBus,
        clock: Clock,
        ids: IdSource,
        tools: ToolRegistry,
        guard: Guard,
    ) -> None:
        self.home = home
        self.journal = journal
        self.bus = bus
        self.clock = clock
        self.ids = ids
        self.tools = tools
        self.model = model
        self.loop = AgentLoop(journal, model, bus, clock, ids, guard)
        self.employees: dict[str, Employee] = {}
        self._running: set[str] = set()

    @classmethod
    async def open(
        cls,
        home: Home,
        *,
        model: ModelClient | None = None,
        bus: EventBus | None = None,
        clock: Clock | None = None,
        ids: IdSource | None = None,
        tools: Iterable[Tool] = (),
        guard: Guard | None = None,
        colocate_writer: bool = True,
    ) -> Office:
        """Open the office in `home`; `colocate_writer=False` for the desktop app (see Writer)."""
        engine = await asyncio.to_thread(open_database, home.database, home.backups)
        writer = Writer(engine, colocate=colocate_writer)
        writer.start()
        if model is None:
            from engine.llm.provider import LiteLLMClient

            model = LiteLLMClient()
        office = cls(
            home,
            Journal(engine, writer),
            model=model,
            bus=bus or EventBus(),
            clock=clock or SystemClock(),
            ids=ids or RandomIds(),
            tools=ToolRegistry([*builtin_tools(), *tools]),
            guard=guard or OpenGuard(),
        )
        await office._load()
        return office

    async def close(self) -> None:
        await self.journal.writer.close()

    @property
    def stream(self) -> bool:
        return self.loop.stream

    @stream.setter
    def stream(self, value: bool) -> None:
        self.loop.stream = value

    # --- start-up -----------------------------------------------------------------------------

    async def _load(self) -> None:
        await recover(self.journal, self.clock)
        for record in await self.journal.employees():
            try:
                brief = await asyncio.to_thread(self._brief_at_version, record)
            except Exception as exc:  # a bad brief never stops the others
                log.warning("employee %s cannot load its brief: %s", record.name, exc)
                continue
            self._add(record, brief)
        for task in await self.journal.tasks(statuses=["queued"]):
            if task.employee_id in self.employees:
                self.employees[task.employee_id].queue.append(task.id)

    def _brief_at_version(self, record: EmployeeRecord) -> Brief:
        return load_brief(Path(record.brief_path), known_tools=None)

    def _add(self, record: EmployeeRecord, brief: Brief) -> Employee:
        employee = Employee(record, brief, self.tools.belt(brief.tools), brief.model.to_config())
        self.employees[record.id] = employee
        self.bus.publish(
            EmployeeHired(
                employee_id=record.id,
                name=record.name,
                role=record.role,
                title=record.title,
                team=record.team,
                appearance=tuple(sorted(brief.appearance.as_pairs())),
                rehearsal=employee.config.is_rehearsal,
            )
        )
        return employee

    # --- commands -----------------------------------------------------------------------------

    async def hire(self, brief: Brief, *, name: str | None = None, team: str | None = None) -> EmployeeRecord:
        """Hire an employee from a validated brief."""
        if not brief.model.to_config().is_rehearsal:
            from engine.llm.provider import validate_config

            await asyncio.to_thread(validate_config, brief.model.to_config())
        taken = {e.record.name for e in self.employees.values()}
        chosen = name or next((n for n in FIRST_NAMES if n not in taken), f"Employee {len(taken) + 1}")
        if chosen in taken:
            raise OfficeError(f"there is already an employee called {chosen}")
        now = self._now()
        record = EmployeeRecord(
            id=self.ids.new("emp"),
            name=chosen,
            role=brief.id,
            title=brief.title,
            team=team or brief.team,
            brief_path=str(brief.source),
            brief_version=brief.version,
            status="idle",
            status_detail="",
            hired_at=now,
        )
        text = await asyncio.to_thread(Path(brief.source).read_text, encoding="utf-8")
        await self.journal.write(*Journal.hire_ops(record, text))
        self._add(record, brief)
        return record

    def brief_for(self, role_or_path: str) -> Brief:
        """A brief by catalog role id (owner briefs override shipped ones) or by file path."""
        path = Path(role_or_path).expanduser()
        if path.suffix == ".md" or path.exists():
            return load_brief(path, known_tools=self.tools.names())
        catalog = load_catalog(SHIPPED_BRIEFS, self.home.briefs)
        if role_or_path not in catalog.roles:
            known = ", ".join(sorted(catalog.roles)) or "none"
            raise OfficeError(f"no role {role_or_path!r} in the catalog (roles: {known})")
        return catalog.roles[role_or_path]

    async def roster(self) -> list[dict[str, object]]:
        """Who works here, what they are doing, as plain data (for `roster --json` and the UI)."""
        records = await self.journal.employees()
        running = {t.employee_id: t.title for t in await self.journal.tasks(statuses=["running"])}
        rows: list[dict[str, object]] = []
        for r in records:
            employee = self.employees.get(r.id)
            rows.append(
                {
                    "id": r.id,
                    "name": r.name,
                    "role": r.role,
                    "title": r.title,
                    "team": r.team,
                    "status": r.status,
                    "detail": r.status_detail,
                    "current_task": running.get(r.id),
                    "rehearsal": employee.config.is_rehearsal if employee else True,
                    "brief_error": None if employee else "the brief failed to load; see the log",
                }
            )
        return rows

    async def resolve(self, task_id: str, *, happened: bool) -> None:
        """The owner's answer about a task parked as uncertain after a crash."""
        tasks = [t for t in await self.journal.tasks(statuses=["uncertain"]) if t.id == task_id]
        if not tasks:
            raise OfficeError(f"no uncertain task {task_id!r}")
        task = tasks[0]
        ops = []
        if happened:
            for step in await self.journal.steps(task_id=task_id):
                if step.status == "uncertain" and step.kind == "tool":
                    done = dataclasses.replace(
                        step,
                        id=self.ids.new("step"),
                        status="finished",
                        attempt=step.attempt,
                        result="(the owner confirmed this action happened before the restart)",
                        started_at=self._now(),
                        finished_at=self._now(),
                    )
                    ops.append(Journal.step_insert_op(done))
        ops.append(Journal.task_status_op(task_id, "queued", "the owner resolved it", self._now()))
        ops.append(Journal.employee_update_op(task.employee_id, status="idle", status_detail=""))
        await self.journal.write(*ops)
        if task.employee_id in self.employees:
            employee = self.employees[task.employee_id]
            employee.queue.append(task_id)
            employee.wake.set()
        self._task_event(task, "queued", "the owner resolved it")

    def find(self, who: str) -> Employee:
        """An employee by id or by name (case-insensitive)."""
        if who in self.employees:
            return self.employees[who]
        matches = [e for e in self.employees.values() if e.record.name.lower() == who.lower()]
        if not matches:
            names = ", ".join(sorted(e.record.name for e in self.employees.values())) or "nobody yet"
            raise OfficeError(f"no employee called {who!r} (the office has: {names})")
        return matches[0]

    async def assign(self, who: str, text: str, *, parent_id: str | None = None) -> TaskRecord:
        text = text.strip()
        if not text:
            raise OfficeError("a task needs some text")
        employee = self.find(who)
        now = self._now()
        title = text.splitlines()[0][:80]
        task = TaskRecord(
            id=self.ids.new("task"),
            employee_id=employee.id,
            parent_id=parent_id,
            title=title,
            body=text,
            status="queued",
            reason="",
            created_at=now,
            updated_at=now,
        )
        await self.journal.write(Journal.task_insert_op(task))
        employee.queue.append(task.id)
        employee.wake.set()
        self._task_event(task, "queued")
        return task

    async def run(self, *, until_idle: bool = True, duration: float | None = None) -> None:
        """Work queued tasks: until every queue is empty, for `duration` seconds, or forever."""
        async with asyncio.TaskGroup() as group:
            workers = [group.create_task(self._work(e, until_idle)) for e in list(self.employees.values())]
            if duration is not None:
                await self.clock.sleep(duration)
                for worker in workers:
                    worker.cancel()

    async def run_employee(self, who: str) -> None:
        """Work one employee's queue until it is empty."""
        await self._work(self.find(who), until_idle=True)

    # --- the work ------------------------------------------------------------------------------

    async def _work(self, employee: Employee, until_idle: bool) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                if not employee.queue:
                    if until_idle:
                        return
                    employee.wake.clear()
                    await employee.wake.wait()
                    continue
                task_id = employee.queue.pop(0)
                await self._work_task(employee, task_id)

    async def _work_task(self, employee: Employee, task_id: str) -> Outcome:
        tasks = [t for t in await self.journal.tasks(employee_id=employee.id) if t.id == task_id]
        if not tasks:
            raise OfficeError(f"task {task_id} vanished from the journal")
        task = tasks[0]
        history = await self.journal.steps(task_id=task_id)
        await self._set_task(task, "running", "", status="thinking", detail=task.title)
        work = self._task_work(employee, task, history)
        self._running.add(task_id)
        try:
            outcome = await self.loop.run(work, history)
        finally:
            self._running.discard(task_id)
        final: TaskStatus = outcome.status
        await self._set_task(
            task, final, outcome.summary if final != "done" else "", status=outcome.employee_status, detail=""
        )
        return outcome

    def _task_work(self, employee: Employee, task: TaskRecord, history: Sequence[StepRecord]) -> TaskWork:
        brief = employee.brief
        return TaskWork(
            employee_id=employee.id,
            task_id=task.id,
            task_body=task.body,
            brief_version=employee.record.brief_version,
            system_prompt=render_system_prompt(brief, ()),
            belt=employee.belt,
            config=employee.config,
            workspace=self.home.workspace(employee.id),
            max_actions=brief.max_actions_per_turn,
            brief=brief,
            team=employee.record.team,
        )

    async def _set_task(self, task: TaskRecord, state: TaskStatus, reason: str, *, status: Status, detail: str) -> None:
        now = self._now()
        await self.journal.write(
            Journal.task_status_op(task.id, state, reason, now),
            Journal.employee_update_op(task.employee_id, status=status, status_detail=detail or reason),
        )
        self._task_event(task, state, reason)
        self.bus.publish(StatusChanged(employee_id=task.employee_id, status=status, detail=detail or reason))

    def _task_event(self, task: TaskRecord, status: TaskStatus, reason: str = "") -> None:
        self.bus.publish(
            TaskChanged(
                task_id=task.id,
                employee_id=task.employee_id,
                title=task.title,
                status=status,
                reason=reason,
                parent_id=task.parent_id,
            )
        )

    def _now(self) -> str:
        return self.clock.now().isoformat()
