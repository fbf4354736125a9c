"""Rows of the journal as frozen dataclasses: what the store reads back and the office works with."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names only: a reading command does not build every event class
    from engine.events import StepKind, StepStatus, TaskStatus

# Tasks not finished one way or another, and those that are: a closed task never comes back.
OPEN_TASKS: tuple[TaskStatus, ...] = ("queued", "running", "waiting", "parked", "uncertain", "review")
CLOSED_TASKS: tuple[TaskStatus, ...] = ("done", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class EmployeeRecord:
    id: str
    name: str
    role: str
    title: str
    team: str | None
    brief_path: str
    brief_version: str
    status: str
    status_detail: str
    hired_at: str
    probation_left: int = 0  # deliverables still to be reviewed by the owner before they count


@dataclass(frozen=True, slots=True)
class TaskRecord:
    id: str
    employee_id: str
    parent_id: str | None
    title: str
    body: str
    status: TaskStatus
    reason: str
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class StepRecord:
    id: str
    task_id: str
    turn_id: str
    employee_id: str
    seq: int
    kind: StepKind
    status: StepStatus
    attempt: int
    tool: str | None
    call_id: str | None
    arguments: str | None
    result: str | None
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    rehearsal: bool
    error: str | None
    started_at: str
    finished_at: str | None


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    """A risky tool call waiting for (or answered by) the owner."""

    id: str
    employee_id: str
    task_id: str
    call_id: str
    tool: str
    arguments: str
    risk: str
    status: str
    note: str
    edited_arguments: str | None
    created_at: str
    expires_at: str | None
    decided_at: str | None

    def arguments_to_run(self) -> dict[str, Any]:
        value = json.loads(self.edited_arguments or self.arguments)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Deliverable:
    """Work an employee on probation handed in for the owner's review, one row per round."""

    id: str
    employee_id: str
    task_id: str
    round: int
    content: str
    status: str
    comment: str
    created_at: str
    decided_at: str | None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """A row of the audit log, its data parsed (a damaged row's text kept under "unreadable")."""

    seq: int
    ts: str
    employee_id: str | None
    kind: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


def audit_row(values: tuple[Any, ...]) -> AuditRow:
    """An audit row from its columns in table order (engine.store.audit.COLUMNS)."""
    seq, ts, employee_id, kind, text, prev_hash, row_hash = values
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        data = None
    return AuditRow(
        seq=seq,
        ts=ts,
        employee_id=employee_id,
        kind=kind,
        data=data if isinstance(data, dict) else {"unreadable": text},
        prev_hash=prev_hash,
        hash=row_hash,
    )


def fields_of(record: Any) -> dict[str, Any]:
    """A record's fields as column values (records are slotted dataclasses named like their columns)."""
    return {name: getattr(record, name) for name in record.__slots__}
