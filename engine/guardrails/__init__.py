"""Guardrails: what stops or shapes an employee's calls, below the model where no prompt can reach.

- `Guardrails` (checks.py): the loop's Guard. Off duty, the turn parks; a call whose worst case would
  cross a ceiling is refused; a tool whose risk the brief gates waits for the owner; each call is audited.
- `BudgetLedger` (budget.py): ceilings per turn, employee, team and office that fail closed.
- `ApprovalBook` (approvals.py): approval requests, durable and answered by the owner.
- `Pricing`, `worst_case_cost` (pricing.py): what a call costs, and the most it could.

The names below load on first use: the budget ledger alone (a reading command's `budget`) does not
import the checks, the agent loop and the tools with this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.lazy import lazy_attribute

if TYPE_CHECKING:
    from engine.guardrails.approvals import ApprovalBook, Decision
    from engine.guardrails.budget import (
        OFFICE,
        BudgetLedger,
        Ceiling,
        Refusal,
        Reservation,
        employee_scope,
        period_days,
        team_scope,
    )
    from engine.guardrails.checks import AuditSink, Guardrails
    from engine.guardrails.pricing import Estimator, Pricing, worst_case_cost

_LAZY = {
    "ApprovalBook": "engine.guardrails.approvals",
    "AuditSink": "engine.guardrails.checks",
    "BudgetLedger": "engine.guardrails.budget",
    "Ceiling": "engine.guardrails.budget",
    "Decision": "engine.guardrails.approvals",
    "Estimator": "engine.guardrails.pricing",
    "Guardrails": "engine.guardrails.checks",
    "OFFICE": "engine.guardrails.budget",
    "Pricing": "engine.guardrails.pricing",
    "Refusal": "engine.guardrails.budget",
    "Reservation": "engine.guardrails.budget",
    "employee_scope": "engine.guardrails.budget",
    "period_days": "engine.guardrails.budget",
    "team_scope": "engine.guardrails.budget",
    "worst_case_cost": "engine.guardrails.pricing",
}

__all__ = [
    "OFFICE",
    "ApprovalBook",
    "AuditSink",
    "BudgetLedger",
    "Ceiling",
    "Decision",
    "Estimator",
    "Guardrails",
    "Pricing",
    "Refusal",
    "Reservation",
    "employee_scope",
    "period_days",
    "team_scope",
    "worst_case_cost",
]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _LAZY, globals(), name)
