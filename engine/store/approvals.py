"""The approvals table: requests to run a risky tool call, and the owner's answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from engine.store.records import ApprovalRecord, fields_of
from engine.store.schema import approvals
from engine.store.writer import Op


def insert_request(record: ApprovalRecord) -> Op:
    return (insert(approvals), fields_of(record))


def decide(approval_id: str, values: dict[str, Any]) -> Op:
    """Record the answer: `values` holds status, note, decided_at and perhaps edited_arguments."""
    return (update(approvals).where(approvals.c.id == approval_id), values)


def read_for_call(conn: Connection, task_id: str, call_id: str) -> ApprovalRecord | None:
    """The newest request made for one tool call of a task."""
    row = conn.execute(
        select(approvals)
        .where(approvals.c.task_id == task_id, approvals.c.call_id == call_id)
        .order_by(approvals.c.created_at.desc())
    ).first()
    return None if row is None else ApprovalRecord(**row._asdict())


def read_for_task(conn: Connection, task_id: str) -> list[ApprovalRecord]:
    """A task's requests, oldest first."""
    stmt = select(approvals).where(approvals.c.task_id == task_id).order_by(approvals.c.created_at)
    return [ApprovalRecord(**r._asdict()) for r in conn.execute(stmt)]


def read_one(conn: Connection, approval_id: str) -> ApprovalRecord | None:
    row = conn.execute(select(approvals).where(approvals.c.id == approval_id)).first()
    return None if row is None else ApprovalRecord(**row._asdict())


def read_all(conn: Connection, status: str | None) -> list[ApprovalRecord]:
    """Requests oldest first, only those with `status` unless it is None."""
    stmt = select(approvals).order_by(approvals.c.created_at)
    if status:
        stmt = stmt.where(approvals.c.status == status)
    return [ApprovalRecord(**r._asdict()) for r in conn.execute(stmt)]
