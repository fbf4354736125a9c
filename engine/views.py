"""Read-only views of the office as plain data: the roster, and the scene as events for a renderer."""

from __future__ import annotations

from typing import Any

from engine.events import ApprovalRequested, EscalationRaised, Event, Status, StatusChanged, TaskChanged
from engine.hours import on_duty
from engine.office_parts import OfficeParts, employee_event
from engine.standing import OPEN, standing
from engine.store.records import EmployeeRecord


class OfficeViews(OfficeParts):
    async def statuses(self, records: list[EmployeeRecord]) -> dict[str, tuple[Status, str]]:
        """Each employee's status: what holds it, as its durable tasks say, else what it last showed."""
        open_tasks = await self.journal.tasks(statuses=OPEN)
        now = self.clock.now()
        shown: dict[str, tuple[Status, str]] = {}
        for record in records:
            employee = self.employees.get(record.id)
            duty = employee is None or on_duty(self.hours_of(employee), now, employee.called_in_until)
            held = standing([t for t in open_tasks if t.employee_id == record.id], on_duty=duty)
            shown[record.id] = held or (record.status, record.status_detail)  # type: ignore[assignment]
        return shown

    async def scene_events(self) -> list[Event]:
        """The office as it stands, as events: what a renderer needs to draw it from scratch."""
        events: list[Event] = []
        records = {r.id: r for r in await self.journal.employees()}
        shown = await self.statuses(list(records.values()))
        tasks = await self.journal.tasks(statuses=["running", "waiting", "review", "parked", "uncertain"])
        for employee in self.employees.values():
            record = records.get(employee.id, employee.record)
            events.append(employee_event(employee, record))
            status, detail = shown.get(record.id, ("idle", ""))
            if status != "idle":
                events.append(StatusChanged(employee_id=record.id, status=status, detail=detail))
            simulated = employee.config.is_rehearsal and self.guardrails.pricing.simulated is not None
            events.append(self.guardrails.spend_event(record.id, simulated=simulated))
        for t in tasks:
            events.append(
                TaskChanged(task_id=t.id, employee_id=t.employee_id, title=t.title, status=t.status, reason=t.reason)
            )
            if t.status in ("parked", "uncertain"):  # parked before this start (a crash, a budget): ask again
                events.append(EscalationRaised(employee_id=t.employee_id, task_id=t.id, reason=t.reason))
        for request in await self.approvals.list():
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

    async def roster(self) -> list[dict[str, Any]]:
        """Who works here, what they are doing, as plain data (for `roster --json` and the UI)."""
        records = await self.journal.employees()
        running = {t.employee_id: t.title for t in await self.journal.tasks(statuses=["running"])}
        shown = await self.statuses(records)
        rows: list[dict[str, Any]] = []
        for r in records:
            employee = self.employees.get(r.id)
            status, detail = shown[r.id]
            rows.append(
                {
                    "id": r.id,
                    "name": r.name,
                    "role": r.role,
                    "title": r.title,
                    "team": r.team,
                    "status": status,
                    "detail": detail,
                    "current_task": running.get(r.id),
                    "rehearsal": employee.config.is_rehearsal if employee else True,
                    "probation_left": r.probation_left,
                    "brief_error": self.brief_errors.get(r.id),
                }
            )
        return rows
