"""Approval gates: a risky tool call becomes a durable request that waits for the owner.

The gate sits below the model, in the engine: whatever a tool result, email or web page tells an
employee, a call whose risk the brief's policy gates does not run until the owner approves it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from engine.store import approvals as approvals_table
from engine.store.journal import Journal
from engine.store.records import ApprovalRecord
from engine.store.writer import Op

Decision = Literal["approved", "rejected", "expired"]

__all__ = ["ApprovalBook", "ApprovalRecord", "Decision"]


class ApprovalBook:
    """Reads and writes approval requests through the journal."""

    def __init__(
        self,
        journal: Journal,
        expire_after: timedelta | None = timedelta(days=2),
        *,
        redact: Callable[[str], str] = lambda text: text,  # the arguments as stored, shown and run
    ) -> None:
        self._journal = journal
        self.expire_after = expire_after
        self._redact = redact

    async def for_call(self, task_id: str, call_id: str) -> ApprovalRecord | None:
        return await self._journal.read(
            functools.partial(approvals_table.read_for_call, task_id=task_id, call_id=call_id)
        )

    async def stopped_by(self, task_id: str) -> ApprovalRecord | None:
        """The rejection that stops this task's gated calls: its last decision, unless the owner spoke since."""
        records = await self._journal.read(functools.partial(approvals_table.read_for_task, task_id=task_id))
        decided = sorted(
            (r for r in records if r.decided_at and r.status != "pending"), key=lambda r: r.decided_at or ""
        )
        if not decided or decided[-1].status != "rejected":
            return None
        rejected = decided[-1]
        steps = await self._journal.steps(task_id=task_id)
        if any(s.kind == "owner" and s.started_at > (rejected.decided_at or "") for s in steps):
            return None  # a new go-ahead: the owner told the employee how to proceed
        return rejected

    async def get(self, approval_id: str) -> ApprovalRecord | None:
        return await self._journal.read(functools.partial(approvals_table.read_one, approval_id=approval_id))

    async def list(self, status: str | None = "pending") -> list[ApprovalRecord]:
        return await self._journal.read(functools.partial(approvals_table.read_all, status=status))

    def request_op(self, record: ApprovalRecord) -> Op:
        return approvals_table.insert_request(record)

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
            arguments=self._redact(json.dumps(arguments, sort_keys=True)),
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
        return approvals_table.decide(approval_id, values)
