"""The guardrails: the Guard the loop calls around every model and tool call (hours, budgets, approvals, audit)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from engine.audit_text import OVERBILLED  # one wording, here and in the audit rows
from engine.bus import EventBus
from engine.clock import Clock, IdSource
from engine.events import ApprovalRequested, EscalationRaised, SpendChanged
from engine.guardrails.approvals import ApprovalBook
from engine.guardrails.budget import OFFICE, BudgetLedger, Refusal, Reservation, employee_scope, overrun_key
from engine.guardrails.pricing import Estimator, Pricing
from engine.llm.types import Message, ModelReply, Price, ToolCall
from engine.loop import Parked, TaskWork
from engine.store.settings import put_setting
from engine.store.writer import Op
from engine.tools.argrisk import inside, overridden
from engine.tools.base import Bounds, Judged, ToolError, ToolSpec

STOPPED = "its budgets count as spent for today until you raise them"


class AuditSink(Protocol):
    def op(self, kind: str, data: dict[str, Any], *, employee_id: str | None, ts: str) -> Op: ...


class Guardrails:
    """Stops or shapes the loop's calls: off duty, over a ceiling, waiting for approval; audits each."""

    def __init__(
        self,
        *,
        ledger: BudgetLedger,
        approvals: ApprovalBook,
        bus: EventBus,
        clock: Clock,
        ids: IdSource,
        pricing: Pricing,
        estimate: Estimator,
        write: Callable[..., Awaitable[None]],  # durable, audit-grade write of ops
        audit: AuditSink | None = None,
        on_duty: Callable[[TaskWork, datetime], bool] = lambda work, now: True,
    ) -> None:
        self.ledger = ledger
        self.approvals = approvals
        self.bus = bus
        self.clock = clock
        self.ids = ids
        self.pricing = pricing
        self.estimate = estimate
        self.audit = audit
        self.on_duty = on_duty
        self.write = write
        self._held: dict[str, Reservation] = {}  # turn id -> reservation of the call in flight
        # Caches of the owner's settings (engine.office.decisions keeps them in step with the database).
        self.owner_domains: tuple[str, ...] = ()
        self.auto_approved: frozenset[tuple[str, str]] = frozenset()  # (employee id, qualified tool name)
        self._overran: dict[str, float] = {}  # turn id -> by how much its last call was billed above the worst case
        # turn id -> the price its call in flight was reserved at: settled at that price, whatever the owner
        # switches meanwhile (`budget simulate` turned on mid-call had billed a $0 reservation as an overrun)
        self._priced: dict[str, tuple[Price, bool]] = {}

    # --- model calls ----------------------------------------------------------------------------

    async def before_model(self, work: TaskWork, messages: Sequence[Message]) -> None:
        now = self.clock.now()
        if not self.on_duty(work, now):
            raise Parked("parked", "off duty: the turn stopped at the end of working hours", "off_duty")
        price, simulated = self.pricing.for_config(work.config)
        amount = 0.0
        if price.input_per_mtok or price.output_per_mtok:
            amount = self.estimate(work.config, messages, work.belt.schemas(), price)
        self._held[work.turn_id] = await self._reserve(work, amount)
        self._priced[work.turn_id] = (price, simulated)

    async def _reserve(self, work: TaskWork, amount: float) -> Reservation:
        """Reserve `amount`; wait while only others' in-flight reservations are in the way, else park."""
        while True:
            outcome = self.ledger.reserve(work.employee_id, work.turn_id, self.clock.now(), amount)
            if isinstance(outcome, Reservation):
                return outcome
            if not outcome.waits:
                await self._refuse(work, outcome)
            await self.ledger.released()  # their calls settle at or below what they hold: room may come back

    async def _refuse(self, work: TaskWork, refusal: Refusal) -> None:
        reason = refusal.reason()
        if self.audit is not None:
            data = {"task_id": work.task_id, "scope": refusal.scope, "kind": refusal.kind,
                    "limit_usd": refusal.limit_usd, "spent_usd": refusal.spent_usd,
                    "reserved_usd": refusal.reserved_usd, "needed_usd": refusal.needed_usd,
                    "reason": reason}  # fmt: skip
            await self.write(self.audit.op("budget_refused", data, employee_id=work.employee_id, ts=self._now()))
        self.bus.publish(EscalationRaised(employee_id=work.employee_id, task_id=work.task_id, reason=reason))
        raise Parked("parked", reason, "over_budget")

    def release(self, work: TaskWork) -> None:
        self._priced.pop(work.turn_id, None)
        held = self._held.pop(work.turn_id, None)
        if held is not None:
            self.ledger.release(held)

    def settle(self, work: TaskWork, reply: ModelReply) -> tuple[ModelReply, Sequence[Op]]:
        reserved_at = self._priced.pop(work.turn_id) if work.turn_id in self._priced else None
        price, simulated = reserved_at or self.pricing.for_config(work.config)
        cost = reply.cost_usd
        if simulated:
            cost = (reply.prompt_tokens * price.input_per_mtok + reply.completion_tokens * price.output_per_mtok) / 1e6
            reply = replace(reply, cost_usd=cost, simulated_cost=True)
        held = self._held.pop(work.turn_id, None)
        overrun = self.ledger.settle(held, cost) if held is not None else 0.0
        ops: list[Op] = []
        if overrun:
            assert held is not None
            self._overran[work.turn_id] = overrun
            if self.audit is not None:
                data = {"task_id": work.task_id, "model": reply.model, "reserved_usd": round(held.amount, 8),
                        "billed_usd": round(cost, 8), "prompt_tokens": reply.prompt_tokens,
                        "completion_tokens": reply.completion_tokens, "reason": OVERBILLED}  # fmt: skip
                ops.append(self.audit.op("provider_overbilled", data, employee_id=work.employee_id, ts=self._now()))
            # Durable: the day stays held after a restart, as the README promises, until the owner raises it.
            for scope, day, limit in self.ledger.overruns(held):
                ops.append(put_setting(overrun_key(scope, day), repr(limit)))
        if self.audit is not None:
            data = {
                "task_id": work.task_id,
                "model": reply.model,
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "cost_usd": round(cost, 8),
                "brief_version": work.brief_version,
                "rehearsal": reply.rehearsal,
                "simulated": reply.simulated_cost,
            }
            ops.append(self.audit.op("model_call", data, employee_id=work.employee_id, ts=self._now()))
        return reply, ops

    def settled(self, work: TaskWork, reply: ModelReply) -> None:
        overrun = self._overran.pop(work.turn_id, 0.0)
        if overrun:
            reason = f"{OVERBILLED} (${reply.cost_usd:.4f} billed, ${overrun:.4f} above it); {STOPPED}"
            self.bus.publish(EscalationRaised(employee_id=work.employee_id, task_id=work.task_id, reason=reason))
        if reply.cost_usd or reply.simulated_cost:
            self.publish_spend(work.employee_id, simulated=reply.simulated_cost)

    def turn_ended(self, work: TaskWork) -> None:
        self.release(work)  # a call still held (it never settled) gives its reservation back
        self._overran.pop(work.turn_id, None)
        self.ledger.end_turn(work.turn_id)

    def publish_spend(self, employee_id: str, *, simulated: bool = False) -> None:
        self.bus.publish(self.spend_event(employee_id, simulated=simulated))

    def spend_event(self, employee_id: str, *, simulated: bool = False) -> SpendChanged:
        """Today's spend against the employee's daily ceiling."""
        scope = employee_scope(employee_id)
        day = self.ledger.day_of(scope, self.clock.now())
        limit = self.ledger.day_limit(scope, day)
        office_day = self.ledger.day_of(OFFICE, self.clock.now())
        office_limit = self.ledger.day_limit(OFFICE, office_day)
        standing = self.ledger.ceiling(scope).per_day_usd
        return SpendChanged(
            employee_id=employee_id,
            today_usd=self.ledger.spent(scope, day),
            ceiling_usd=None if limit is None or math.isinf(limit) else limit,  # removed by the owner: none
            simulated=simulated,
            daily_ceiling_usd=None if standing is None or math.isinf(standing) else standing,
            day=day,
            office_today_usd=self.ledger.spent(OFFICE, office_day),
            office_ceiling_usd=None if office_limit is None or math.isinf(office_limit) else office_limit,
        )

    # --- tool calls -----------------------------------------------------------------------------

    def bounds(self, work: TaskWork) -> Bounds:
        """What counts as inside for this employee: the owner's domains, narrowed by its brief."""
        owner = self.owner_domains
        brief = work.brief
        if brief is not None and brief.recipient_domains is not None:
            owner = tuple(d for d in brief.recipient_domains if inside(d, owner))
        return Bounds(owner, tuple(brief.allowed_domains) if brief is not None else ())

    def judge(self, work: TaskWork, spec: ToolSpec, arguments: dict[str, Any]) -> Judged:
        """The call's risk from its arguments, then as the brief raises (or, within limits, lowers) it."""
        judged = spec.judge(arguments, self.bounds(work))
        if work.brief is None:
            return judged
        override = work.brief.approvals.risk_override(spec.qualified_name, spec.name)
        return overridden(judged, override, spec.qualified_name)

    async def before_tool(
        self, work: TaskWork, call: ToolCall, spec: ToolSpec, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        policy = work.brief.approvals if work.brief is not None else None
        judged = self.judge(work, spec, arguments)
        if policy is not None and policy.needs_approval(judged.risk, spec.qualified_name, spec.name):
            arguments = await self._gate(work, call, spec, arguments, judged)
        if spec.price_usd > 0:
            held = await self._reserve(work, spec.price_usd)
            self.ledger.settle(held, spec.price_usd)  # a priced call costs its price once it runs
            self.publish_spend(work.employee_id)  # the owner sees it at once, not at the next paid model call
        return arguments

    async def _gate(
        self, work: TaskWork, call: ToolCall, spec: ToolSpec, arguments: dict[str, Any], judged: Judged
    ) -> dict[str, Any]:
        existing = await self.approvals.for_call(work.task_id, call.id)
        if existing is not None:
            if existing.status == "approved":
                return existing.arguments_to_run()
            if existing.status == "rejected":
                note = f": {existing.note}" if existing.note else ""
                raise ToolError(f"the owner rejected {call.name}{note}. Do not try it again another way.")
            if existing.status == "expired":
                raise ToolError(f"nobody approved {call.name} in time; it was escalated to the owner")
            raise Parked("waiting", f"waiting for the owner to approve {spec.qualified_name}", "awaiting_approval")
        # Before any auto-approval: a standing setting is no go-ahead after the owner said no in this task.
        rejected = await self.approvals.stopped_by(work.task_id)
        if rejected is not None:
            raise Parked(
                "parked",
                f"the owner rejected {rejected.tool}; ask before trying another risky action "
                f"(this task wanted {spec.qualified_name} next; reply to the task to let it go on)",
            )
        if (work.employee_id, spec.qualified_name) in self.auto_approved:
            if self.audit is not None:
                data = {"task_id": work.task_id, "tool": spec.qualified_name, "risk": judged.risk,
                        "decision": "approved", "auto": True, "arguments": arguments}  # fmt: skip
                await self._write(self.audit.op("approval_decided", data, employee_id=work.employee_id, ts=self._now()))
            return arguments
        request = self.approvals.new_request(
            self.ids.new("appr"),
            employee_id=work.employee_id,
            task_id=work.task_id,
            call_id=call.id,
            tool=spec.qualified_name,  # which tool, whatever name the model knew it by
            arguments=arguments,
            risk=judged.risk,
            now=self.clock.now(),
        )
        ops = [self.approvals.request_op(request)]
        if self.audit is not None:
            data = {"approval_id": request.id, "task_id": work.task_id, "tool": spec.qualified_name,
                    "risk": judged.risk, "why": judged.why, "arguments": arguments}  # fmt: skip
            ops.append(self.audit.op("approval_requested", data, employee_id=work.employee_id, ts=self._now()))
        await self._write(*ops)
        self.bus.publish(
            ApprovalRequested(
                approval_id=request.id,
                employee_id=work.employee_id,
                task_id=work.task_id,
                tool=spec.qualified_name,
                arguments_json=request.arguments,
                risk=judged.risk,
                reason=f"{judged.risk.replace('_', ' ')} needs your approval"
                + (f": {judged.why}" if judged.why else ""),
            )
        )
        raise Parked("waiting", f"waiting for the owner to approve {spec.qualified_name}", "awaiting_approval")

    def tool_settle_ops(
        self, work: TaskWork, call: ToolCall, spec: ToolSpec | None, arguments: dict[str, Any], status: str, result: str
    ) -> Sequence[Op]:
        if self.audit is None:
            return ()
        data = {
            "task_id": work.task_id,
            "tool": spec.qualified_name if spec else call.name,
            # a tool not on the belt has no risk of its own: it never ran, and "read only" would hide the attempt
            "risk": self.judge(work, spec, arguments).risk if spec else "not on the belt",
            "arguments": arguments,
            "status": status,
            "result_sha256": hashlib.sha256(result.encode()).hexdigest(),
        }
        return (self.audit.op("tool_call", data, employee_id=work.employee_id, ts=self._now()),)

    # --- plumbing -------------------------------------------------------------------------------

    async def _write(self, *ops: Op) -> None:
        await self.write(*ops)

    def _now(self) -> str:
        return self.clock.now().isoformat()
