"""Money as stored: the owner's ceilings and one-off allowances, and what each step cost."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from engine.store.reading import QUARTER, SPENT_SINCE, quarter_start
from engine.store.schema import allowances, ceilings
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


# What one employee's steps cost since a moment, summed per quarter hour (as `SPENT_SINCE`, for one employee),
# read from ix_steps_paid alone (it holds the paid steps, with their employee and cost): a month of steps, free
# or paid, is never fetched. The zero is written out, not bound: SQLite uses a partial index only where the
# query's own terms imply its WHERE.
SPENT_BY_QUARTER = f"""
SELECT {QUARTER} AS q, sum(cost_usd) FROM steps INDEXED BY ix_steps_paid
WHERE started_at >= ? AND cost_usd > 0 AND employee_id = ? GROUP BY q
"""


def read_spend_by_quarter(conn: Connection, employee_id: str, since: str) -> list[tuple[str, float]]:
    """(when the quarter hour began, USD) of what the employee's steps cost from `since` on; a quarter of free
    steps only is left out. A quarter hour falls on one calendar day in every time zone."""
    return [(quarter_start(q), float(usd)) for q, usd in conn.exec_driver_sql(SPENT_BY_QUARTER, (since, employee_id))]


def read_costs_since(conn: Connection, since: str) -> list[tuple[str, str, float, bool]]:
    """(employee_id, quarter hour, USD, any rehearsal) of what each employee spent since `since`.

    Summed per quarter hour (its start stands for when: no quarter straddles a day in any time zone), and
    read from ix_steps_paid alone, which holds only the steps that cost something: a month of paid steps is
    a few thousand rows, and free ones are never read. See `engine.store.reading.SPENT_SINCE`.
    """
    return [(r[0], quarter_start(r[1]), r[2], bool(r[3])) for r in conn.exec_driver_sql(SPENT_SINCE, (since,))]
