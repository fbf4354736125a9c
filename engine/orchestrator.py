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
from engine.briefs import Brief, BriefError, WorkingHours, load_brief
from engine.briefs.catalog import load_catalog
from engine.briefs.prompt import render_system_prompt
from engine.briefs.skills import Skill, attached_skills, load_skills, use_skill_tool
from engine.budget import BudgetLedger, Ceiling
from engine.bus import EventBus
from engine.clock import Clock, IdSource, RandomIds, SystemClock
from engine.events import (
    BriefInvalid,
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
from engine.office_parts import employee_event
from engine.owner import OwnerActions
from engine.paths import SHIPPED_BRIEFS, Home
from engine.recovery import recover
from engine.runlock import AlreadyRunning, RunLock
from engine.secrets import Secrets, redact
from engine.spending import SpendingActions
from engine.store.db import StoreError, open_database
from engine.store.writer import Writer
from engine.tools.base import Tool
from engine.tools.builtin import builtin_tools
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
    ) -> None:
        self.home = home
        self.journal = journal
        self.bus = bus
        self.clock = clock
        self.ids = ids
        self.tools = tools
        self.model = model
        self.ledger = ledger
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
        engine = await asyncio.to_thread(open_database, home.database, home.backups)
        writer = Writer(engine, colocate=colocate_writer)
        writer.start()
        if model is None:
            from engine.llm.provider import LiteLLMClient

            model = LiteLLMClient()
        clock = clock or SystemClock()
        office = cls(
            home,
            Journal(engine, writer),
            model=model,
            bus=bus or EventBus(),
            clock=clock,
            ids=ids or RandomIds(),
            tools=ToolRegistry([*builtin_tools(), *tools]),
            guard=guard,
            ledger=BudgetLedger(clock.now().astimezone().tzinfo or clock.now().tzinfo),  # type: ignore[arg-type]
        )
        await office._load()
        return office

    async def close(self) -> None:
        """Commit what is pending and stop the writer; closing twice is harmless."""
        if self.journal.writer.closed:
            return
        try:
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
        await recover(self.journal, self.clock)
        await self.load_model_settings()
        await self.load_hours_settings()
        dirs = [SHIPPED_BRIEFS / "skills", self.home.briefs / "skills"]
        skill_errors: list[BriefError] = []  # a bad skill never stops the office; the employee works without it
        self.skills = await asyncio.to_thread(load_skills, dirs, errors=skill_errors)
        for error in skill_errors:
            self.bus.publish(BriefInvalid(path=str(error.path), message=str(error)))
        for record in await self.journal.employees():
            try:
                brief, record = await self._current_brief(record)
            except BriefError as exc:  # a bad brief never stops the others
                self.brief_errors[record.id] = str(exc)
                self.bus.publish(BriefInvalid(path=record.brief_path, message=str(exc)))
                log.warning("%s cannot work: %s", record.name, exc)
                continue
            self._add(record, brief)
        for task in await self.journal.tasks(statuses=["queued"]):
            if task.employee_id in self.employees:
                self.employees[task.employee_id].queue.append(task.id)
        await self.load_budgets()

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
            employee = Employee(record, brief, belt, config, prompt)
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
        """Hire an employee from a validated brief."""
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
        await self.journal.write(*Journal.hire_ops(record, text), *self.audit_ops("hired", data, record.id), full=True)
        self._start_worker(self._add(record, brief))
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
            await self._journal_queued()  # tasks another process (`headcount assign`) queued meanwhile
            async with asyncio.TaskGroup() as group:
                self._workers = {e.id: group.create_task(self._work(e, until_idle)) for e in self.employees.values()}
                self._serving = (group, until_idle)
                others: list[asyncio.Task[None]] = []
                if not until_idle:
                    others.append(group.create_task(self._poll_journal()))  # also keeps an empty office serving
                if duration is not None:
                    await self.clock.sleep(duration)
                    for worker in [*self._workers.values(), *others]:
                        worker.cancel()
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

    async def _poll_journal(self) -> None:
        """Pick up tasks queued by other processes (the CLI while the window runs)."""
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await self.clock.sleep(POLL_S)
                await self._journal_queued()

    async def _journal_queued(self) -> None:
        for task in await self.journal.tasks(statuses=["queued"]):
            employee = self.employees.get(task.employee_id)
            if employee is not None and task.id not in employee.queue and task.id not in self._active:
                self.enqueue(employee, task.id)

    def _start_worker(self, employee: Employee) -> None:
        if self._serving is not None:
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
                    if employee.shown == "off_duty" and self._on_duty(employee, now):
                        await self._show(employee, "idle", "")
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
        outcome = await self.loop.run(self._task_work(employee, task), history)
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
        employee.shown = status
        await self.journal.write(Journal.employee_update_op(employee.id, status=status, status_detail=detail))
        self.bus.publish(StatusChanged(employee_id=employee.id, status=status, detail=detail))
        if status == "off_duty" or (status == "idle" and detail == ""):
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
