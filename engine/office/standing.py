"""What holds an employee, derived from durable tasks: the statuses the owner must see after any restart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.parked import MODEL_DOWN, is_over_budget
from engine.store.records import OPEN_TASKS

if TYPE_CHECKING:  # names only: a reading command does not build every event class
    from engine.events import Status
    from engine.store.records import TaskRecord

# Tasks that are not finished one way or another: what an employee's standing is read from.
OPEN = OPEN_TASKS


_HOLDS: tuple[tuple[str, Status], ...] = (
    ("uncertain", "blocked"),
    ("over_budget", "over_budget"),
    ("parked", "blocked"),
)


def is_model_down(task: TaskRecord) -> bool:
    return task.status == "parked" and task.reason.startswith(MODEL_DOWN)


def standing(tasks: Sequence[TaskRecord], *, on_duty: bool) -> tuple[Status, str] | None:
    """The status an employee's open tasks impose, most urgent first; None when nothing holds it.

    Waiting for the owner's approval, then a side effect of unknown outcome, then over budget, then
    any other parked task, then queued work outside working hours.
    """
    by_status: dict[str, TaskRecord] = {}
    for task in tasks:
        by_status.setdefault("over_budget" if is_over_budget(task) else task.status, task)
    if waiting := by_status.get("waiting"):
        return "awaiting_approval", f"waiting for your approval: {waiting.title}"
    for kind, status in _HOLDS:
        if held := by_status.get(kind):
            return status, held.reason
    if "queued" in by_status and not on_duty:
        return "off_duty", "outside working hours"
    return None


def shown_status(tasks: Sequence[TaskRecord], stored: tuple[str, str], *, on_duty: bool) -> tuple[str, str]:
    """What the roster shows: what holds the employee, else what it last showed (`stored`), unless that was
    "off duty" for queued work and it is on duty now (called in, or its shift began, since the office ran)."""
    held = standing(tasks, on_duty=on_duty)
    if held is not None:
        return held
    if stored[0] == "off_duty" and on_duty and any(t.status == "queued" for t in tasks):
        return "idle", ""
    return stored
