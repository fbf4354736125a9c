"""What `roster` and `budget` show, from plain inputs: the office and the reading front
(engine.office.reading) both build their answers here, so the two cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from engine.guardrails.budget import OFFICE, BudgetLedger, employee_scope, period_days, team_scope
from engine.store.records import EmployeeRecord

if TYPE_CHECKING:
    from engine.llm.types import ModelConfig

COST_WINDOW = timedelta(days=32)  # a month and a day: every period `budget` shows


def roster_rows(
    records: Sequence[EmployeeRecord],
    running: dict[str, str],
    shown: Mapping[str, tuple[str, str]],
    configs: dict[str, ModelConfig],
    brief_errors: dict[str, str],
) -> list[dict[str, Any]]:
    """Who works here, what they are doing, as plain data (`roster --json`, the UI).

    `running`: employee id -> the title of its running task; `shown`: employee id -> (status, detail);
    `configs`: the model of everyone seated (an employee whose brief does not load has none).
    """
    rows: list[dict[str, Any]] = []
    for r in records:
        config = configs.get(r.id)
        status, detail = shown[r.id]
        rows.append(
            {
                "id": r.id,
                "name": r.name,
                "role": r.role,
                "title": r.title,
                "team": r.team,
                "status": status,
                "detail": detail,
                "current_task": running.get(r.id),
                "rehearsal": config.is_rehearsal if config else False,  # one who cannot work rehearses nothing
                "model": config.model if config else None,  # what it thinks with
                "probation_left": r.probation_left,
                "brief_error": brief_errors.get(r.id),
            }
        )
    return rows


def budget_report(
    costs: Sequence[tuple[str, str, float, bool]],
    ledger: BudgetLedger,
    employees: Sequence[tuple[str, str]],
    now: datetime,
) -> dict[str, Any]:
    """Spend per employee, team and office for today, this week and this month.

    `costs`: (employee id, started at, USD, rehearsal) of the steps since `now - COST_WINDOW`;
    `employees`: (id, name) of everyone seated, in roster order; `ledger` knows their scopes and ceilings.
    """
    report: dict[str, Any] = {"employees": [], "teams": [], "office": None}
    totals: dict[str, dict[str, float]] = {}
    simulated: dict[str, bool] = {}

    def add(scope: str, when: datetime, usd: float, rehearsal: bool) -> None:
        today = datetime.fromisoformat(ledger.day_of(scope, now)).date()
        day = datetime.fromisoformat(ledger.day_of(scope, when)).date()
        bucket = totals.setdefault(scope, {"today": 0.0, "week": 0.0, "month": 0.0})
        for period in ("today", "week", "month"):
            first, last = period_days(today, period)
            if first <= day <= last:
                bucket[period] += usd
        simulated[scope] = simulated.get(scope, False) or rehearsal

    for employee_id, started, usd, rehearsal in costs:
        for scope in ledger.scopes_of(employee_id):
            add(scope, datetime.fromisoformat(started), usd, bool(rehearsal))

    def entry(scope: str, **extra: Any) -> dict[str, Any]:
        ceiling = ledger.ceiling(scope)
        day = ledger.day_of(scope, now)
        spend = totals.get(scope, {"today": 0.0, "week": 0.0, "month": 0.0})
        return {
            **extra,
            "scope": scope,
            "day": day,  # the scope's today, in the time zone its day counts in
            **{k: round(v, 6) for k, v in spend.items()},
            "per_day_usd": _finite(ledger.day_limit(scope, day)),
            "per_turn_usd": _finite(ceiling.per_turn_usd),
            "simulated": simulated.get(scope, False),
        }

    for employee_id, name in employees:
        report["employees"].append(entry(employee_scope(employee_id), id=employee_id, name=name))
    for team in sorted(ledger.teams()):
        report["teams"].append(entry(team_scope(team), id=team))
    report["office"] = entry(OFFICE)
    return report


def _finite(limit: float | None) -> float | None:
    """A ceiling for display: none, whether never set or removed (infinite)."""
    return None if limit is None or math.isinf(limit) else limit
