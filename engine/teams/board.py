"""A team's board: each card in one column, derived from the status of the task that works it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from engine.store.records import CLOSED_TASKS, TaskRecord
from engine.store.teams import CardRecord

Column = Literal["backlog", "in_progress", "in_review", "waiting_owner", "done", "dropped"]
COLUMNS: tuple[Column, ...] = ("backlog", "in_progress", "in_review", "waiting_owner", "done", "dropped")
MOVABLE: tuple[Column, ...] = ("backlog", "in_progress", "in_review", "waiting_owner")  # by the card's owner
_BY_STATUS: dict[str, Column] = {
    "queued": "backlog",
    "running": "in_progress",
    "review": "in_review",
    "parked": "waiting_owner",
    "uncertain": "waiting_owner",
    "waiting": "waiting_owner",
    "done": "done",
    "failed": "dropped",
    "cancelled": "dropped",
}
CLOSED = CLOSED_TASKS


@dataclass(frozen=True, slots=True)
class Card:
    """A card as the board shows it."""

    record: CardRecord
    column: Column
    task_status: str | None

    @property
    def escalated(self) -> bool:
        return self.record.escalated_at is not None

    def as_json(self, names: dict[str, str]) -> dict[str, Any]:
        r = self.record
        return {
            "id": r.id,
            "key": r.key,
            "title": r.title,
            "owner": names.get(r.owner_id, r.owner_id),
            "owner_id": r.owner_id,
            "column": self.column,
            "task_id": r.task_id,
            "task_status": self.task_status,
            "sprint_id": r.sprint_id,
            "depends_on": r.dependencies,
            "deliverable": r.deliverable,
            "due": r.due,
            "escalated": self.escalated,
        }


def column_of(card: CardRecord, task: TaskRecord | None) -> Column:
    if task is None:
        return "backlog"
    if task.status not in CLOSED and card.moved_to in MOVABLE:
        return card.moved_to
    return _BY_STATUS.get(task.status, "backlog")


def cards_of(records: list[CardRecord], tasks: dict[str, TaskRecord]) -> list[Card]:
    out = []
    for record in records:
        task = tasks.get(record.task_id) if record.task_id else None
        out.append(Card(record, column_of(record, task), task.status if task else None))
    return out


def render(team: str, cards: list[Card], names: dict[str, str]) -> str:
    """The board as text, one section per column."""
    lines = [f"Board of {team}"]
    for column in COLUMNS:
        inside = [c for c in cards if c.column == column]
        if not inside:
            continue
        lines.append(f"\n{column.replace('_', ' ')} ({len(inside)})")
        for card in inside:
            flag = "  [escalated]" if card.escalated else ""
            due = f"  due {card.record.due}" if card.record.due else ""
            who = names.get(card.record.owner_id, card.record.owner_id)
            # the task's id, which reassign, split and escalate take (the card's, before it has a task)
            ref = card.record.task_id or card.record.id
            lines.append(f"  {ref:<26} {card.record.title[:60]:<60} {who}{due}{flag}")
    if not cards:
        lines.append("(no cards yet: start a sprint with `headcount sprint TEAM GOAL`)")
    return "\n".join(lines)
