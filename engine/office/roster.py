"""Who works here and on what terms: seating employees from their records and briefs, hiring, letting go.

The roster also holds the owner's decisions as last read (engine.office.decisions applies them), so
it can say which model an employee thinks with and when it is on duty.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import datetime, timedelta
from pathlib import Path

from engine import model_choice
from engine.briefs import HARD_MAX_TOOLS, Brief, BriefError, WorkingHours
from engine.briefs.loader import CEILING_COMMAND
from engine.briefs.prompt import render_system_prompt
from engine.briefs.skills import attached_skills, use_skill_tool
from engine.bus import EventBus
from engine.clock import IdSource
from engine.errors import OfficeError
from engine.events import BriefInvalid, EmployeeLeft
from engine.guardrails import BudgetLedger, Ceiling
from engine.hours import ALL_HOURS, hours_key, next_change, on_duty
from engine.llm.types import ModelClient, ModelConfig, ModelConfigError
from engine.loop import TaskWork
from engine.memory import Profile
from engine.office.belts import Belts
from engine.office.briefing import BriefVersions
from engine.office.employee import Employee, check_name, check_team, employee_event
from engine.office.recorder import Recorder
from engine.store import writes
from engine.store.journal import Journal
from engine.store.records import EmployeeRecord
from engine.store.settings import bump_owner_version

log = logging.getLogger(__name__)

FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Maya",
    "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Yara", "Zane",
)  # fmt: skip


class Roster:
    def __init__(
        self,
        journal: Journal,
        bus: EventBus,
        ids: IdSource,
        ledger: BudgetLedger,
        model: ModelClient,
        belts: Belts,
        briefs: BriefVersions,
        recorder: Recorder,
    ) -> None:
        self._journal = journal
        self._bus = bus
        self._ids = ids
        self._ledger = ledger
        self._model = model
        self._belts = belts
        self._briefs = briefs
        self._recorder = recorder
        self.employees: dict[str, Employee] = {}
        self.brief_errors: dict[str, str] = {}  # employee id -> why its brief did not load
        self.unseated: dict[str, EmployeeRecord] = {}  # employed, but its brief keeps it from working
        self.model_overrides: dict[str, ModelConfig] = {}  # settings key -> connected model
        self.hours_overrides: dict[str, WorkingHours] = {}  # settings key -> the owner's schedule

    # --- seating --------------------------------------------------------------------------------

    async def seat(self, record: EmployeeRecord) -> Employee | None:
        """Seat an employee from its record, or say why its brief keeps it from working."""
        try:
            brief, record = await self._briefs.current(record)
        except BriefError as exc:  # a bad brief never stops the others
            self.brief_errors[record.id] = str(exc)
            self.unseated[record.id] = record
            self._bus.publish(BriefInvalid(path=record.brief_path, message=str(exc)))
            log.warning("%s cannot work: %s", record.name, exc)
            return None
        self.brief_errors.pop(record.id, None)
        self.unseated.pop(record.id, None)
        return self.add(record, brief)

    def add(self, record: EmployeeRecord, brief: Brief) -> Employee:
        """Seat an employee (or re-seat one whose brief changed, keeping its queue and worker)."""
        skills = attached_skills(brief.skills, self._belts.skills)
        belt = self._belts.tools.belt(brief.tools)
        if skills:  # names and descriptions in the prompt; the body only when the employee asks
            belt = belt.with_tool(use_skill_tool(skills))
        prompt = render_system_prompt(brief, skills)
        config = self._config(record.id, brief)
        employee = self.employees.get(record.id)
        if employee is None:
            employee = Employee(record, brief, belt, config, prompt, shown=record.status)  # type: ignore[arg-type]
            self.employees[record.id] = employee
        else:
            employee.record, employee.brief, employee.belt = record, brief, belt
            employee.config, employee.system_prompt = config, prompt
        self.register(employee)
        self.publish(employee)
        return employee

    def forget(self, employee_id: str) -> Employee | None:
        """Stop seating someone who was let go (here or by another process); returns who it was."""
        employee = self.employees.pop(employee_id, None)
        if employee is not None:
            self._bus.publish(EmployeeLeft(employee_id=employee_id))
        self.unseated.pop(employee_id, None)
        self.brief_errors.pop(employee_id, None)
        return employee

    def is_employed(self, employee_id: str) -> bool:
        return employee_id in self.employees

    def publish(self, employee: Employee) -> None:
        """Tell listeners who this employee is now (hired, re-briefed, switched model): an upsert."""
        self._bus.publish(employee_event(employee))

    def register(self, employee: Employee) -> None:
        """Give the budget ledger the employee's team, time zone and the brief's ceilings."""
        brief = employee.brief
        self._ledger.register(
            employee.id,
            employee.record.team,
            self.hours_of(employee).timezone,
            Ceiling(brief.budget.per_turn_usd, brief.budget.per_day_usd),
            employee.record.name,
        )

    def use_decisions(
        self,
        models: dict[str, ModelConfig],
        hours: dict[str, WorkingHours],
        call_ins: dict[str, datetime],
    ) -> None:
        """Take the owner's models, schedules and call-ins as stored; re-register everyone with the ledger."""
        self.model_overrides, self.hours_overrides = dict(models), dict(hours)
        self.reconfigure()
        for employee in self.employees.values():
            self.register(employee)
            employee.called_in_until = call_ins.get(employee.id)

    def reconfigure(self) -> None:
        """Give everyone the model the owner's decisions now say, and tell listeners who changed."""
        for employee in self.employees.values():
            config = self._config(employee.id, employee.brief)
            if config != employee.config:
                employee.config = config
                self.publish(employee)

    def _config(self, employee_id: str, brief: Brief) -> ModelConfig:
        return model_choice.effective(
            brief.model.to_config(),
            self.model_overrides.get(model_choice.employee_key(employee_id)),
            self.model_overrides.get(model_choice.ALL),
        )

    # --- the owner's requests -------------------------------------------------------------------

    async def hire(self, brief: Brief, *, name: str | None = None, team: str | None = None) -> Employee:
        """Hire an employee from a validated brief; refused above the office's tool-belt ceiling."""
        ceiling, count = await self._belts.ceiling(), len(brief.tools)
        if count > ceiling:
            fix = f"raise it with `{CEILING_COMMAND} {count}` or " if count <= HARD_MAX_TOOLS else ""
            raise OfficeError(
                f"{brief.id} has {count} tools, more than this office's ceiling of {ceiling}; "
                f"{fix}give it a smaller belt"
            )
        await self._check_model(brief)
        try:
            name = None if name is None else check_name(name)
            team = None if team is None else check_team(team)
        except ValueError as exc:
            raise OfficeError(str(exc)) from None
        text = await asyncio.to_thread(Path(brief.source).read_text, encoding="utf-8")
        for _ in range(len(FIRST_NAMES)):
            # Names are read from the database, not this process's roster: another window or terminal may
            # have hired meanwhile, and someone whose brief does not load is not seated here but keeps a name.
            employed = await self._journal.employees()
            taken = {r.name.casefold() for r in employed}
            numbered = (f"Employee {n}" for n in itertools.count(len(taken) + 1))
            chosen = name or next(n for n in itertools.chain(FIRST_NAMES, numbered) if n.casefold() not in taken)
            if chosen.casefold() in taken:
                raise OfficeError(f"there is already an employee called {chosen}")
            # Budgets and hours take a name, a team or "office": one word must not mean two of them.
            teams = {r.team.casefold() for r in employed if r.team} | {(team or "").casefold()}
            if chosen.casefold() == "office" or chosen.casefold() in teams:
                what = "the whole office" if chosen.casefold() == "office" else f"the team {chosen.casefold()}"
                raise OfficeError(f"'{chosen}' already names {what} in budgets and hours; choose another name")
            if (team or brief.team or "").casefold() in taken:
                raise OfficeError(
                    f"the team '{team or brief.team}' has the name of an employee; choose another team id"
                )
            record = EmployeeRecord(
                id=self._ids.new("emp"),
                name=chosen,
                role=brief.id,
                title=brief.title,
                team=team or brief.team,
                brief_path=str(brief.source),
                brief_version=brief.version,
                status="idle",
                status_detail="",
                hired_at=self._recorder.now(),
                probation_left=brief.probation,
            )
            data = {"name": chosen, "role": brief.id, "team": record.team, "brief_version": brief.version}
            audit = self._recorder.audit_ops("hired", data, record.id)
            try:
                await self._journal.write(*writes.hire(record, text), bump_owner_version(), *audit, full=True)
            except writes.NameTaken:
                continue  # taken by another process a moment ago: the next free name (the owner's is refused)
            return self.add(record, brief)
        raise OfficeError("could not find a free name for the new employee; give one with --name")

    def find(self, who: str) -> Employee:
        """An employee by id or by name (case-insensitive)."""
        if who in self.employees:
            return self.employees[who]
        matches = [e for e in self.employees.values() if e.record.name.lower() == who.lower()]
        if not matches:
            record = self.find_unseated(who)
            if record is not None:
                raise OfficeError(
                    f"{record.name} cannot work until their brief is fixed: {self.brief_errors.get(record.id)}. "
                    f"Fix that file, or let them go: headcount dismiss {record.name}"
                )
            names = ", ".join(sorted(e.record.name for e in self.employees.values())) or "nobody yet"
            raise OfficeError(f"no employee called {who!r} (the office has: {names})")
        return matches[0]

    def find_unseated(self, who: str) -> EmployeeRecord | None:
        """Someone employed whose brief does not load, by id or name (case-insensitive)."""
        return next((r for r in self.unseated.values() if who == r.id or who.lower() == r.name.lower()), None)

    async def _check_model(self, brief: Brief) -> None:
        """Refuse a brief's model now, not mid-task: unknown price, missing key, unknown provider.
        Raises ModelConfigError."""
        config = brief.model.to_config()
        from engine.llm.client import LiteLLMClient
        from engine.llm.provider import validate_config

        if not config.is_rehearsal and isinstance(self._model, LiteLLMClient):
            await asyncio.to_thread(validate_config, config)

    async def update_brief(self, who: str, text: str) -> Brief:
        """Give a hired employee an edited brief: validated, saved as its own copy, a new version."""
        employee = self.find(who)

        async def model_works(brief: Brief, path: Path) -> None:  # as at hire: never kept, then parking work
            try:
                await self._check_model(brief)
            except ModelConfigError as exc:
                raise BriefError.single(path, None, str(exc), "model") from None

        saved = await self._briefs.save_edit(employee.record, text, model_works)
        if saved is None:
            return employee.brief
        brief, record = saved
        self.add(record, brief)
        return brief

    async def set_belt_ceiling(self, ceiling: int) -> None:
        """Set the most tools one employee may have; never below the belt of someone hired."""
        hired = {e.record.name: len(e.brief.tools) for e in self.employees.values()}
        await self._belts.set_ceiling(ceiling, hired)

    # --- hours ----------------------------------------------------------------------------------

    def hours_of(self, employee: Employee) -> WorkingHours:
        """Its working hours: the owner's schedule for it, else the office's, else its brief's."""
        return (
            self.hours_overrides.get(hours_key(employee.id))
            or self.hours_overrides.get(ALL_HOURS)
            or employee.brief.hours
        )

    def hours_set_by(self, employee: Employee) -> str:
        """Whose are the hours `hours_of` gives: "employee" (the owner's for it), "everyone" (the owner's for
        the office) or "brief"."""
        if hours_key(employee.id) in self.hours_overrides:
            return "employee"
        return "everyone" if ALL_HOURS in self.hours_overrides else "brief"

    def memory_profile(self, employee: Employee) -> Profile:
        """Whose memory, shared with which team, kept how, and in which time zone its days fall (its hours')."""
        return Profile(employee.id, employee.record.team, employee.brief.memory, self.hours_of(employee).timezone)

    def on_duty(self, employee: Employee, now: datetime) -> bool:
        return on_duty(self.hours_of(employee), now, employee.called_in_until)

    def on_duty_for(self, work: TaskWork, now: datetime) -> bool:
        """For the guardrails: is the employee working this task still on duty?"""
        employee = self.employees.get(work.employee_id)
        return employee is None or self.on_duty(employee, now)

    def next_shift(self, employee: Employee, now: datetime) -> datetime:
        """When the employee next comes on or goes off duty (a call-in ending counts), else its heartbeat."""
        change = next_change(self.hours_of(employee), now)
        if employee.called_in_until and employee.called_in_until > now:
            change = min(change, employee.called_in_until) if change else employee.called_in_until
        return change or now + timedelta(minutes=employee.brief.heartbeat_minutes)
