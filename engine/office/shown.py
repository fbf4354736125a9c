"""What `roster` and `budget` show, from plain inputs: the office and the reading front
(engine.office.reading) both build their answers here, so the two cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from engine.guardrails.budget import OFFICE, BudgetLedger, employee_scope, period_days, team_scope
from engine.store.records import EmployeeRecord

if TYPE_CHECKING:
    from engine.llm.types import ModelConfig

COST_WINDOW = timedelta(days=32)  # a month and a day: every period `budget` shows
PERIODS = ("today", "week", "month")


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

    # Each scope's periods once (its today is in its own time zone), each employee's scopes once: a month of
    # a busy office is thousands of rows.
    periods: dict[str, list[tuple[str, date, date]]] = {}
    scopes: dict[str, list[str]] = {}
    for employee_id, started, usd, rehearsal in costs:
        when = datetime.fromisoformat(started)
        for scope in scopes.get(employee_id) or scopes.setdefault(employee_id, ledger.scopes_of(employee_id)):
            if scope not in periods:
                today = ledger.date_of(scope, now)
                periods[scope] = [(name, *period_days(today, name)) for name in PERIODS]
            day = ledger.date_of(scope, when)
            bucket = totals.setdefault(scope, dict.fromkeys(PERIODS, 0.0))
            for name, first, last in periods[scope]:
                if first <= day <= last:
                    bucket[name] += usd
            simulated[scope] = simulated.get(scope, False) or bool(rehearsal)

    def entry(scope: str, **extra: Any) -> dict[str, Any]:
        ceiling = ledger.ceiling(scope)
        day = ledger.day_of(scope, now)
        spend = totals.get(scope, dict.fromkeys(PERIODS, 0.0))
        return {
            **extra,
            "scope": scope,
            "day": day,  # the scope's today, in the time zone its day counts in
            **{k: round(v, 6) for k, v in spend.items()},
            "per_day_usd": _finite(ledger.day_limit(scope, day)),  # today's: with any extra allowed today
            "ceiling_per_day_usd": _finite(ceiling.per_day_usd),  # every day's, as set
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
