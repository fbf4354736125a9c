"""Parked: what stops a task and leaves it for the owner (or for later).

Raised by the guardrails (off duty, over budget, awaiting approval), by the loop (too many actions),
and by a tool that must wait for the owner (ask_owner); the loop turns it into the task's outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from engine.events import Status

if TYPE_CHECKING:
    from engine.store.records import TaskRecord

MODEL_DOWN = "the model is unavailable"  # the prefix of a task parked by a provider that kept failing
MODEL_REFUSED = "the model cannot take the work"  # ... by one that refused it (a key, a model name, the request)
OVER_BUDGET = "over budget"  # the prefix of every budget refusal's reason


class Parked(Exception):
    """Stop the task now and leave it for the owner (or for later).

    `status` is the task's new status; `employee_status` what the office shows for the employee.
    """

    def __init__(
        self,
        status: Literal["parked", "uncertain", "waiting"],
        reason: str,
        employee_status: Status = "blocked",
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.employee_status = employee_status


def is_over_budget(task: TaskRecord) -> bool:
    """Parked by a budget ceiling: only a new budget day or the owner frees it."""
    return task.status == "parked" and task.reason.startswith(OVER_BUDGET)
