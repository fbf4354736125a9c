"""Typed, frozen events the engine publishes. The UI subscribes and renders; it never decides.

Every event is plain data: safe to hand to another thread, log, or compare in a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal[
    "idle",
    "thinking",  # waiting on the model
    "typing",  # model is streaming text / writing a draft
    "tool",  # a tool is running
    "reading",  # reading a tool result or document
    "awaiting_approval",
    "blocked",  # parked: error, uncertain step, provider down, needs the owner
    "over_budget",
    "off_duty",
]
STATUSES: tuple[Status, ...] = (
    "idle",
    "thinking",
    "typing",
    "tool",
    "reading",
    "awaiting_approval",
    "blocked",
    "over_budget",
    "off_duty",
)

TaskStatus = Literal[
    "queued", "running", "waiting", "parked", "uncertain", "review", "done", "failed", "cancelled"
]  # fmt: skip
StepKind = Literal["model", "tool", "owner"]  # owner: a message from the owner inside the task
StepStatus = Literal["started", "finished", "failed", "uncertain"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every engine event."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EmployeeHired(Event):
    employee_id: str
    name: str
    role: str
    title: str
    team: str | None
    appearance: tuple[tuple[str, str], ...] = ()  # (key, value) pairs from the brief, e.g. ("color", "#3b82f6")
    rehearsal: bool = True
    brief_error: str | None = None  # set when its brief does not load: employed, but cannot work


@dataclass(frozen=True, slots=True, kw_only=True)
class EmployeeLeft(Event):
    employee_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChanged(Event):
    employee_id: str
    status: Status
    detail: str = ""  # human-readable: the current action, the reason it is blocked, ...


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskChanged(Event):
    task_id: str
    employee_id: str
    title: str
    status: TaskStatus
    reason: str = ""
    parent_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepStarted(Event):
    employee_id: str
    task_id: str
    step_id: str
    kind: StepKind
    tool: str | None = None
    attempt: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class StepFinished(Event):
    employee_id: str
    task_id: str
    step_id: str
    kind: StepKind
    status: StepStatus
    tool: str | None = None
    cost_usd: float = 0.0
    summary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextStreamed(Event):
    employee_id: str
    task_id: str
    delta: str
    rehearsal: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SpendChanged(Event):
    employee_id: str
    today_usd: float
    ceiling_usd: float | None  # today's limit: the daily ceiling and any extra the owner allowed today
    simulated: bool = False
    daily_ceiling_usd: float | None = None  # the daily ceiling itself, as the owner set it for every day
    day: str = ""  # the employee's budget day `today_usd` is for (`YYYY-MM-DD`, in its own time zone)
    office_today_usd: float | None = None  # the whole office today, for the status bar: no re-read after it
    office_ceiling_usd: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverableSubmitted(Event):
    """Finished work waiting for the owner's review (an employee on probation)."""

    deliverable_id: str
    employee_id: str
    task_id: str
    title: str
    round: int
    content: str  # what the owner is asked to accept: the report and the text of the files it wrote


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverableDecided(Event):
    deliverable_id: str
    employee_id: str
    task_id: str
    decision: Literal["accepted", "revise"]
    comment: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRequested(Event):
    approval_id: str
    employee_id: str
    task_id: str
    tool: str
    arguments_json: str
    risk: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalResolved(Event):
    approval_id: str
    employee_id: str
    decision: Literal["approved", "rejected", "expired"]
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationRaised(Event):
    employee_id: str
    task_id: str | None
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionsChanged(Event):
    """The owner changed something (from this process or another): a model, hours, a ceiling, a call-in."""

    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BriefInvalid(Event):
    """A brief failed validation; the other employees keep working."""

    path: str
    message: str


# Team events (sprints, stand-ups, hand-offs). Declared now so the office can animate them.


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingStarted(Event):
    team: str
    kind: Literal["sprint_planning", "standup", "review"]
    attendees: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingEnded(Event):
    team: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HandOff(Event):
    from_employee: str
    to_employee: str
    task_id: str
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SummarySent(Event):
    """A team's weekly summary was written at the end of the week (a notification for the owner)."""

    team: str
    week: str  # ISO week, e.g. 2026-W02
    path: str
    text: str
