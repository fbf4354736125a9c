"""What the agent loop is given to work (TaskWork) and what it reports back (Outcome)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from engine.briefs import Brief
from engine.events import Status
from engine.llm.types import Message, ModelConfig
from engine.tools.registry import Belt


@dataclass(frozen=True, slots=True)
class TaskWork:
    """Everything the loop needs to work one task; built by the office's scheduler from the brief."""

    employee_id: str
    task_id: str
    task_body: str
    brief_version: str
    system_prompt: str
    belt: Belt
    config: ModelConfig
    workspace: Path
    max_actions: int = 25
    context: Sequence[Message] = field(default=())  # memory etc., after the brief, before the task
    brief: Brief | None = None  # for guardrails: approval policy, hours, ceilings
    team: str | None = None
    turn_id: str = ""  # set by the loop when the turn starts
    memory_ids: tuple[str, ...] = ()  # the memories given in `context`, linked to each model step


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Literal["done", "parked", "uncertain", "waiting", "review", "failed"]
    summary: str
    employee_status: Status = "idle"
