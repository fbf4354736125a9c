"""The office: hires employees from briefs, queues their tasks, runs their loops, recovers after a crash."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from engine import models
from engine.approvals import ApprovalBook
from engine.audit import AuditLog
from engine.briefing import BriefActions
from engine.briefs import HARD_MAX_TOOLS, Brief, BriefError, WorkingHours
from engine.briefs.loader import CEILING_COMMAND
from engine.briefs.prompt import render_system_prompt
from engine.briefs.skills import Skill, attached_skills, load_skills, use_skill_tool
from engine.budget import BudgetLedger, Ceiling
from engine.bus import EventBus
from engine.clock import Clock, IdSource, RandomIds, default_clock
from engine.connections import Connections  # issue 13: MCP servers, ask_owner, web_fetch
from engine.decisions import Decisions, bump_op, read_decisions, read_version
from engine.events import (
    BriefInvalid,
    DecisionsChanged,
    EmployeeLeft,
    EscalationRaised,
    Status,
    StatusChanged,
    TaskStatus,
)
from engine.guardrails import Guardrails, Pricing, worst_case_cost
from engine.guards import Guard
from engine.hours import ALL_HOURS, hours_key, next_change, on_duty
from engine.journal import EmployeeRecord, Journal, TaskRecord
from engine.llm.types import ModelClient, ModelConfig, Price
from engine.loop import AgentLoop, Outcome, TaskWork
from engine.memory import MemoryBook, memory_tools  # memory hook
from engine.office_parts import employee_event
from engine.owner import OwnerActions
from engine.paths import SHIPPED_BRIEFS, Home
from engine.recovery import recover
from engine.runlock import AlreadyRunning, RunLock
from engine.secrets import Secrets, redact
from engine.spending import SpendingActions
from engine.standing import OPEN, is_over_budget, standing
from engine.store.backups import DailyBackup
from engine.store.db import StoreError, open_database
from engine.store.writer import Writer
from engine.tools.base import Tool
from engine.tools.registry import Belt, ToolRegistry
from engine.views import OfficeViews

log = logging.getLogger(__name__)

FIRST_NAMES = (
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Luca",
    "Maya",
    "Noor",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yara",
    "Zane",
)


POLL_S = 3.0  # how soon a running office notices work queued by another process


@dataclass(frozen=True, slots=True)
class Held:
    """Work the office cannot do by itself now, and what holds it (for `run` to tell the owner)."""

    employee: str  # name
    kind: str  # off_duty | waiting | uncertain | over_budget | parked
    task_id: str
    title: str
    reason: str
    until: datetime | None = None  # off duty: when the next shift starts (None: no shift in sight)


class OfficeError(Exception):
    """A request the office cannot carry out (unknown employee, unknown role, ...)."""


@dataclass(slots=True)
class Employee:
    """An employee as the running office knows it: record, brief and belt."""

    record: EmployeeRecord
    brief: Brief
    belt: Belt
    config: ModelConfig
    system_prompt: str = ""  # the brief and skill index, assembled once per brief version
    hours: WorkingHours | None = None  # the owner's schedule for this employee, when set over the brief's
    queue: list[str] = field(default_factory=list)  # task ids, oldest first
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    called_in_until: datetime | None = None
    shown: Status | None = None  # the status last published, to avoid repeating off-duty notices

    @property
    def id(self) -> str:
        return self.record.id


class Office(OwnerActions, SpendingActions, BriefActions, OfficeViews):
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
        guard: Guard | None,
        ledger: BudgetLedger,
        connections: Connections,
    ) -> None:
        self.home = home
        self.connections = connections  # issue 13: MCP servers started on demand, stopped by close()
        self.journal = journal
        self.bus = bus
        self.clock = clock
        self.ids = ids
        self.tools = tools
        self.model = model
        self.ledger = ledger
        self.daily_backup = DailyBackup(home.database, home.backups, clock)
        self.approvals = ApprovalBook(journal)
        self.audit = AuditLog(journal.writer, redact=redact)
        self.guardrails = Guardrails(
            ledger=ledger,
            approvals=self.approvals,
            bus=bus,
            clock=clock,
            ids=ids,
            pricing=Pricing(_price_of),
            estimate=worst_case_cost,
            write=functools.partial(journal.write, full=True),
            on_duty=self._on_duty_for,
            audit=self.audit,
        )
        self.loop = AgentLoop(journal, model, bus, clock, ids, guard or self.guardrails)
        self.memory = MemoryBook(journal, clock, ids, bus)  # memory hook
        for tool in memory_tools(self.memory):  # memory hook: remember, recall, correct beside the built-ins
            tools.add(tool)
        self.employees: dict[str, Employee] = {}
        self.skills: dict[str, Skill] = {}
        # Words per second the rehearsal model writes at; 0 = instantly (headless, tests). The app
        # paces it like a person so the office shows work happening, not a blur of finished tasks.
        self.rehearsal_pace = 0.0
        self.model_overrides: dict[str, ModelConfig] = {}  # settings key -> connected model
        self.hours_overrides: dict[str, WorkingHours] = {}  # settings key -> the owner's schedule
        self._serving: tuple[asyncio.TaskGroup, bool] | None = None  # set while run() runs
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._active: set[str] = set()  # task ids taken from a queue and being worked
        self._decided = -1  # the version of the owner's decisions last applied
        self._refreshing = asyncio.Lock()
        self.brief_errors: dict[str, str] = {}  # employee id -> why its brief did not load

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
        """Open the office in `home`.

        `guard` replaces the guardrails (tests of the bare loop); `colocate_writer=False` for the
        desktop app, whose loop thread also renders (see Writer).
        """
        try:
            clock = clock or default_clock()
        except ValueError as exc:
            raise OfficeError(str(exc)) from None
        engine = await asyncio.to_thread(open_database, home.database, home.backups, clock=clock)
        writer = Writer(engine, colocate=colocate_writer)
        writer.start()
        if model is None:
            from engine.llm.provider import LiteLLMClient

            model = LiteLLMClient()
        journal = Journal(engine, writer)
        connections = Connections(journal, home)  # issue 13
        office = cls(
            home,
            journal,
            model=model,
            bus=bus or EventBus(),
            clock=clock,
            ids=ids or RandomIds(),
            tools=connections.registry(tools),  # issue 13: built-ins, `tools`, and `mcp:<server>.*` on demand
            guard=guard,
            ledger=BudgetLedger(clock.now().astimezone().tzinfo or clock.now().tzinfo),  # type: ignore[arg-type]
            connections=connections,
        )
        await office._load()
        return office

    async def close(self) -> None:
        """Commit what is pending and stop the writer; closing twice is harmless."""
        if self.journal.writer.closed:
            return
        try:
            await self.connections.close()  # issue 13: no MCP server outlives its office
            await self.journal.flush()
        finally:  # also when the disk is full: the writer thread must not outlive the office
            await self.journal.writer.close()

    @property
    def stream(self) -> bool:
        return self.loop.stream

    @stream.setter
    def stream(self, value: bool) -> None:
        self.loop.stream = value

    # --- start-up -----------------------------------------------------------------------------

    async def _load(self) -> None:
        await asyncio.to_thread(_remember_secrets, self.home)
        decisions = await self.journal.read(read_decisions)
        self.model_overrides, self.hours_overrides = dict(decisions.models), dict(decisions.hours)
        dirs = [SHIPPED_BRIEFS / "skills", self.home.briefs / "skills"]
        skill_errors: list[BriefError] = []  # a bad skill never stops the office; the employee works without it
        self.skills = await asyncio.to_thread(load_skills, dirs, errors=skill_errors)
        for error in skill_errors:
            self.bus.publish(BriefInvalid(path=str(error.path), message=str(error)))
        for record in await self.journal.employees():
            await self._seat(record)
        for task in await self.journal.tasks(statuses=["queued"]):
            if task.employee_id in self.employees:
                self.employees[task.employee_id].queue.append(task.id)
        self._use_decisions(decisions)
        await self.load_spend()

    async def _seat(self, record: EmployeeRecord) -> Employee | None:
        """Seat an employee from its record, or say why its brief keeps it from working."""
        try:
            brief, record = await self._current_brief(record)
        except BriefError as exc:  # a bad brief never stops the others
            self.brief_errors[record.id] = str(exc)
            self.bus.publish(BriefInvalid(path=record.brief_path, message=str(exc)))
            log.warning("%s cannot work: %s", record.name, exc)
            return None
        self.brief_errors.pop(record.id, None)
        return self._add(record, brief)

    def _use_decisions(self, decisions: Decisions) -> None:
        """Make the in-memory caches match the owner's decisions as stored (idempotent)."""
        self._decided = decisions.version
        self.model_overrides, self.hours_overrides = dict(decisions.models), dict(decisions.hours)
        self._reconfigure()
        for employee in self.employees.values():
            self.ledger.register(
                employee.id,
                employee.record.team,
                self.hours_of(employee).timezone,
                Ceiling(employee.brief.budget.per_turn_usd, employee.brief.budget.per_day_usd),
            )
            employee.called_in_until = decisions.call_ins.get(employee.id)
        self.ledger.use_owner_limits(decisions.ceilings, decisions.allowances)
        self.use_simulated_prices(decisions.simulate)

    async def refresh_decisions(self) -> None:
        """Re-read what the owner decided (from any process) and apply it; wake whoever it concerns."""
        async with self._refreshing:  # one at a time: two would seat someone hired elsewhere twice
            await self._refresh_decisions()

    async def _refresh_decisions(self) -> None:
        decisions = await self.journal.read(read_decisions)
        records = {r.id: r for r in await self.journal.employees()}
        for employee_id in [e for e in self.employees if e in decisions.departed]:
            self._forget(employee_id)  # let go from another process
        for employee_id, record in records.items():
            employee = self.employees.get(employee_id)
            if employee is None or (record.brief_version, record.brief_path) != (
                employee.record.brief_version,
                employee.record.brief_path,
            ):
                seated = await self._seat(record)  # hired, or re-briefed, elsewhere
                if seated is not None and employee is None:
                    self._start_worker(seated)
            else:
                employee.record = dataclasses.replace(employee.record, probation_left=record.probation_left)
        self._use_decisions(decisions)
        for employee in self.employees.values():
            employee.wake.set()  # whoever waits for a shift or a budget re-reads it
            simulated = employee.config.is_rehearsal and self.guardrails.pricing.simulated is not None
            self.bus.publish(self.guardrails.spend_event(employee.id, simulated=simulated))  # ceilings may differ
        self.bus.publish(DecisionsChanged(version=decisions.version))
        await self.retry_over_budget()

    def _forget(self, employee_id: str) -> None:
        """Stop seating someone who was let go (here or by another process)."""
        employee = self.employees.pop(employee_id, None)
        if employee is None:
            return
        employee.queue.clear()
        worker = self._workers.pop(employee_id, None)
        if worker is not None:
            worker.cancel()
        self.bus.publish(EmployeeLeft(employee_id=employee_id))

    def publish_employee(self, employee: Employee) -> None:
        """Tell listeners who this employee is now (hired, re-briefed, switched model): an upsert."""
        self.bus.publish(employee_event(employee))

    def _add(self, record: EmployeeRecord, brief: Brief) -> Employee:
        """Seat an employee (or re-seat one whose brief changed, keeping its queue and worker)."""
        skills = attached_skills(brief.skills, self.skills)
        belt = self.tools.belt(brief.tools)
        if skills:  # names and descriptions in the prompt; the body only when the employee asks
            belt = belt.with_tool(use_skill_tool(skills))
        prompt = render_system_prompt(brief, skills)
        config = models.effective(
            brief.model.to_config(), self.model_overrides.get(models.employee_key(record.id)),
            self.model_overrides.get(models.ALL),
        )  # fmt: skip
        employee = self.employees.get(record.id)
        if employee is None:
            employee = Employee(record, brief, belt, config, prompt, shown=record.status)  # type: ignore[arg-type]
            self.employees[record.id] = employee
        else:
            employee.record, employee.brief, employee.belt = record, brief, belt
            employee.config, employee.system_prompt = config, prompt
        self.ledger.register(
            record.id,
            record.team,
            (
                self.hours_overrides.get(hours_key(record.id)) or self.hours_overrides.get(ALL_HOURS) or brief.hours
            ).timezone,
            Ceiling(brief.budget.per_turn_usd, brief.budget.per_day_usd),
        )
        self.publish_employee(employee)
        return employee

    # --- commands -----------------------------------------------------------------------------

    async def hire(self, brief: Brief, *, name: str | None = None, team: str | None = None) -> EmployeeRecord:
        """Hire an employee from a validated brief; refused above the office's tool-belt ceiling."""
        ceiling, count = await self.belt_ceiling(), len(brief.tools)
        if count > ceiling:
            fix = f"raise it with `{CEILING_COMMAND} {count}` or " if count <= HARD_MAX_TOOLS else ""
            raise OfficeError(
                f"{brief.id} has {count} tools, more than this office's ceiling of {ceiling}; "
                f"{fix}give it a smaller belt"
            )
        config = brief.model.to_config()
        from engine.llm.provider import LiteLLMClient, validate_config

        if not config.is_rehearsal and isinstance(self.model, LiteLLMClient):
            # Refuse now, not mid-task: unknown price, missing key, unknown provider.
            await asyncio.to_thread(validate_config, config)
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
            probation_left=brief.probation,
        )
        text = await asyncio.to_thread(Path(brief.source).read_text, encoding="utf-8")
        data = {"name": chosen, "role": brief.id, "team": record.team, "brief_version": brief.version}
        await self.journal.write(
            *Journal.hire_ops(record, text), bump_op(), *self.audit_ops("hired", data, record.id), full=True
        )
        self._start_worker(self._add(record, brief))
        return record

    def brief_for(self, role_or_path: str) -> Brief:
        """A brief by catalog role id (owner briefs override shipped ones) or by file path."""
        path = Path(role_or_path).expanduser()
        if path.suffix == ".md" or path.exists():
            return self.load_brief_file(path)
        catalog = self.catalog()
        if role_or_path not in catalog.roles:
            for error in catalog.errors:  # its file is there but does not load: say why
                if error.path.stem == role_or_path and error.path.parent.name == "roles":
                    raise error
            known = ", ".join(sorted(catalog.roles)) or "none"
            raise OfficeError(f"no role {role_or_path!r} in the catalog (roles: {known})")
        brief: Brief = catalog.roles[role_or_path]
        return brief

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
        text = redact(text.strip())  # a key pasted into a task never reaches the journal or the model
        if not text:
            raise OfficeError("a task needs some text")
        employee = self.find(who)
        now = self._now()
        task = TaskRecord(
            id=self.ids.new("task"),
            employee_id=employee.id,
            parent_id=parent_id,
            title=_title(text),
            body=text,
            status="queued",
            reason="",
            created_at=now,
            updated_at=now,
        )
        await self.journal.write(Journal.task_insert_op(task))
        self.enqueue(employee, task.id)
        self._task_event(task, "queued")
        return task

    def enqueue(self, employee: Employee, task_id: str, *, first: bool = False) -> None:
        if task_id not in employee.queue:
            employee.queue.insert(0, task_id) if first else employee.queue.append(task_id)
        employee.wake.set()
        self._start_worker(employee)  # its worker may have stopped (idle, in a run until idle)

    async def run(self, *, until_idle: bool = True, duration: float | None = None) -> None:
        """Work queued tasks: until every queue is empty (or waits on hours), for `duration` s, or forever.

        While it runs, employees hired meanwhile start working too.
        """
        lock = RunLock(self.home.root / "run.lock")
        try:
            lock.acquire()
        except AlreadyRunning as exc:
            raise OfficeError(str(exc)) from None
        try:
            await self._recover()  # only here, with the lock: elsewhere a running task is being worked
            await self.daily_backup.take_if_due()
            await self._poll_once()  # tasks and decisions other processes wrote meanwhile
            while True:
                async with asyncio.TaskGroup() as group:
                    self._serving = (group, until_idle)
                    self._workers = {}
                    for employee in self.employees.values():
                        self._start_worker(employee)
                    poll = group.create_task(self._poll_journal())  # also keeps an empty office serving
                    if duration is not None:
                        await self.clock.sleep(duration)
                        for worker in [*self._workers.values(), poll]:
                            worker.cancel()
                    elif until_idle:
                        while pending := [w for w in self._workers.values() if not w.done()]:
                            await asyncio.wait(pending)
                        poll.cancel()
                self._serving = None
                if duration is not None or not until_idle:
                    return
                await self._poll_once()  # assigned or decided in the last moments: go on if it can be worked
                now = self.clock.now()
                if not any(e.queue and self._on_duty(e, now) for e in self.employees.values()):
                    return
        except BaseExceptionGroup as failed:
            store = _only_store_errors(failed)
            if store is None:
                raise
            # Every worker stopped on the same database: one clear error, the details in the log.
            log.error("the office stopped: %s", store, exc_info=failed)
            raise store from None
        finally:
            self._serving = None
            lock.release()

    async def _recover(self) -> None:
        """After a crash: requeue or park what was running, then show everyone as their tasks say."""
        for task_id in await recover(self.journal, self.clock):
            task = await self.journal.task(task_id)
            if task is not None:
                self._task_event(task, task.status, task.reason)
                if task.status == "uncertain":
                    self.bus.publish(
                        EscalationRaised(employee_id=task.employee_id, task_id=task.id, reason=task.reason)
                    )
        for employee in self.employees.values():
            await self.show_standing(employee)  # whatever a crashed process last wrote

    async def held_work(self) -> list[Held]:
        """Every open task nobody can work now, and why: hours, the owner, a budget, a crash."""
        now = self.clock.now()
        held: list[Held] = []
        for task in await self.journal.tasks(statuses=["queued", "waiting", "parked", "uncertain"]):
            employee = self.employees.get(task.employee_id)
            if employee is None:
                continue
            name = employee.record.name
            if task.status == "queued":
                if not self._on_duty(employee, now):
                    until = self._next_shift(employee, now) if next_change(self.hours_of(employee), now) else None
                    held.append(Held(name, "off_duty", task.id, task.title, "outside working hours", until))
                continue
            kind = "over_budget" if is_over_budget(task) else task.status
            held.append(Held(name, kind, task.id, task.title, task.reason))
        return held

    async def show_standing(self, employee: Employee) -> None:
        """Show what holds the employee (approval, budget, a parked task, hours), else idle."""
        status, detail = await self.standing_of(employee)
        await self._show(employee, status, detail)

    async def standing_of(self, employee: Employee) -> tuple[Status, str]:
        tasks = await self.journal.tasks(employee_id=employee.id, statuses=OPEN)
        held = standing(tasks, on_duty=self._on_duty(employee, self.clock.now()))
        return held or ("idle", "")

    async def _poll_journal(self) -> None:
        """Pick up tasks queued and decisions made by other processes (the CLI while the window runs)."""
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await self.clock.sleep(POLL_S)
                await self._poll_once()
                await self.daily_backup.take_if_due()

    async def _poll_once(self) -> None:
        if await self.journal.read(read_version) != self._decided:
            await self.refresh_decisions()
        await self._journal_queued()

    async def _journal_queued(self) -> None:
        for task in await self.journal.tasks(statuses=["queued"]):
            employee = self.employees.get(task.employee_id)
            if employee is not None and task.id not in employee.queue and task.id not in self._active:
                self._task_event(task, "queued", task.reason)  # queued by another process: show it
                self.enqueue(employee, task.id)

    def _start_worker(self, employee: Employee) -> None:
        """Start its worker while the office serves, unless one is at work already (never two)."""
        running = self._workers.get(employee.id)
        if self._serving is not None and employee.id in self.employees and (running is None or running.done()):
            group, until_idle = self._serving
            self._workers[employee.id] = group.create_task(self._work(employee, until_idle))

    # --- the work ------------------------------------------------------------------------------

    async def _work(self, employee: Employee, until_idle: bool) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                now = self.clock.now()
                if employee.queue and not self._on_duty(employee, now):
                    await self._show(employee, "off_duty", "outside working hours")
                    if until_idle:
                        return
                    await self._wait(employee, self._next_shift(employee, now))
                    continue
                if not employee.queue:
                    await self.show_standing(employee)  # idle, or what still holds it (a parked task...)
                    if until_idle:
                        return
                    await self._wait(employee, now + timedelta(minutes=employee.brief.heartbeat_minutes))
                    continue
                task_id = employee.queue.pop(0)
                self._active.add(task_id)
                try:
                    await self._work_task(employee, task_id)
                finally:
                    self._active.discard(task_id)

    async def _wait(self, employee: Employee, until: datetime) -> None:
        """Sleep until woken (new work, an owner decision) or `until` (a shift change, the heartbeat)."""
        employee.wake.clear()
        woken = asyncio.ensure_future(employee.wake.wait())
        # Measured from now, not from when `until` was computed: the clock may have moved since.
        timer = asyncio.ensure_future(self.clock.sleep(max((until - self.clock.now()).total_seconds(), 0.0)))
        try:
            done, _ = await asyncio.wait({woken, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            timer.cancel()
        if timer in done:
            await self.heartbeat(employee)

    async def _work_task(self, employee: Employee, task_id: str) -> Outcome | None:
        task = await self.journal.task(task_id)
        if task is None or task.status not in ("queued", "running"):
            return None  # decided elsewhere meanwhile (cancelled, resolved)
        history = await self.journal.steps(task_id=task_id)
        await self._set_task(task, "running", "", status="thinking", detail=task.title)
        work = await self.memory.prepare(self._task_work(employee, task))  # memory hook: memories as context
        outcome = await self.connections.run(self.loop, work, history)  # issue 13
        if outcome.employee_status == "off_duty":  # hours ended mid-task: carry on next shift
            await self._set_task(task, "queued", "waiting for working hours", status="off_duty", detail="")
            self.enqueue(employee, task.id, first=True)
            return outcome
        if outcome.status == "done" and employee.record.probation_left > 0:
            await self.submit_for_review(employee, task, outcome.summary)
            return outcome
        reason = "" if outcome.status == "done" else outcome.summary
        await self._set_task(task, outcome.status, reason, status=outcome.employee_status, detail=reason)
        if outcome.status in ("parked", "uncertain"):
            self.bus.publish(EscalationRaised(employee_id=employee.id, task_id=task.id, reason=reason))
            await self.journal.write(
                *self.audit_ops("task_parked", {"task_id": task.id, "reason": reason}, employee.id)
            )
        return outcome

    def _task_work(self, employee: Employee, task: TaskRecord) -> TaskWork:
        brief = employee.brief
        config = employee.config
        if config.is_rehearsal and self.rehearsal_pace > 0:
            config = dataclasses.replace(config, extra=(*config.extra, ("rehearsal_pace", str(self.rehearsal_pace))))
        return TaskWork(
            employee_id=employee.id,
            task_id=task.id,
            task_body=task.body,
            brief_version=employee.record.brief_version,
            system_prompt=employee.system_prompt,
            belt=employee.belt,
            config=config,
            workspace=self.home.workspace(employee.id),
            max_actions=brief.max_actions_per_turn,
            brief=brief,
            team=employee.record.team,
        )

    # --- hours ---------------------------------------------------------------------------------

    def hours_of(self, employee: Employee) -> WorkingHours:
        """Its working hours: the owner's schedule for it, else the office's, else its brief's."""
        return (
            self.hours_overrides.get(hours_key(employee.id))
            or self.hours_overrides.get(ALL_HOURS)
            or employee.brief.hours
        )

    def _on_duty(self, employee: Employee, now: datetime) -> bool:
        return on_duty(self.hours_of(employee), now, employee.called_in_until)

    def _on_duty_for(self, work: TaskWork, now: datetime) -> bool:
        employee = self.employees.get(work.employee_id)
        return employee is None or self._on_duty(employee, now)

    def _next_shift(self, employee: Employee, now: datetime) -> datetime:
        change = next_change(self.hours_of(employee), now)
        if employee.called_in_until and employee.called_in_until > now:
            change = min(change, employee.called_in_until) if change else employee.called_in_until
        return change or now + timedelta(minutes=employee.brief.heartbeat_minutes)

    # --- status --------------------------------------------------------------------------------

    async def _show(self, employee: Employee, status: Status, detail: str) -> None:
        if employee.shown == status:
            return
        before, employee.shown = employee.shown, status
        await self.journal.write(Journal.employee_update_op(employee.id, status=status, status_detail=detail))
        self.bus.publish(StatusChanged(employee_id=employee.id, status=status, detail=detail))
        if status == "off_duty" or before == "off_duty":
            await self.journal.write(*self.audit_ops("hours_changed", {"status": status}, employee.id), full=True)

    async def _set_task(self, task: TaskRecord, state: TaskStatus, reason: str, *, status: Status, detail: str) -> None:
        await self.journal.write(
            Journal.task_status_op(task.id, state, reason, self._now()),
            Journal.employee_update_op(task.employee_id, status=status, status_detail=detail),
        )
        employee = self.employees.get(task.employee_id)
        if employee is not None:
            employee.shown = status
        self._task_event(task, state, reason)
        self.bus.publish(StatusChanged(employee_id=task.employee_id, status=status, detail=detail))

    def _now(self) -> str:
        return self.clock.now().isoformat()


def _only_store_errors(group: BaseExceptionGroup[BaseException]) -> StoreError | None:
    """The first StoreError of a task group's failures when they are all StoreErrors, else None."""
    stores, rest = group.split(StoreError)
    if stores is None or rest is not None:
        return None
    first: BaseException = stores
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first if isinstance(first, StoreError) else None


def _price_of(config: ModelConfig) -> Price:
    if config.price is not None:
        return config.price
    from engine.llm.provider import resolve_price

    price: Price = resolve_price(config)
    return price


def _remember_secrets(home: Home) -> None:
    """Teach the redactor every stored key, so none can reach the journal, the audit log or a log."""
    try:
        Secrets(home=home.root).remember_all()
    except Exception as exc:  # a broken keyring must not stop the office; keys are then asked for
        log.warning("cannot read the keyring: %s", type(exc).__name__)


def _title(text: str, limit: int = 80) -> str:
    """A task's title: its first line, cut at a word with an ellipsis when it is long."""
    line = text.splitlines()[0].strip()
    if len(line) <= limit:
        return line
    return line[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
