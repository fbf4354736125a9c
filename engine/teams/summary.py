"""The weekly summary of a team, as Markdown: what shipped, what is blocked, what it cost, what needs a decision."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine.store.teams import SprintRecord
from engine.teams.board import Card


def weekly_summary(
    team: str,
    now: datetime,
    cards: Sequence[Card],
    names: dict[str, str],
    spent_usd: float,
    proposed: Sequence[SprintRecord],
    since: str,
) -> str:
    def who(card: Card) -> str:
        return names.get(card.record.owner_id, card.record.owner_id)

    shipped = [c for c in cards if c.column == "done" and c.record.created_at >= since[:10]]
    blocked = [c for c in cards if c.column == "waiting_owner" or (c.escalated and c.column not in ("done", "dropped"))]
    lines = [f"# Week of {team}, to {now.date().isoformat()}", "", "## Shipped"]
    lines += [f"- {c.record.title} ({who(c)})" for c in shipped] or ["- nothing yet"]
    lines += ["", "## Blocked"]
    lines += [
        f"- {c.record.title} ({who(c)}, {'escalated' if c.escalated else c.column.replace('_', ' ')})" for c in blocked
    ]
    if not blocked:
        lines.append("- nothing")
    lines += ["", "## Spent", f"- ${spent_usd:.2f} on the board's tasks in the last 7 days", "", "## Decisions needed"]
    decisions = [f"- approve sprint {s.id}: {s.goal} (`headcount sprint approve {s.id}`)" for s in proposed]
    decisions += [f"- {c.record.title}: waiting for you ({who(c)})" for c in cards if c.column == "waiting_owner"]
    decisions += [  # a deliverable the owner reviews (probation), not a teammate's hand-off into review
        f"- {c.record.title}: its deliverable waits for your review ({who(c)}; `headcount review`)"
        for c in cards
        if c.task_status == "review"
    ]
    lines += decisions or ["- none"]
    return "\n".join(lines) + "\n"
