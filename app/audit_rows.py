"""The tamper-evident audit log as the viewer shows it: engine rows in, one-line summaries out.

Qt-free: the bridge asks the office (`office.history`) and these turn its answers into the panel's
rows and status line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from app.forms import AuditRow
from app.state import OfficeState
from engine.office import AUDIT_KINDS

if TYPE_CHECKING:
    from engine.office import Office

AUDIT_PAGE = 500  # newest rows per query; filters narrow the query itself, not just the page


def summarize(kind: str, data: Mapping[str, Any]) -> str:
    """One line a person can read for one audit row."""
    get = data.get
    if kind == "model_call":
        tokens = f"{get('prompt_tokens', 0)}+{get('completion_tokens', 0)} tokens"
        tags = " · rehearsal" if get("rehearsal") else ""
        tags += " · simulated price" if get("simulated") else ""
        return f"{get('model', 'model')}: {tokens}{tags}"
    if kind == "tool_call":
        risk = str(get("risk", "")).replace("_", " ")
        return f"{get('tool')} ({risk}): {get('status', '')} {_args(get('arguments'))}"
    if kind == "approval_requested":
        return f"asked to use {get('tool')} {_args(get('arguments'))}"
    if kind == "approval_decided":
        edited = " with edited arguments" if get("edited") else ""
        note = f": {get('note')}" if get("note") else ""
        return f"owner {get('decision')}{edited}{note}"
    if kind == "budget_changed":
        scope = str(get("scope", ""))
        if "usd" in data:
            return f"{scope}: +${float(get('usd') or 0):.2f} today only"
        return f"{scope}: per turn {_usd(get('per_turn_usd'))}, per day {_usd(get('per_day_usd'))}"
    if kind == "budget_refused":
        return str(get("reason") or get("message") or "a call would cross a ceiling")
    if kind == "owner_action":
        rest = {k: v for k, v in data.items() if k != "action" and v not in (None, "")}
        return f"{get('action')}: " + ", ".join(f"{k}={v}" for k, v in rest.items())
    if kind == "hired":
        return f"hired {get('name')} as {get('role')}" + (f" ({get('team')} team)" if get("team") else "")
    if kind == "brief_changed":
        return f"brief {str(get('from', ''))[:10]} → {str(get('to', ''))[:10]}" + (" by the owner" if get("by") else "")
    if kind == "task_parked":
        return f"parked: {get('reason')}"
    if kind == "hours_changed":
        return f"now {str(get('status', '')).replace('_', ' ')}"
    if kind.startswith("deliverable"):
        return ", ".join(f"{k}={v}" for k, v in data.items() if k not in ("content",))[:200]
    return ", ".join(f"{k}={v}" for k, v in data.items())[:200]


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


def _args(value: Any) -> str:
    if not isinstance(value, dict) or not value:
        return ""
    text = ", ".join(f"{k}={v!r}" for k, v in value.items())
    return f"({text[:140]}{'…' if len(text) > 140 else ''})"


def _usd(value: Any) -> str:
    return "none" if value is None else f"${float(value):.2f}"


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
