"""Parked: what stops a task and leaves it for the owner (or for later).

Raised by the guardrails (off duty, over budget, awaiting approval), by the loop (too many actions),
and by a tool that must wait for the owner (ask_owner); the loop turns it into the task's outcome.
"""

from __future__ import annotations

from typing import Literal

from engine.events import Status

MODEL_DOWN = "the model is unavailable"  # the prefix of a task parked by a provider that kept failing
MODEL_REFUSED = "the model cannot take the work"  # ... by one that refused it (a key, a model name, the request)


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
