"""The window's data types: plain values panels show and hand to callbacks. Qt-free, so the bridge,
settings_apply and tests use them without a widget, and panels import them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict


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
