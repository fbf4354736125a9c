"""Money as stored: the owner's ceilings and one-off allowances, and what each step cost."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from engine.store.schema import allowances, ceilings, steps
from engine.store.writer import Op


def put_ceiling(scope: str, per_turn_usd: float | None, per_day_usd: float | None) -> Op:
    """Replace the ceiling of a scope (infinite: removed, even one a brief sets)."""
    values = {"scope": scope, "per_turn_usd": per_turn_usd, "per_day_usd": per_day_usd}
    return (insert(ceilings).prefix_with("OR REPLACE"), values)


def add_allowance(scope: str, day: str, usd: float) -> Op:
    """Allow a scope `usd` more on one day."""
    return (insert(allowances), {"scope": scope, "day": day, "usd": usd})


def read_ceilings(conn: Connection) -> list[tuple[str, float | None, float | None]]:
    """(scope, per_turn_usd, per_day_usd) of every ceiling the owner set."""
    return [(r.scope, r.per_turn_usd, r.per_day_usd) for r in conn.execute(select(ceilings))]


def read_allowances(conn: Connection) -> list[tuple[str, str, float]]:
    """(scope, day, usd) of every one-off allowance."""
    return [(r.scope, r.day, r.usd) for r in conn.execute(select(allowances))]


def read_costs_since(conn: Connection, since: str) -> list[tuple[str, str, float, bool]]:
    """(employee_id, started_at, cost_usd, rehearsal) of every step that cost something since `since`."""
    query = select(steps.c.employee_id, steps.c.started_at, steps.c.cost_usd, steps.c.rehearsal).where(
        steps.c.started_at >= since, steps.c.cost_usd > 0
    )
    return [(r[0], r[1], r[2], r[3]) for r in conn.execute(query)]
