"""What the owner does: answer approvals, review deliverables, set budgets, call people in.

A mixin of the Office; every action is journaled and audited, and wakes whoever it unblocks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select, update

from engine import models
from engine.approvals import ApprovalBook, ApprovalRecord, Decision
from engine.audit import AuditLog
from engine.budget import OFFICE, BudgetLedger, Ceiling, employee_scope, period_days, team_scope
from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.events import ApprovalResolved, EscalationRaised, StatusChanged, TaskChanged
from engine.guardrails import Guardrails
from engine.journal import Journal, StepRecord, TaskRecord
from engine.llm.types import ModelConfig, ModelConfigError, Price
from engine.store.schema import allowances, ceilings, deliverables, employees, settings, steps
from engine.store.writer import Op

if TYPE_CHECKING:
    from engine.orchestrator import Employee


class OwnerError(Exception):
    """The owner asked for something that cannot be done (unknown id, already decided, ...)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Deliverable:
    id: str
    employee_id: str
    task_id: str
    round: int
    content: str
    status: str
    comment: str
    created_at: str
    decided_at: str | None


class OwnerActions:
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

    def find(self, who: str) -> Employee:
        raise NotImplementedError

    def enqueue(self, employee: Employee, task_id: str, *, first: bool = False) -> None:
        raise NotImplementedError

    def _now(self) -> str:
        raise NotImplementedError

    # --- audit ----------------------------------------------------------------------------------

    def audit_ops(self, kind: str, data: Mapping[str, Any], employee_id: str | None) -> list[Op]:
        if self.audit is None:
            return []
        return [self.audit.op(kind, dict(data), employee_id=employee_id, ts=self._now())]

    async def _owner_write(self, action: str, data: Mapping[str, Any], employee_id: str | None, *ops: Op) -> None:
        audit = self.audit_ops("owner_action", {"action": action, **data}, employee_id)
        await self.journal.write(*ops, *audit, full=True)

    async def _requeue(self, task: TaskRecord, reason: str, *ops: Op) -> None:
        await self.journal.write(*ops, Journal.task_status_op(task.id, "queued", reason, self._now()))
        self.bus.publish(
            TaskChanged(task_id=task.id, employee_id=task.employee_id, title=task.title, status="queued", reason=reason)
        )
        if task.employee_id in self.employees:
            self.enqueue(self.employees[task.employee_id], task.id)

    async def _task(self, task_id: str, *statuses: str) -> TaskRecord:
        task = await self.journal.task(task_id)
        if task is None:
            raise OwnerError(f"no task {task_id!r}")
        if statuses and task.status not in statuses:
            raise OwnerError(f"task {task_id} is {task.status}, not {' or '.join(statuses)}")
        return task

    # --- tasks parked for the owner ------------------------------------------------------------

    async def resolve(self, task_id: str, *, happened: bool) -> None:
        """Answer about a task parked as uncertain after a crash: did the interrupted action happen?"""
        task = await self._task(task_id, "uncertain")
        ops: list[Op] = []
        if happened:
            for step in await self.journal.steps(task_id=task_id):
                if step.status == "uncertain" and step.kind == "tool":
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
        now = self._now()
        return Journal.step_insert_op(
            StepRecord(
                id=self.ids.new("step"),
                task_id=task.id,
                turn_id="owner",
                employee_id=task.employee_id,
                seq=10**6 + int(self.clock.now().timestamp() * 1000) % 10**6,
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
        self.bus.publish(
            TaskChanged(
                task_id=task.id,
                employee_id=employee.id,
                title=task.title,
                status="review",
                reason="waiting for the owner's review",
            )
        )
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
            *self.audit_ops(
                "deliverable_decided", {"deliverable_id": item.id, "decision": "accepted"}, item.employee_id
            ),
            full=True,
        )
        if employee is not None:
            employee.record = dataclasses.replace(employee.record, probation_left=left)
        self.bus.publish(TaskChanged(task_id=task.id, employee_id=task.employee_id, title=task.title, status="done"))

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

    # --- budgets --------------------------------------------------------------------------------

    def scope_of(self, target: str) -> str:
        """`office`, a team id, or an employee name/id, as a ledger scope."""
        if target == OFFICE:
            return OFFICE
        if target in {e.record.team for e in self.employees.values()}:
            return team_scope(target)
        return employee_scope(self.find(target).id)

    async def load_budgets(self) -> None:
        def query(conn: Connection) -> tuple[list[Any], list[Any], list[Any]]:
            since = (self.clock.now() - timedelta(days=2)).isoformat()
            spent = conn.execute(
                select(steps.c.employee_id, steps.c.started_at, steps.c.cost_usd).where(
                    steps.c.started_at >= since, steps.c.cost_usd > 0
                )
            ).all()
            return list(conn.execute(select(ceilings))), list(conn.execute(select(allowances))), list(spent)

        rows, extras, spent = await self.journal.read(query)
        for row in rows:
            self.ledger.set_override(row.scope, Ceiling(row.per_turn_usd, row.per_day_usd))
        for row in extras:
            self.ledger.add_allowance(row.scope, row.day, row.usd)
        for employee_id, started, usd in spent:
            if employee_id in self.employees:
                self.ledger.record_spend(employee_id, datetime.fromisoformat(started), usd)

    async def set_ceiling(self, target: str, *, per_turn: float | None = None, per_day: float | None = None) -> None:
        """Raise (or lower) a ceiling for good."""
        scope = self.scope_of(target)
        current = self.ledger.ceiling(scope)
        ceiling = Ceiling(
            per_turn if per_turn is not None else current.per_turn_usd,
            per_day if per_day is not None else current.per_day_usd,
        )
        values = {"scope": scope, "per_turn_usd": ceiling.per_turn_usd, "per_day_usd": ceiling.per_day_usd}
        await self.journal.write(
            (insert(ceilings).prefix_with("OR REPLACE"), values),
            *self.audit_ops("budget_changed", values, None),
            full=True,
        )
        self.ledger.set_override(scope, ceiling)
        await self._wake_over_budget(scope)

    async def raise_once(self, target: str, usd: float) -> None:
        """Allow `usd` more today only."""
        scope = self.scope_of(target)
        day = self.ledger.day_of(scope, self.clock.now())
        values = {"scope": scope, "day": day, "usd": usd}
        await self.journal.write(
            (insert(allowances), values), *self.audit_ops("budget_changed", values, None), full=True
        )
        self.ledger.add_allowance(scope, day, usd)
        await self._wake_over_budget(scope)

    async def _wake_over_budget(self, scope: str) -> None:
        for task in await self.journal.tasks(statuses=["parked"]):
            if task.reason.startswith("over budget") and scope in self.ledger.scopes_of(task.employee_id):
                await self._requeue(task, "the budget was raised")

    async def budget_report(self) -> dict[str, Any]:
        """Spend per employee, team and office for today, this week and this month."""

        def query(conn: Connection) -> list[Any]:
            since = (self.clock.now() - timedelta(days=32)).isoformat()
            return list(
                conn.execute(
                    select(steps.c.employee_id, steps.c.started_at, steps.c.cost_usd, steps.c.rehearsal).where(
                        steps.c.started_at >= since, steps.c.cost_usd > 0
                    )
                )
            )

        rows = await self.journal.read(query)
        now = self.clock.now()
        report: dict[str, Any] = {"employees": [], "teams": [], "office": None}
        totals: dict[str, dict[str, float]] = {}
        simulated: dict[str, bool] = {}

        def add(scope: str, when: datetime, usd: float, rehearsal: bool) -> None:
            today = datetime.fromisoformat(self.ledger.day_of(scope, now)).date()
            day = datetime.fromisoformat(self.ledger.day_of(scope, when)).date()
            bucket = totals.setdefault(scope, {"today": 0.0, "week": 0.0, "month": 0.0})
            for period in ("today", "week", "month"):
                first, last = period_days(today, period)
                if first <= day <= last:
                    bucket[period] += usd
            simulated[scope] = simulated.get(scope, False) or rehearsal

        for employee_id, started, usd, rehearsal in rows:
            for scope in self.ledger.scopes_of(employee_id):
                add(scope, datetime.fromisoformat(started), usd, bool(rehearsal))

        def entry(scope: str, **extra: Any) -> dict[str, Any]:
            ceiling = self.ledger.ceiling(scope)
            day = self.ledger.day_of(scope, now)
            spend = totals.get(scope, {"today": 0.0, "week": 0.0, "month": 0.0})
            return {
                **extra,
                "scope": scope,
                **{k: round(v, 6) for k, v in spend.items()},
                "per_day_usd": self.ledger.day_limit(scope, day),
                "per_turn_usd": ceiling.per_turn_usd,
                "simulated": simulated.get(scope, False),
            }

        for employee in self.employees.values():
            report["employees"].append(entry(employee_scope(employee.id), id=employee.id, name=employee.record.name))
        for team in sorted(self.ledger.teams()):
            report["teams"].append(entry(team_scope(team), id=team))
        report["office"] = entry(OFFICE)
        return report

    # --- models ---------------------------------------------------------------------------------

    async def load_model_settings(self) -> None:
        def query(conn: Connection) -> list[Any]:
            return list(conn.execute(select(settings.c.key, settings.c.value).where(settings.c.key.like("model:%"))))

        for key, value in await self.journal.read(query):
            self.model_overrides[key] = models.load(value)
        simulated = await self.journal.setting(models.SIMULATE)
        if simulated:
            self._simulate(simulated)

    async def connect_model(
        self,
        model: str,
        *,
        who: str | None = None,
        api_base: str | None = None,
        api_key_name: str | None = None,
        price: Price | None = None,
        fallback: str | None = None,
    ) -> ModelConfig:
        """Switch rehearsing employees (or one employee) to a real model, after checking it can work."""
        config = ModelConfig(model=model, fallback=fallback, api_base=api_base, api_key_name=api_key_name, price=price)
        if config.is_rehearsal:
            raise OwnerError("that is the rehearsal model; use disconnect_model to go back to it")
        from engine.llm.provider import LiteLLMClient, validate_config

        if isinstance(self.model, LiteLLMClient):
            await asyncio.to_thread(validate_config, config)  # price known or declared, key present
        key = models.employee_key(self.find(who).id) if who else models.ALL
        data = {"model": model, "who": who or "everyone rehearsing", "api_base": api_base}
        await self._owner_write("connect_model", data, None, Journal.setting_op(key, models.dump(config)))
        self.model_overrides[key] = config
        self._reconfigure()
        return config

    async def disconnect_model(self, who: str | None = None) -> None:
        key = models.employee_key(self.find(who).id) if who else models.ALL
        await self._owner_write(
            "disconnect_model", {"who": who or "everyone"}, None, (delete(settings).where(settings.c.key == key), None)
        )
        self.model_overrides.pop(key, None)
        self._reconfigure()

    def model_mode(self) -> str:
        """What the office thinks with, for the status bar: "Rehearsal" or the model(s) in use."""
        names = sorted({e.config.model for e in self.employees.values() if not e.config.is_rehearsal})
        if not names:
            office = self.model_overrides.get(models.ALL)
            return office.model if office else "Rehearsal"
        rehearsing = any(e.config.is_rehearsal for e in self.employees.values())
        return ", ".join(names) + (" + Rehearsal" if rehearsing else "")

    async def simulate_prices(self, model: str | None) -> None:
        """Charge rehearsal at a real model's prices (shown as simulated), or stop with None."""
        if model:
            self._simulate(model)
            op: Op = Journal.setting_op(models.SIMULATE, model)
        else:
            self.guardrails.pricing = dataclasses.replace(self.guardrails.pricing, simulated=None)
            op = (delete(settings).where(settings.c.key == models.SIMULATE), None)
        await self._owner_write("simulate_prices", {"model": model}, None, op)

    def _simulate(self, model: str) -> None:
        from engine.llm.provider import resolve_price

        try:
            price = resolve_price(ModelConfig(model=model))
        except ModelConfigError as exc:
            raise OwnerError(f"cannot simulate {model}: {exc}") from None
        self.guardrails.pricing = dataclasses.replace(self.guardrails.pricing, simulated=price)

    def _reconfigure(self) -> None:
        for employee in self.employees.values():
            employee.config = models.effective(
                employee.brief.model.to_config(),
                self.model_overrides.get(models.employee_key(employee.id)),
                self.model_overrides.get(models.ALL),
            )

    # --- hours ----------------------------------------------------------------------------------

    async def call_in(self, who: str, hours: float = 2.0) -> datetime:
        """Bring an employee in outside its working hours, for `hours` from now."""
        employee = self.find(who)
        until = self.clock.now() + timedelta(hours=hours)
        employee.called_in_until = until
        await self._owner_write("call_in", {"until": until.isoformat()}, employee.id)
        employee.wake.set()
        return until

    async def heartbeat(self, employee: Employee) -> None:
        """Periodic check during working hours: expired approvals, a new day for budgets, parked work."""
        await self.expire_approvals()
        for task in await self.journal.tasks(employee_id=employee.id, statuses=["parked"]):
            if task.reason.startswith("over budget"):
                await self._requeue(task, "a new budget period may have started")
