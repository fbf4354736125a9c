"""What the Office mixins share: its parts, and journaled, audited owner actions."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.approvals import ApprovalBook
from engine.audit import AuditLog
from engine.briefs import Brief, WorkingHours
from engine.briefs.skills import Skill
from engine.budget import BudgetLedger
from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.events import EmployeeHired, TaskChanged, TaskStatus
from engine.guardrails import Guardrails
from engine.llm.types import ModelConfig
from engine.paths import Home
from engine.store import writes
from engine.store.journal import Journal
from engine.store.records import EmployeeRecord, TaskRecord
from engine.store.settings import bump_owner_version
from engine.store.writer import Op
from engine.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from engine.orchestrator import Employee


class OwnerError(Exception):
    """The owner asked for something that cannot be done (unknown id, already decided, ...)."""


def employee_event(employee: Employee, record: EmployeeRecord | None = None) -> EmployeeHired:
    """Who the employee is, as the event listeners upsert (`record` if fresher than the employee's)."""
    record = record or employee.record
    return EmployeeHired(
        employee_id=record.id,
        name=record.name,
        role=record.role,
        title=record.title,
        team=record.team,
        appearance=tuple(sorted(employee.brief.appearance.as_pairs())),
        rehearsal=employee.config.is_rehearsal,
    )


class OfficeParts:
    """The attributes and helpers the Office's mixins rely on (the Office provides them)."""

    # Provided by the Office.
    journal: Journal
    bus: EventBus
    clock: Clock
    ids: IdSource
    ledger: BudgetLedger
    approvals: ApprovalBook
    employees: dict[str, Employee]
    model: Any
    model_overrides: dict[str, ModelConfig]
    guardrails: Guardrails
    audit: AuditLog | None  # the tamper-evident audit log
    home: Home
    tools: ToolRegistry
    skills: dict[str, Skill]
    brief_errors: dict[str, str]
    hours_overrides: dict[str, WorkingHours]
    _workers: dict[str, asyncio.Task[None]]

    def find(self, who: str) -> Employee:
        raise NotImplementedError

    def _add(self, record: EmployeeRecord, brief: Brief) -> Employee:
        raise NotImplementedError

    def publish_employee(self, employee: Employee) -> None:
        raise NotImplementedError

    def hours_of(self, employee: Employee) -> WorkingHours:
        raise NotImplementedError

    def enqueue(self, employee: Employee, task_id: str, *, first: bool = False) -> None:
        raise NotImplementedError

    def _now(self) -> str:
        raise NotImplementedError

    def _forget(self, employee_id: str) -> None:
        raise NotImplementedError

    async def refresh_decisions(self) -> None:
        raise NotImplementedError

    async def retry_over_budget(self, employee_id: str | None = None, reason: str = "the budget changed") -> None:
        raise NotImplementedError

    def _reconfigure(self) -> None:
        raise NotImplementedError

    def use_simulated_prices(self, model: str | None) -> None:
        raise NotImplementedError

    # --- audit ----------------------------------------------------------------------------------

    def audit_ops(self, kind: str, data: Mapping[str, Any], employee_id: str | None) -> list[Op]:
        if self.audit is None:
            return []
        return [self.audit.op(kind, dict(data), employee_id=employee_id, ts=self._now())]

    async def _owner_write(self, action: str, data: Mapping[str, Any], employee_id: str | None, *ops: Op) -> None:
        audit = self.audit_ops("owner_action", {"action": action, **data}, employee_id)
        await self.journal.write(*ops, bump_owner_version(), *audit, full=True)

    async def _requeue(self, task: TaskRecord, reason: str, *ops: Op) -> None:
        await self.journal.write(*ops, writes.task_status(task.id, "queued", reason, self._now()))
        self._task_event(task, "queued", reason)
        if task.employee_id in self.employees:
            self.enqueue(self.employees[task.employee_id], task.id)

    async def _task(self, task_id: str, *statuses: str) -> TaskRecord:
        task = await self.journal.task(task_id)
        if task is None:
            raise OwnerError(f"no task {task_id!r}")
        if statuses and task.status not in statuses:
            raise OwnerError(f"task {task_id} is {task.status}, not {' or '.join(statuses)}")
        return task

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
