"""What the owner decides about work and people: new tasks, crashed tasks, approvals, letting go, hours, call-ins.

Every action is journaled and audited, and wakes whoever it unblocks.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from engine.apps.accounts import APP_PREFIX, read_apps, taken_back
from engine.briefs import WorkingHours
from engine.briefs.errors import suggest
from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.errors import OwnerError
from engine.events import ApprovalResolved, EscalationRaised
from engine.guardrails import ApprovalBook, Decision
from engine.hours import ALL_HOURS, describe, hours_as_brief, hours_key
from engine.office.decisions import OWNER_DOMAINS, auto_approve_key, call_in_key
from engine.office.recorder import Recorder
from engine.office.roster import Roster
from engine.office.tasks import TaskBoard
from engine.office.workers import Workers
from engine.store import writes
from engine.store.journal import Journal
from engine.store.records import ApprovalRecord, StepRecord, TaskRecord
from engine.store.settings import bump_owner_version, delete_setting, put_setting, read_setting
from engine.store.writer import Op
from engine.tools.registry import ToolRegistry

MAX_CALL_IN_HOURS = 14 * 24.0  # two weeks: longer is a change of working hours, not a call-in


class Servers(Protocol):
    """The MCP servers' tools, as `engine.connections.Connections` describes them."""

    async def input_schema(self, qualified: str) -> dict[str, Any] | None: ...


class Owner:
    def __init__(
        self,
        journal: Journal,
        bus: EventBus,
        clock: Clock,
        ids: IdSource,
        *,
        roster: Roster,
        workers: Workers,
        board: TaskBoard,
        approvals: ApprovalBook,
        recorder: Recorder,
        refresh: Callable[[], Awaitable[None]],  # re-read the owner's decisions and apply them
        tools: ToolRegistry | None = None,  # to check the owner's edited arguments against a tool's schema
        servers: Servers | None = None,  # and an MCP tool's, from its server
    ) -> None:
        self._journal = journal
        self._bus = bus
        self._clock = clock
        self._ids = ids
        self._roster = roster
        self._workers = workers
        self._board = board
        self._approvals = approvals
        self._recorder = recorder
        self._refresh = refresh
        self._tools = tools
        self._servers = servers

    # --- tasks ---------------------------------------------------------------------------------

    async def assign(self, who: str, text: str, *, parent_id: str | None = None) -> TaskRecord:
        """Give an employee a task, audited with the task: its id and title, never its whole text.

        No owner version is bumped: a running office finds new tasks by its poll of the queue.
        """
        task = self._board.new_task(who, text, parent_id=parent_id)
        data = {"action": "assign", "task_id": task.id, "title": task.title}
        await self._board.queue(task, *self._recorder.audit_ops("owner_action", data, task.employee_id), full=True)
        return task

    # --- tasks parked for the owner ------------------------------------------------------------

    async def resolve(self, task_id: str, *, happened: bool) -> None:
        """Answer about a task parked as uncertain (a crash, an email the server never confirmed): did it happen?"""
        task = await self._board.get(task_id, "uncertain")
        ops: list[Op] = []
        if happened:
            for step in _unanswered(await self._journal.steps(task_id=task_id)):
                done = dataclasses.replace(
                    step,
                    id=self._ids.new("step"),
                    status="finished",
                    result="(the owner confirmed this action happened)",
                    started_at=self._recorder.now(),
                    finished_at=self._recorder.now(),
                )
                ops.append(writes.insert_step(done))
        await self._recorder.owner_action("resolve", {"task_id": task_id, "happened": happened}, task.employee_id)
        await self._board.requeue(task, "the owner resolved it", *ops)

    async def resume(self, task_id: str, note: str = "") -> None:
        """Let a parked task go on (after the action limit, a model outage, a budget raise...)."""
        task = await self._board.get(task_id, "parked", "failed")
        rejected = await self._approvals.stopped_by(task_id)
        if rejected is not None and not note.strip():  # a bare resume is no go-ahead after a rejection
            raise OwnerError(
                f"task {task_id} stopped after you rejected {rejected.tool}; say how it should proceed: "
                f'headcount resume {task_id} --note "…"'
            )
        ops: list[Op] = [self._board.owner_step(task, note)] if note else []
        await self._recorder.owner_action("resume", {"task_id": task_id, "note": note}, task.employee_id)
        await self._board.requeue(task, "the owner let it continue", *ops)

    # --- approvals ------------------------------------------------------------------------------

    async def decide(
        self, approval_id: str, *, approve: bool, note: str = "", edit: dict[str, Any] | None = None
    ) -> ApprovalRecord:
        """Approve (optionally with edited arguments) or reject with a reason fed back to the employee."""
        record = await self._approvals.get(approval_id)
        if record is None:
            raise OwnerError(f"no approval {approval_id!r}")
        if record.status != "pending":
            raise OwnerError(f"approval {approval_id} was already {record.status}")
        if not approve and not note.strip():
            raise OwnerError("say why you reject it: the employee learns from your reason")
        if approve and edit is not None:
            changed = set(edit)
            edit = {**json.loads(record.arguments), **edit}  # the keys given change; the others stay as proposed
            await self._check_edit(record.tool, edit, changed)
        decision: Decision = "approved" if approve else "rejected"
        now = self._clock.now()
        op = ApprovalBook.decide_op(approval_id, decision, note, edit if approve else None, now)
        data = {"approval_id": approval_id, "decision": decision, "note": note, "edited": edit}
        audit = self._recorder.audit_ops("approval_decided", data, record.employee_id)
        task = await self._board.get(record.task_id)
        await self._journal.write(op, bump_owner_version(), *audit, full=True)  # every window hears of it
        self._bus.publish(
            ApprovalResolved(approval_id=approval_id, employee_id=record.employee_id, decision=decision, note=note)
        )
        if task.status == "waiting":
            await self._board.requeue(task, f"the owner {decision} {record.tool}")
        updated = await self._approvals.get(approval_id)
        assert updated is not None
        return updated

    async def _check_edit(self, tool_name: str, edit: dict[str, Any], changed: set[str]) -> None:
        """Refuse edited arguments the tool would reject, before anything is approved (not at run time), and
        a key the tool does not take: a misspelt `subjet` would be ignored, and the owner's change with it."""
        tool = self._tools.get(tool_name) if self._tools is not None else None
        schema = tool.spec.parameters if tool is not None else None
        if schema is None and self._servers is not None:
            schema = await self._servers.input_schema(tool_name)  # an MCP tool: as its server describes it
        if schema is None:
            return  # a server that cannot start now: its own checks answer when the tool runs
        known = schema.get("properties")
        if isinstance(known, dict) and schema.get("additionalProperties") is not True:
            unknown = ", ".join(repr(k) for k in sorted(changed - set(known)))
            if unknown:
                raise OwnerError(f"{tool_name} takes no {unknown}; its arguments are {', '.join(known)}")
        import jsonschema

        try:
            jsonschema.validate(edit, schema)
        except jsonschema.ValidationError as exc:
            where = ".".join(str(p) for p in exc.absolute_path) or "the arguments"
            raise OwnerError(f"the edited arguments do not fit {tool_name}: {where}: {exc.message}") from None

    async def expire_approvals(self) -> list[ApprovalRecord]:
        """Pending requests past their deadline expire: the employee hears no, the owner an escalation."""
        now = self._clock.now()
        expired = []
        for record in await self._approvals.list("pending"):
            if record.expires_at and datetime.fromisoformat(record.expires_at) <= now:
                await self._journal.write(
                    ApprovalBook.decide_op(record.id, "expired", "no answer in time", None, now),
                    *self._recorder.audit_ops(
                        "approval_decided", {"approval_id": record.id, "decision": "expired"}, record.employee_id
                    ),
                    full=True,
                )
                self._bus.publish(
                    ApprovalResolved(approval_id=record.id, employee_id=record.employee_id, decision="expired")
                )
                reason = f"nobody answered the request to run {record.tool} in time; the employee was told no"
                self._bus.publish(
                    EscalationRaised(employee_id=record.employee_id, task_id=record.task_id, reason=reason)
                )
                task = await self._journal.task(record.task_id)
                if task is not None and task.status == "waiting":
                    await self._board.requeue(task, f"nobody approved {record.tool} in time")
                expired.append(record)
        return expired

    # --- letting go -----------------------------------------------------------------------------

    async def dismiss(self, who: str, reason: str = "") -> int:
        """Let an employee go: its open tasks are cancelled, its journal, files and audit trail kept.

        Returns how many open tasks were cancelled. Refused while it is in the middle of a task.
        """
        unseated = self._roster.find_unseated(who)  # a brief that does not load must not keep anyone employed
        record = unseated if unseated is not None else self._roster.find(who).record
        open_tasks = await self._journal.tasks(
            employee_id=record.id, statuses=["queued", "waiting", "parked", "uncertain", "review"]
        )
        if await self._journal.tasks(employee_id=record.id, statuses=["running"]):
            raise OwnerError(f"{record.name} is in the middle of a task; try again when it is done")
        now = self._recorder.now()
        ops: list[Op] = [writes.task_status(t.id, "cancelled", "the employee was let go", now) for t in open_tasks]
        ops.append(writes.update_employee(record.id, left_at=now, status="idle"))
        grants = taken_back(await self._journal.read(read_apps), record.id)  # an id left in a grant: no one's
        ops.extend(put_setting(key, value) for key, value in grants)
        data: dict[str, Any] = {"name": record.name, "reason": reason}
        if grants:
            data["apps_taken_back"] = [key.removeprefix(APP_PREFIX) for key, _ in grants]
        await self._recorder.owner_action("dismiss", data, record.id, *ops)
        for task in open_tasks:
            self._board.publish(task, "cancelled", "the employee was let go")
        employee = self._roster.forget(record.id)
        if employee is not None:
            self._workers.cancel(employee)
        return len(open_tasks)

    # --- what counts as inside, and standing approvals -------------------------------------------

    async def set_domains(self, domains: tuple[str, ...]) -> None:
        """The owner's own domains: messages and invitations to addresses inside them are internal."""
        op = put_setting(OWNER_DOMAINS, json.dumps(sorted(set(domains))))
        await self._recorder.owner_action("set_domains", {"domains": sorted(set(domains))}, None, op)
        await self._refresh()

    async def auto_approve(self, who: str, tool: str, on: bool = True) -> None:
        """Let one employee run one gated tool without asking (audited), or stop that with `on=False`."""
        employee = self._roster.find(who)
        if on:  # a misspelt tool would be a standing approval for nothing, and the real one would still ask
            known = {*employee.belt.names(), *employee.belt.qualified_names(), *employee.brief.tools}
            granted = tool.startswith("mcp:") and f"{tool.rpartition('.')[0]}.*" in known
            if tool not in known and not granted:
                hint = suggest(tool, known)
                raise OwnerError(f"{employee.record.name} has no tool '{tool}'{hint}")
        key = auto_approve_key(employee.id, tool)
        op = put_setting(key, "1") if on else delete_setting(key)
        await self._recorder.owner_action("auto_approve", {"tool": tool, "on": on}, employee.id, op)
        await self._refresh()

    # --- hours ----------------------------------------------------------------------------------

    async def set_hours(self, who: str | None, hours: WorkingHours | None) -> None:
        """Set the owner's schedule for one employee (or, with None, for everyone) over the briefs'.

        `hours=None` removes it: back to the brief's hours (or the office schedule, for one employee).
        """
        key = hours_key(self._roster.find(who).id) if who else ALL_HOURS
        op = delete_setting(key) if hours is None else put_setting(key, json.dumps(hours_as_brief(hours)))
        data = {"who": who or "everyone", "hours": describe(hours) if hours else "as in the brief"}
        await self._recorder.owner_action("set_hours", data, None, op)
        await self._refresh()  # whoever waits for a shift re-reads it

    async def call_in(self, who: str, hours: float = 2.0) -> datetime:
        """Bring an employee in outside its working hours, for `hours` from now (kept across restarts)."""
        if not math.isfinite(hours) or not 0 < hours <= MAX_CALL_IN_HOURS:
            raise OwnerError(f"call someone in for more than 0 and at most {MAX_CALL_IN_HOURS} hours, not {hours}")
        employee = self._roster.find(who)
        until = self._clock.now() + timedelta(hours=hours)
        # A call-in never cuts one short (from here or another process): the later end stands.
        kept = await self._journal.read(lambda c: read_setting(c, call_in_key(employee.id)))
        if kept is not None and datetime.fromisoformat(kept) > until:
            return datetime.fromisoformat(kept)
        op = put_setting(call_in_key(employee.id), until.isoformat())
        await self._recorder.owner_action("call_in", {"until": until.isoformat()}, employee.id, op)
        await self._refresh()
        return until

    async def end_call_in(self, who: str) -> bool:
        """Send a called-in employee home now (its own working hours stand); False when none was called in.

        What it is doing stops as at the end of a shift: the step under way finishes, the task waits."""
        employee = self._roster.find(who)
        kept = await self._journal.read(lambda c: read_setting(c, call_in_key(employee.id)))
        if kept is None or datetime.fromisoformat(kept) <= self._clock.now():
            return False
        op = delete_setting(call_in_key(employee.id))
        await self._recorder.owner_action("call_in_ended", {"was_until": kept}, employee.id, op)
        await self._refresh()
        return True


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
