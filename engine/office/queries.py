"""Read-only queries of the office as plain data: the roster, held work, and the scene as events.

Safe to run while another process works the office: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.clock import Clock
from engine.events import ApprovalRequested, EscalationRaised, Event, Status, StatusChanged, TaskChanged
from engine.guardrails import ApprovalBook, Guardrails
from engine.hours import describe, duty_change, next_change
from engine.office.employee import employee_event, unseated_event
from engine.office.reviews import submitted_event
from engine.office.roster import Roster
from engine.office.shown import roster_rows
from engine.office.standing import OPEN, shown_status
from engine.parked import is_over_budget
from engine.store.journal import Journal
from engine.store.records import Deliverable, EmployeeRecord

SNAPSHOT_CLOSED = 200  # closed tasks a view starts with; events bring the ones that close after


@dataclass(frozen=True, slots=True)
class Held:
    """Work the office cannot do by itself now, and what holds it (for `run` to tell the owner)."""

    employee: str  # name
    kind: str  # off_duty | waiting | uncertain | over_budget | parked | review | brief
    task_id: str
    title: str
    reason: str
    until: datetime | None = None  # off duty: when the next shift starts (None: no shift in sight)


@dataclass(frozen=True, slots=True)
class Shift:
    """An employee's working hours as they stand (for `hours` to show the owner)."""

    employee: str  # name
    hours: str  # "24/7" or "mon-fri 09:00-17:30 (Europe/London)"
    set_by: str  # employee | everyone | brief: the owner's hours for it, for the office, or the brief's
    on_duty: bool
    change: datetime | None  # when it next comes on or goes off duty (a call-in's end counts); None: never
    called_in_until: datetime | None  # called in outside its hours until then


class OfficeQueries:
    def __init__(
        self, journal: Journal, clock: Clock, roster: Roster, approvals: ApprovalBook, guardrails: Guardrails
    ) -> None:
        self._journal = journal
        self._clock = clock
        self._roster = roster
        self._approvals = approvals
        self._guardrails = guardrails

    async def statuses(self, records: list[EmployeeRecord]) -> dict[str, tuple[Status, str]]:
        """Each employee's status: what holds it, as its durable tasks say, else what it last showed."""
        open_tasks = await self._journal.tasks(statuses=OPEN)
        now = self._clock.now()
        shown: dict[str, tuple[Status, str]] = {}
        for record in records:
            employee = self._roster.employees.get(record.id)
            duty = employee is None or self._roster.on_duty(employee, now)
            own = [t for t in open_tasks if t.employee_id == record.id]
            shown[record.id] = shown_status(own, (record.status, record.status_detail), on_duty=duty)  # type: ignore[assignment]
        return shown

    async def scene_events(self) -> list[Event]:
        """The office as it stands, as events: what a renderer needs to draw it from scratch."""
        events: list[Event] = []
        records = {r.id: r for r in await self._journal.employees()}
        shown = await self.statuses(list(records.values()))
        tasks = await self._journal.tasks(statuses=["running", "waiting", "review", "parked", "uncertain"])
        for employee in self._roster.employees.values():
            record = records.get(employee.id, employee.record)
            events.append(employee_event(employee, record))
            status, detail = shown.get(record.id, ("idle", ""))
            # Idle too: a view that read the office before (a window watching another process) must see work end.
            events.append(StatusChanged(employee_id=record.id, status=status, detail=detail))
            simulated = employee.config.is_rehearsal and self._guardrails.pricing.simulated is not None
            events.append(self._guardrails.spend_event(record.id, simulated=simulated))
        for t in tasks:
            events.append(
                TaskChanged(task_id=t.id, employee_id=t.employee_id, title=t.title, status=t.status, reason=t.reason)
            )
            if t.status in ("parked", "uncertain"):  # parked before this start (a crash, a budget): ask again
                events.append(EscalationRaised(employee_id=t.employee_id, task_id=t.id, reason=t.reason))
        for request in await self._approvals.list():
            events.append(
                ApprovalRequested(
                    approval_id=request.id,
                    employee_id=request.employee_id,
                    task_id=request.task_id,
                    tool=request.tool,
                    arguments_json=request.arguments,
                    risk=request.risk,
                )
            )
        return events

    async def snapshot(self, reviews: list[Deliverable]) -> list[Event]:
        """Everything a view needs to start, as events; after it, events alone keep the view current.

        The scene's events, then every open task and the latest closed ones (for the task list; an office
        that ran for months closed hundreds of thousands), the deliverables waiting for review with their
        text, and the office's spend today.
        """
        events = await self.scene_events()
        shown = {e.task_id for e in events if isinstance(e, TaskChanged)}
        tasks = {t.id: t for t in await self._journal.recent_tasks(closed=SNAPSHOT_CLOSED)}
        for t in tasks.values():
            if t.id not in shown:
                events.append(
                    TaskChanged(
                        task_id=t.id, employee_id=t.employee_id, title=t.title, status=t.status, reason=t.reason,
                        parent_id=t.parent_id,
                    )
                )  # fmt: skip
        for item in reviews:
            title = tasks[item.task_id].title if item.task_id in tasks else item.task_id
            events.append(submitted_event(item, title))
        for record in await self._journal.employees():  # employed, but its brief keeps it from working
            error = self._roster.brief_errors.get(record.id)
            if record.id not in self._roster.employees and error:
                events.insert(0, unseated_event(record, error))
        return events

    async def roster(self) -> list[dict[str, Any]]:
        """Who works here, what they are doing, as plain data (for `roster --json` and the UI)."""
        records = await self._journal.employees()
        running = {t.employee_id: t.title for t in await self._journal.tasks(statuses=["running"])}
        shown = await self.statuses(records)
        configs = {e.id: e.config for e in self._roster.employees.values()}
        return roster_rows(records, running, shown, configs, self._roster.brief_errors)

    def shifts(self, who: str | None = None) -> list[Shift]:
        """Everyone's (or one employee's) working hours now, whose they are, and when they next change."""
        now = self._clock.now()
        roster = self._roster
        chosen = [roster.find(who)] if who else sorted(roster.employees.values(), key=lambda e: e.record.hired_at)
        found = []
        for employee in chosen:
            hours = roster.hours_of(employee)
            until = employee.called_in_until
            change = duty_change(hours, now, until)
            called = until if until is not None and change == until else None  # the call-in is what ends it
            found.append(
                Shift(employee.record.name, describe(hours), roster.hours_set_by(employee),
                      roster.on_duty(employee, now), change, called)
            )  # fmt: skip
        return found

    async def held_work(self) -> list[Held]:
        """Every open task nobody can work now, and why: hours, the owner (an approval, an answer, a review), a
        budget, a crash."""
        now = self._clock.now()
        held: list[Held] = []
        roster = self._roster
        for task in await self._journal.tasks(statuses=["queued", "waiting", "parked", "uncertain", "review"]):
            employee = roster.employees.get(task.employee_id)
            unseated = roster.unseated.get(task.employee_id)  # its brief does not load (broken since it was seated?)
            if unseated is not None:
                reason = roster.brief_errors.get(unseated.id, "its brief does not load")
                held.append(Held(unseated.name, "brief", task.id, task.title, reason))
                continue
            if employee is None:
                continue
            name = employee.record.name
            if task.status == "queued":
                if not roster.on_duty(employee, now):
                    until = roster.next_shift(employee, now) if next_change(roster.hours_of(employee), now) else None
                    held.append(Held(name, "off_duty", task.id, task.title, "outside working hours", until))
                continue
            kind = "over_budget" if is_over_budget(task) else task.status
            held.append(Held(name, kind, task.id, task.title, task.reason))
        return held
