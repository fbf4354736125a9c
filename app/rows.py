"""Engine records as the window's rows: steps, brief problems, role summaries; and the rehearsal pace.

Qt-free plain functions, so the bridge only routes and a test needs no window.
"""

from __future__ import annotations

import json
import os
from typing import Any

from app.forms import BriefProblem, StepRow


def role_summary(brief: Any) -> str:
    for attr in ("function", "summary", "description"):
        value = getattr(brief, attr, None)
        if isinstance(value, str) and value:
            return value
    return ""


def brief_problem(exc: Any) -> BriefProblem:
    first = exc.problems[0]
    where = f"field '{first.field}': " if first.field else ""
    more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
    return BriefProblem(where + first.message + more, first.line)


def step_row(s: Any) -> StepRow:
    summary = ""
    if s.kind == "tool":
        summary = (s.result or "")[:200]
    else:
        try:
            message = json.loads(s.result or "{}")
            calls = message.get("tool_calls") or []
            summary = (
                "calls " + ", ".join(c["function"]["name"] for c in calls) if calls else (message.get("content") or "")
            )
        except (json.JSONDecodeError, KeyError, TypeError):
            summary = ""
    if s.rehearsal:
        summary = "[rehearsal] " + summary
    return StepRow(s.id, s.employee_id, s.task_id, s.kind, s.status, s.tool, s.cost_usd, summary[:200], s.started_at)


DEFAULT_PACE = 25.0  # words per second: about a hosted model's speed, slow enough to watch someone type


def rehearsal_pace() -> float:
    """How fast rehearsing employees write in the window ($HEADCOUNT_REHEARSAL_PACE; 0 = instantly)."""
    try:
        return max(float(os.environ.get("HEADCOUNT_REHEARSAL_PACE", DEFAULT_PACE)), 0.0)
    except ValueError:
        return DEFAULT_PACE
