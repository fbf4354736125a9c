"""The window's data types: plain values panels show and hand to callbacks. Qt-free, so the bridge,
settings_apply and tests use them without a widget, and panels import them from here.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

InboxKind = Literal["approval", "review", "escalation"]


@dataclass(frozen=True, slots=True)
class BriefProblem:
    """What is wrong with an edited brief; `line` is 1-based within the text, when known."""

    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class RoleInfo:
    id: str
    title: str
    team: str | None = None
    summary: str = ""


@dataclass(frozen=True, slots=True)
class CustomRole:
    """The new-role answers; the briefs package turns them into a validated brief file."""

    title: str
    function: str  # a category from the briefs vocabulary (marketing, sales, ..., custom)
    goals: tuple[str, ...]
    tone: str
    tools: tuple[str, ...]
    name: str = ""
    body: str = ""  # the brief in the owner's own words


@dataclass(frozen=True, slots=True)
class Provider:
    id: str
    label: str
    default_model: str
    needs_key: bool
    local: bool = False


PROVIDERS: tuple[Provider, ...] = (
    Provider("rehearsal", "Rehearsal (offline, free, not real output)", "rehearsal/office-1", False),
    Provider("openai", "OpenAI", "gpt-4o-mini", True),
    Provider("anthropic", "Anthropic", "anthropic/claude-3-5-haiku-20241022", True),
    Provider("gemini", "Google Gemini", "gemini/gemini-1.5-flash", True),
    Provider("local", "Local server (Ollama, LM Studio, llama.cpp)", "ollama_chat/llama3.1", False, local=True),
)


class SettingsValues(BaseModel):
    """What the settings dialog shows and sends; stored (without the key) as the window's own setting."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # a field dropped since is ignored when read back

    provider: str = "rehearsal"
    model: str = "rehearsal/office-1"
    api_base: str = ""
    key: str = ""  # only ever travels to on_save, which hands it to the keyring; never kept
    key_stored: bool = False
    price_in_per_mtok: float = 0.0  # declared price for a local server (litellm cannot price it)
    price_out_per_mtok: float = 0.0
    simulate_model: str = ""  # charge rehearsal at this real model's prices, shown as simulated
    office_ceiling_per_day: float = 0.0  # 0 = leave the current ceiling
    employee_ceiling_per_day: float = 0.0
    office_hours: bool = False  # one schedule for everyone over each brief's `hours:`
    timezone: str = "UTC"
    always_on: bool = True
    start: str = "09:00"
    end: str = "17:00"
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    connected_apps: tuple[str, ...] = ()
    start_at_login: bool = False  # the owner's choice; the login entry follows it (app/autostart.py)


@dataclass(slots=True)
class EmployeeRow:
    id: str
    name: str
    role: str
    title: str
    team: str | None = None
    status: str = "idle"
    detail: str = ""
    current_task: str | None = None
    spend_today: float = 0.0
    spend_day: date | None = None  # the budget day spend_today is for, in the employee's time zone (the engine's)
    ceiling: float | None = None  # today's limit (the daily ceiling plus any extra allowed today)
    daily_ceiling: float | None = None  # the daily ceiling as set, for every day
    simulated: bool = False
    rehearsal: bool = True
    brief_error: str | None = None
    color: str | None = None


@dataclass(slots=True)
class TaskRow:
    id: str
    employee_id: str
    title: str
    status: str
    reason: str = ""
    parent_id: str | None = None


@dataclass(slots=True)
class InboxItem:
    id: str
    kind: InboxKind
    employee_id: str
    title: str
    body: str = ""
    task_id: str | None = None
    tool: str | None = None
    arguments_json: str = ""
    risk: str = ""
    uncertain: bool = False  # a side effect may or may not have happened: the owner says which


@dataclass(slots=True)
class StepRow:
    step_id: str
    employee_id: str
    task_id: str
    kind: str
    status: str
    tool: str | None = None
    cost_usd: float = 0.0
    summary: str = ""
    when: str = ""


@dataclass(frozen=True, slots=True)
class AuditRow:
    when: str  # ISO 8601
    employee_id: str
    employee: str
    kind: str  # model_call, tool_call, approval, budget, hours, owner, ...
    summary: str
    cost_usd: float = 0.0

    @property
    def day(self) -> str:
        return self.when[:10]


@dataclass(slots=True)
class ChatMessage:
    author: Literal["owner", "employee", "system"]
    text: str
    task_id: str | None = None
    rehearsal: bool = False
    streaming: bool = False


@dataclass(frozen=True, slots=True)
class DoctorRow:
    """One line of the doctor page: what `headcount doctor` says, and its fix when something is wrong."""

    name: str
    status: Literal["ok", "warn", "problem", "skip"]
    summary: str
    fix: str = ""


Graphics = dict[str, object] | str  # the pipe the office view draws with, or why it shows the 2D plan


Answer = str | Awaitable[str | None] | None  # an error to show, none, or the office's answer on its way


class Commands(Protocol):
    """What the window asks of the engine side. Every method returns at once."""

    custom_supported: bool
    settings: SettingsValues

    def assign(self, employee_id: str, text: str) -> None: ...
    def employee_opened(self, employee_id: str) -> None: ...
    def validate_brief(self, employee_id: str, text: str) -> BriefProblem | None: ...
    def save_brief(self, employee_id: str, text: str) -> None: ...
    def approve(self, item_id: str) -> None: ...
    def reject(self, item_id: str, reason: str) -> None: ...
    def edit_approve(self, item_id: str, arguments_json: str) -> None: ...
    def accept(self, item_id: str) -> None: ...
    def revise(self, item_id: str, comment: str) -> None: ...
    def dismiss(self, item_id: str) -> None: ...
    def roles(self) -> list[RoleInfo]: ...
    def tools(self) -> list[str]: ...
    def functions(self) -> list[str]: ...
    def resume(self, item_id: str) -> None: ...
    def resolve(self, item_id: str, happened: bool) -> None: ...
    def hire(self, role_id: str, name: str | None) -> Answer: ...
    def create_custom(self, answers: CustomRole) -> Answer: ...
    def audit_refresh(self) -> None: ...
    def audit_filter(self, employee_id: str | None, kind: str | None, day: str | None) -> None: ...
    def audit_verify(self) -> None: ...
    def audit_export(self, path: str, fmt: str) -> None: ...
    def keyring_note(self) -> str: ...
    def save_settings(
        self, values: SettingsValues, opened: SettingsValues | None = None
    ) -> str | Awaitable[str | None] | None: ...
    def call_in(self, employee_id: str | None, hours: float) -> None: ...
    def end_call_in(self, employee_id: str | None) -> None: ...
    def let_go(self, employee_id: str) -> None: ...
    def set_daily_ceiling(self, employee_id: str, usd: float) -> None: ...
    def allow_more_today(self, employee_id: str, usd: float) -> None: ...
    def employees(self) -> list[tuple[str, str]]: ...
    def dismiss_welcome(self) -> None: ...
    def doctor(self, online: bool, graphics: Graphics) -> list[DoctorRow] | Awaitable[list[DoctorRow]]: ...
