"""Guardrails: what stops or shapes an employee's calls, below the model where no prompt can reach.

- `Guardrails` (checks.py): the loop's Guard. Off duty, the turn parks; a call whose worst case would
  cross a ceiling is refused; a tool whose risk the brief gates waits for the owner; each call is audited.
- `BudgetLedger` (budget.py): ceilings per turn, employee, team and office that fail closed.
- `ApprovalBook` (approvals.py): approval requests, durable and answered by the owner.
- `Pricing`, `worst_case_cost` (pricing.py): what a call costs, and the most it could.
"""

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
