"""Approval gates: a risky tool call becomes a durable request that waits for the owner.

The gate sits below the model, in the engine: whatever a tool result, email or web page tells an
employee, a call whose risk the brief's policy gates does not run until the owner approves it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, insert, select, update

from engine.journal import Journal
from engine.store.schema import approvals
from engine.store.writer import Op

Decision = Literal["approved", "rejected", "expired"]


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
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


class ApprovalBook:
    """Reads and writes approval requests through the journal."""

    def __init__(self, journal: Journal, expire_after: timedelta | None = timedelta(days=2)) -> None:
        self._journal = journal
        self.expire_after = expire_after

    async def for_call(self, task_id: str, call_id: str) -> ApprovalRecord | None:
        def query(conn: Connection) -> ApprovalRecord | None:
            row = conn.execute(
                select(approvals)
                .where(approvals.c.task_id == task_id, approvals.c.call_id == call_id)
                .order_by(approvals.c.created_at.desc())
            ).first()
            return None if row is None else ApprovalRecord(**row._asdict())

        return await self._journal.read(query)

    async def get(self, approval_id: str) -> ApprovalRecord | None:
        def query(conn: Connection) -> ApprovalRecord | None:
            row = conn.execute(select(approvals).where(approvals.c.id == approval_id)).first()
            return None if row is None else ApprovalRecord(**row._asdict())

        return await self._journal.read(query)

    async def list(self, status: str | None = "pending") -> list[ApprovalRecord]:
        def query(conn: Connection) -> list[ApprovalRecord]:
            stmt = select(approvals).order_by(approvals.c.created_at)
            if status:
                stmt = stmt.where(approvals.c.status == status)
            return [ApprovalRecord(**r._asdict()) for r in conn.execute(stmt)]

        return await self._journal.read(query)

    def request_op(self, record: ApprovalRecord) -> Op:
        return (insert(approvals), {k: getattr(record, k) for k in record.__slots__})

    def new_request(
        self,
        approval_id: str,
        *,
        employee_id: str,
        task_id: str,
        call_id: str,
        tool: str,
        arguments: dict[str, Any],
        risk: str,
        now: datetime,
    ) -> ApprovalRecord:
        expires = (now + self.expire_after).isoformat() if self.expire_after else None
        return ApprovalRecord(
            id=approval_id,
            employee_id=employee_id,
            task_id=task_id,
            call_id=call_id,
            tool=tool,
            arguments=json.dumps(arguments, sort_keys=True),
            risk=risk,
            status="pending",
            note="",
            edited_arguments=None,
            created_at=now.isoformat(),
            expires_at=expires,
            decided_at=None,
        )

    @staticmethod
    def decide_op(approval_id: str, decision: Decision, note: str, edited: dict[str, Any] | None, now: datetime) -> Op:
        values: dict[str, Any] = {"status": decision, "note": note, "decided_at": now.isoformat()}
        if edited is not None:
            values["edited_arguments"] = json.dumps(edited, sort_keys=True)
        return (update(approvals).where(approvals.c.id == approval_id), values)
