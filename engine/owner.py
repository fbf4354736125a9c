"""What the owner does: resolve crashes, answer approvals, review deliverables, call people in.

A mixin of the Office; every action is journaled and audited, and wakes whoever it unblocks.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select, update

from engine.approvals import ApprovalBook, ApprovalRecord, Decision
from engine.briefs import WorkingHours
from engine.decisions import bump_op, call_in_key
from engine.events import ApprovalResolved, EscalationRaised, StatusChanged
from engine.hours import ALL_HOURS, describe, hours_as_brief, hours_key
from engine.journal import Journal, StepRecord, TaskRecord
from engine.office_parts import Deliverable, OfficeParts, OwnerError
from engine.standing import is_over_budget
from engine.store.schema import deliverables, employees, settings
from engine.store.writer import Op

if TYPE_CHECKING:
    from engine.orchestrator import Employee

log = logging.getLogger(__name__)

MAX_CALL_IN_HOURS = 14 * 24.0  # two weeks: longer is a change of working hours, not a call-in


class OwnerActions(OfficeParts):
    # --- tasks parked for the owner ------------------------------------------------------------

    async def resolve(self, task_id: str, *, happened: bool) -> None:
        """Answer about a task parked as uncertain after a crash: did the interrupted action happen?"""
        task = await self._task(task_id, "uncertain")
        ops: list[Op] = []
        if happened:
            for step in _unanswered(await self.journal.steps(task_id=task_id)):
                done = dataclasses.replace(
                    step,
                    id=self.ids.new("step"),
                    status="finished",
                    result="(the owner confirmed this action happened before the restart)",
                    started_at=self._now(),
                    finished_at=self._now(),
                )
                ops.append(Journal.step_insert_op(done))
        await self._owner_write("resolve", {"task_id": task_id, "happened": happened}, task.employee_id)
        await self._requeue(task, "the owner resolved it", *ops)

    async def resume(self, task_id: str, note: str = "") -> None:
        """Let a parked task go on (after the action limit, a model outage, a budget raise...)."""
        task = await self._task(task_id, "parked", "failed")
        ops: list[Op] = [self._owner_step(task, note)] if note else []
        await self._owner_write("resume", {"task_id": task_id, "note": note}, task.employee_id)
        await self._requeue(task, "the owner let it continue", *ops)

    def _owner_step(self, task: TaskRecord, text: str) -> Op:
        """What the owner says to the employee, as the task's next step (numbered when it commits)."""
        now = self._now()
        return Journal.step_append_op(
            StepRecord(
                id=self.ids.new("step"),
                task_id=task.id,
                turn_id="owner",
                employee_id=task.employee_id,
                seq=0,  # numbered by the journal after the task's last step
                kind="owner",
                status="finished",
                attempt=1,
                tool=None,
                call_id=None,
                arguments=None,
                result=text,
                model=None,
                prompt_tokens=0,
                completion_tokens=0,
                cost_usd=0.0,
                rehearsal=False,
                error=None,
                started_at=now,
                finished_at=now,
            )
        )

    # --- approvals ------------------------------------------------------------------------------

    async def decide(
        self, approval_id: str, *, approve: bool, note: str = "", edit: dict[str, Any] | None = None
    ) -> ApprovalRecord:
        """Approve (optionally with edited arguments) or reject with a reason fed back to the employee."""
        record = await self.approvals.get(approval_id)
        if record is None:
            raise OwnerError(f"no approval {approval_id!r}")
        if record.status != "pending":
            raise OwnerError(f"approval {approval_id} was already {record.status}")
        if not approve and not note.strip():
            raise OwnerError("say why you reject it: the employee learns from your reason")
        decision: Decision = "approved" if approve else "rejected"
        now = self.clock.now()
        op = ApprovalBook.decide_op(approval_id, decision, note, edit if approve else None, now)
        data = {"approval_id": approval_id, "decision": decision, "note": note, "edited": edit}
        audit = self.audit_ops("approval_decided", data, record.employee_id)
        task = await self._task(record.task_id)
        await self.journal.write(op, *audit, full=True)
        self.bus.publish(
            ApprovalResolved(approval_id=approval_id, employee_id=record.employee_id, decision=decision, note=note)
        )
        if task.status == "waiting":
            await self._requeue(task, f"the owner {decision} {record.tool}")
        updated = await self.approvals.get(approval_id)
        assert updated is not None
        return updated

    async def expire_approvals(self) -> list[ApprovalRecord]:
        """Pending requests past their deadline expire: the employee hears no, the owner an escalation."""
        now = self.clock.now()
        expired = []
        for record in await self.approvals.list("pending"):
            if record.expires_at and datetime.fromisoformat(record.expires_at) <= now:
                await self.journal.write(
                    ApprovalBook.decide_op(record.id, "expired", "no answer in time", None, now),
                    *self.audit_ops(
                        "approval_decided", {"approval_id": record.id, "decision": "expired"}, record.employee_id
                    ),
                    full=True,
                )
                self.bus.publish(
                    ApprovalResolved(approval_id=record.id, employee_id=record.employee_id, decision="expired")
                )
                reason = f"nobody answered the request to run {record.tool} in time; the employee was told no"
                self.bus.publish(
                    EscalationRaised(employee_id=record.employee_id, task_id=record.task_id, reason=reason)
                )
                task = await self.journal.task(record.task_id)
                if task is not None and task.status == "waiting":
                    await self._requeue(task, f"nobody approved {record.tool} in time")
                expired.append(record)
        return expired

    # --- probation and review -------------------------------------------------------------------

    async def submit_for_review(self, employee: Employee, task: TaskRecord, summary: str) -> Deliverable:
        def rounds(conn: Connection) -> int:
            count = conn.execute(select(func.count()).where(deliverables.c.task_id == task.id)).scalar_one()
            return int(count)

        files = await self._files_written(task.id)
        content = summary + ("\n\nFiles: " + ", ".join(files) if files else "")
        item = Deliverable(
            id=self.ids.new("dlv"),
            employee_id=employee.id,
            task_id=task.id,
            round=await self.journal.read(rounds) + 1,
            content=content,
            status="pending",
            comment="",
            created_at=self._now(),
            decided_at=None,
        )
        await self.journal.write(
            (insert(deliverables), dataclasses.asdict(item)),
            Journal.task_status_op(task.id, "review", "waiting for the owner's review", self._now()),
            Journal.employee_update_op(employee.id, status="idle", status_detail=""),
            *self.audit_ops(
                "deliverable_submitted",
                {"deliverable_id": item.id, "task_id": task.id, "round": item.round},
                employee.id,
            ),
            full=True,
        )
        self._task_event(task, "review", "waiting for the owner's review")
        self.bus.publish(StatusChanged(employee_id=employee.id, status="idle", detail=""))
        return item

    async def _files_written(self, task_id: str) -> list[str]:
        paths = []
        for step in await self.journal.steps(task_id=task_id):
            if step.tool == "write_file" and step.status == "finished" and step.arguments:
                try:
                    paths.append(str(json.loads(step.arguments).get("path", "")))
                except (json.JSONDecodeError, AttributeError):
                    continue
        return sorted({p for p in paths if p})

    async def reviews(self, status: str | None = "pending") -> list[Deliverable]:
        def query(conn: Connection) -> list[Deliverable]:
            stmt = select(deliverables).order_by(deliverables.c.created_at)
            if status:
                stmt = stmt.where(deliverables.c.status == status)
            return [Deliverable(**r._asdict()) for r in conn.execute(stmt)]

        return await self.journal.read(query)

    async def _deliverable(self, deliverable_id: str) -> Deliverable:
        for item in await self.reviews(None):
            if item.id == deliverable_id:
                if item.status != "pending":
                    raise OwnerError(f"deliverable {deliverable_id} was already {item.status}")
                return item
        raise OwnerError(f"no deliverable {deliverable_id!r}")

    async def accept(self, deliverable_id: str) -> None:
        item = await self._deliverable(deliverable_id)
        task = await self._task(item.task_id)
        employee = self.employees.get(item.employee_id)
        left = max(employee.record.probation_left - 1, 0) if employee else 0
        await self.journal.write(
            (
                update(deliverables).where(deliverables.c.id == item.id),
                {"status": "accepted", "decided_at": self._now()},
            ),
            Journal.task_status_op(task.id, "done", "", self._now()),
            (update(employees).where(employees.c.id == item.employee_id), {"probation_left": left}),
            bump_op(),
            *self.audit_ops(
                "deliverable_decided", {"deliverable_id": item.id, "decision": "accepted"}, item.employee_id
            ),
            full=True,
        )
        if employee is not None:
            employee.record = dataclasses.replace(employee.record, probation_left=left)
        self._task_event(task, "done")

    async def revise(self, deliverable_id: str, comment: str) -> None:
        """Send a deliverable back with comments; the employee revises it as a new round."""
        if not comment.strip():
            raise OwnerError("say what to change")
        item = await self._deliverable(deliverable_id)
        task = await self._task(item.task_id)
        await self.journal.write(
            (
                update(deliverables).where(deliverables.c.id == item.id),
                {"status": "revise", "comment": comment, "decided_at": self._now()},
            ),
            *self.audit_ops(
                "deliverable_decided",
                {"deliverable_id": item.id, "decision": "revise", "comment": comment},
                item.employee_id,
            ),
            full=True,
        )
        text = f"The owner reviewed your work (round {item.round}) and sent it back: {comment}\nPlease revise."
        await self._requeue(task, "sent back for revision", self._owner_step(task, text))

    async def put_on_probation(self, who: str, deliverables_to_review: int = 3) -> None:
        employee = self.find(who)
        await self._owner_write(
            "probation",
            {"deliverables": deliverables_to_review},
            employee.id,
            (update(employees).where(employees.c.id == employee.id), {"probation_left": deliverables_to_review}),
        )
        employee.record = dataclasses.replace(employee.record, probation_left=deliverables_to_review)

    # --- letting go -----------------------------------------------------------------------------

    async def dismiss(self, who: str, reason: str = "") -> int:
        """Let an employee go: its open tasks are cancelled, its journal, files and audit trail kept.

        Returns how many open tasks were cancelled. Refused while it is in the middle of a task.
        """
        employee = self.find(who)
        open_tasks = await self.journal.tasks(
            employee_id=employee.id, statuses=["queued", "waiting", "parked", "uncertain", "review"]
        )
        if await self.journal.tasks(employee_id=employee.id, statuses=["running"]):
            raise OwnerError(f"{employee.record.name} is in the middle of a task; try again when it is done")
        now = self._now()
        ops: list[Op] = [Journal.task_status_op(t.id, "cancelled", "the employee was let go", now) for t in open_tasks]
        ops.append((update(employees).where(employees.c.id == employee.id), {"left_at": now, "status": "idle"}))
        await self._owner_write("dismiss", {"name": employee.record.name, "reason": reason}, employee.id, *ops)
        for task in open_tasks:
            self._task_event(task, "cancelled", "the employee was let go")
        self._forget(employee.id)
        return len(open_tasks)

    # --- hours ----------------------------------------------------------------------------------

    async def set_hours(self, who: str | None, hours: WorkingHours | None) -> None:
        """Set the owner's schedule for one employee (or, with None, for everyone) over the briefs'.

        `hours=None` removes it: back to the brief's hours (or the office schedule, for one employee).
        """
        key = hours_key(self.find(who).id) if who else ALL_HOURS
        if hours is None:
            op: Op = (delete(settings).where(settings.c.key == key), None)
        else:
            op = Journal.setting_op(key, json.dumps(hours_as_brief(hours)))
        data = {"who": who or "everyone", "hours": describe(hours) if hours else "as in the brief"}
        await self._owner_write("set_hours", data, None, op)
        await self.refresh_decisions()  # whoever waits for a shift re-reads it

    async def call_in(self, who: str, hours: float = 2.0) -> datetime:
        """Bring an employee in outside its working hours, for `hours` from now (kept across restarts)."""
        if not math.isfinite(hours) or not 0 < hours <= MAX_CALL_IN_HOURS:
            raise OwnerError(f"call someone in for more than 0 and at most {MAX_CALL_IN_HOURS} hours, not {hours}")
        employee = self.find(who)
        until = self.clock.now() + timedelta(hours=hours)
        op = Journal.setting_op(call_in_key(employee.id), until.isoformat())
        await self._owner_write("call_in", {"until": until.isoformat()}, employee.id, op)
        await self.refresh_decisions()
        return until

    async def heartbeat(self, employee: Employee) -> None:
        """Periodic check during working hours: expired approvals, a new day for budgets, parked work."""
        await self.expire_approvals()
        await self.retry_over_budget(employee.id, "a new budget period may have started")

    async def retry_over_budget(self, employee_id: str | None = None, reason: str = "the budget changed") -> None:
        """Put tasks parked over budget back in the queue: a ceiling, a raise or the day changed."""
        for task in await self.journal.tasks(employee_id=employee_id, statuses=["parked"]):
            if is_over_budget(task) and task.employee_id in self.employees:
                await self._requeue(task, reason)


def _unanswered(steps: list[StepRecord]) -> list[StepRecord]:
    """The uncertain actions the owner has not answered yet: the latest attempt of each such call.

    An uncertain step stays in the journal once answered: a finished or failed step of the same
    call (the owner's confirmation, or a retry) answers it. Confirming it again would give the
    model that result twice and record the action as done twice.
    """
    tools = [s for s in steps if s.kind == "tool"]
    answered = {s.call_id for s in tools if s.status in ("finished", "failed")}
    unanswered: dict[str | None, StepRecord] = {}
    for step in tools:
        if step.status != "uncertain" or step.call_id in answered:
            continue
        if step.call_id not in unanswered or step.attempt > unanswered[step.call_id].attempt:
            unanswered[step.call_id] = step
    return list(unanswered.values())


__all__ = ["Deliverable", "OwnerActions", "OwnerError"]
