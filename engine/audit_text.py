"""Audit rows as one line a person can read: the window's audit viewer and `headcount audit show` share it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

# Every kind of row the audit log holds (what the viewer and `audit show --kind` filter on).
KINDS: Final = frozenset(
    {
        "model_call",
        "tool_call",
        "approval_requested",
        "approval_decided",
        "deliverable_submitted",
        "deliverable_decided",
        "budget_refused",
        "provider_overbilled",
        "budget_changed",
        "hours_changed",
        "owner_action",
        "hired",
        "brief_changed",
        "task_parked",
        "task_recovered",  # work cut short by a crash or a stop, put back by the process holding the run lock
        "restored",  # `headcount restore`: the database put back from a backup
        # teams (engine.teams)
        "hand_off",
        "sprint_planned",
        "sprint_approved",
        "sprint_rejected",
        "task_reassigned",
        "task_escalated",
        "sprint_edited",
        "task_split",
        "escalated_to_owner",
        "sprint_rolled_over",
    }
)

OVERBILLED: Final = "the provider billed more than the worst case"


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
            return f"{scope}: +{usd(float(get('usd') or 0))} today only"
        return f"{scope}: per turn {_usd(get('per_turn_usd'))}, per day {_usd(get('per_day_usd'))}"
    if kind == "provider_overbilled":
        return (
            f"{get('reason') or OVERBILLED}: ${float(get('billed_usd') or 0):.4f} billed, "
            f"${float(get('reserved_usd') or 0):.4f} reserved ({get('model', 'model')}, "
            f"{get('prompt_tokens', 0)}+{get('completion_tokens', 0)} tokens); today's budgets count as spent"
        )
    if kind == "budget_refused":
        return str(get("reason") or get("message") or "a call would cross a ceiling")
    if kind == "owner_action" and get("action") == "assign":
        return f"assign: {get('task_id')} {get('title')!r}"
    if kind == "owner_action":
        rest = {k: v for k, v in data.items() if k != "action" and v not in (None, "")}
        return f"{get('action')}: " + ", ".join(f"{k}={v}" for k, v in rest.items())
    if kind == "hired":
        return f"hired {get('name')} as {get('role')}" + (f" ({get('team')} team)" if get("team") else "")
    if kind == "brief_changed":
        return f"brief {str(get('from', ''))[:10]} → {str(get('to', ''))[:10]}" + (" by the owner" if get("by") else "")
    if kind == "task_parked":
        return f"parked: {get('reason')}"
    if kind == "task_recovered":
        return _recovered(data)
    if kind == "restored":
        kept = f"; the database it replaced is kept as {get('kept')}" if get("kept") else ""
        files = ", and the office's files" if get("files") == "restored" else ""
        return f"database restored from {get('source')}{files}{kept}"
    if kind == "hours_changed":
        return f"now {str(get('status', '')).replace('_', ' ')}"
    if kind.startswith("deliverable"):
        return ", ".join(f"{k}={v}" for k, v in data.items() if k not in ("content",))[:200]
    return ", ".join(f"{k}={v}" for k, v in data.items())[:200]


def _recovered(data: Mapping[str, Any]) -> str:
    get = data.get
    why = f"the office {get('cause')}"
    if get("outcome") == "uncertain":
        return f"{get('task_id')} parked as uncertain, {why}: {get('reason')}"
    if get("outcome") == "checked":
        return f"{get('task_id')} back in the queue, {why}; the interrupted {get('tool')} was checked: {get('result')}"
    return f"{get('task_id')} back in the queue, {why}"


def _args(value: Any) -> str:
    if not isinstance(value, dict) or not value:
        return ""
    text = ", ".join(f"{k}={v!r}" for k, v in value.items())
    return f"({text[:140]}{'…' if len(text) > 140 else ''})"


def _usd(value: Any) -> str:
    return "none" if value is None else usd(float(value))


def usd(amount: float) -> str:
    """Dollars as the owner reads them: cents, or four decimals under a cent ($0.0030 was "$0.00")."""
    return f"${amount:,.2f}" if abs(amount) >= 0.01 or amount == 0 else f"${amount:.4f}"
