"""The tamper-evident audit log as the viewer shows it: engine rows in, one-line summaries out.

Qt-free: the bridge asks the office (`office.history`) and these turn its answers into the panel's
rows and status line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from app.forms import AuditRow
from app.state import OfficeState
from engine.audit_text import summarize
from engine.office import AUDIT_KINDS

if TYPE_CHECKING:
    from engine.office import Office

AUDIT_PAGE = 500  # newest rows per query; filters narrow the query itself, not just the page


def to_row(row: Any, name_of: Callable[[str], str]) -> AuditRow:
    """An `engine.audit_export.AuditRow` as the panel's row."""
    eid = row.employee_id or ""
    data = row.data if isinstance(row.data, dict) else {}
    cost = data.get("cost_usd") if row.kind == "model_call" else 0.0
    return AuditRow(
        when=row.ts,
        employee_id=eid,
        employee=name_of(eid) if eid else "Owner / office",
        kind=row.kind,
        summary=summarize(row.kind, data)[:300],
        cost_usd=float(cost or 0.0),
    )


def day_range(day: str | None) -> tuple[str | None, str | None]:
    """ISO `since`/`until` bounds for one local calendar day (`YYYY-MM-DD`), or no bounds."""
    if not day:
        return None, None
    first = date.fromisoformat(day)
    return first.isoformat(), (first + timedelta(days=1)).isoformat()


async def show_audit(
    office: Office, state: OfficeState, employee_id: str | None, kind: str | None, day: str | None
) -> None:
    """Read the newest rows matching the filter into the window's state."""
    since, until = day_range(day)
    found = await office.history.audit_rows(
        employee_id=employee_id, kind=kind, since=since, until=until, limit=AUDIT_PAGE
    )
    rows = [to_row(r, state.name_of) for r in found]
    people = sorted(((e.id, e.name) for e in state.employees.values()), key=lambda p: p[1])
    state.set_audit_choices(people, sorted(AUDIT_KINDS))
    shown = "newest " + str(AUDIT_PAGE) if len(rows) == AUDIT_PAGE else str(len(rows))
    state.set_audit(rows, f"Tamper-evident audit log · {shown} rows")


async def verify_audit(office: Office, state: OfficeState) -> None:
    report = await office.history.audit_verify()
    if report.ok:
        text = f"Verified: {report.rows} rows, the hash chain is intact (head {report.head[:12]})."
    else:
        text = f"Verification FAILED over {report.rows} rows: " + "; ".join(report.problems[:5])
    state.set_audit_verified(report.ok, text)
