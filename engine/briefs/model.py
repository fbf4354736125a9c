"""The brief: what one employee is for, how it works, and what it may use.

The front matter of a brief file validates into `BriefFields`; the loader adds the body, the
source file and the version to make a `Brief`. Every model is frozen and forbids unknown keys.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from engine.briefs.errors import suggest
from engine.briefs.schedule import Span, parse_window, window_text, working_at
from engine.llm.types import REHEARSAL_MODEL, ModelConfig, Price
from engine.tools.base import RISKS, Risk
from engine.tools.domains import check_domain
from engine.tools.names import QUALIFIED, local_names

Function = Literal["marketing", "sales", "support", "ops", "legal", "assistant", "engineering", "custom"]
FUNCTIONS: tuple[Function, ...] = (
    "marketing", "sales", "support", "ops", "legal", "assistant", "engineering", "custom",
)  # fmt: skip
MemoryKind = Literal["tone", "preferences", "customers", "contacts", "decisions", "facts", "feedback"]
Hair = Literal["short", "long", "curly", "bun", "ponytail", "buzz", "bald"]
Accessory = Literal["none", "glasses", "headset", "cap", "scarf", "tie", "earrings"]
Desk = Literal["standard", "standing", "corner"]

SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _slug(value: str) -> str:
    if len(value) > 48 or not SLUG.match(value):
        raise ValueError(f"expected a lowercase id like 'content-writer' (a-z, 0-9, dashes), got {value!r}")
    return value


def _tool_name(value: str) -> str:
    if not QUALIFIED.match(value):
        hint = ""
        namespace, dot, bare = value.partition(".")
        if dot and namespace.startswith("mcp:") and QUALIFIED.match(f"{namespace}.x"):
            # A server's own name a brief cannot write (`9lives`): it goes by another, as `connect` shows.
            hint = f"; a server's tool goes by the name `headcount connections` shows (here likely {namespace}."
            hint += f"{local_names((bare,))[bare]})"
        raise ValueError(
            f"expected a tool name like 'read_file', 'acme.send_email' or 'mcp:files.*', got {value!r}{hint}"
        )
    return value


def _domain(value: str) -> str:
    """A web domain a brief allows `web_fetch` to read (its subdomains too); one owner's, never a public suffix."""
    return check_domain(value)


def _color(value: str) -> str:
    if not HEX_COLOR.match(value):
        raise ValueError(f"expected a colour like '#3b82f6', got {value!r}")
    return value.lower()


Slug = Annotated[str, AfterValidator(_slug)]
# Words the command line reads in a team's place (`sprint approve SPRINT`, `budget set office`): never a team id.
RESERVED_TEAMS = frozenset({"show", "edit", "approve", "reject", "office"})


def _team(value: str) -> str:
    if value in RESERVED_TEAMS:
        raise ValueError(
            f"{value!r} is a word the commands use ({', '.join(sorted(RESERVED_TEAMS))}); choose another team id"
        )
    return value


TeamId = Annotated[Slug, AfterValidator(_team)]
ToolName = Annotated[str, AfterValidator(_tool_name)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EscalationRule(_Strict):
    """Hand something over: `when` in plain words, `to` the owner or another role's id."""

    when: Text
    to: Slug = "owner"


def server_address(value: str) -> str:
    """A model server's address, like http://127.0.0.1:11434 (its scheme and host at least)."""
    if not re.match(r"^https?://(\[[0-9a-fA-F:.]+\]|[^\s/:\[\]]+)(:\d+)?(/\S*)?$", value.strip()):
        raise ValueError(f"expected a server address like http://127.0.0.1:11434, got {value!r}")
    return value.strip()


class DeclaredPrice(_Strict):
    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)


class ModelChoice(_Strict):
    """Which model the employee thinks with. No name means rehearsal (offline, $0)."""

    name: str | None = None  # any litellm model string, e.g. "anthropic/claude-sonnet-4-5"
    fallback: str | None = None
    api_base: str | None = None
    api_key_name: str | None = None  # the keyring entry holding the key, never the key itself
    price: DeclaredPrice | None = None
    max_output_tokens: int = Field(default=1024, ge=1, le=200_000)

    @field_validator("api_base")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else server_address(value)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, str):
            return {"name": value}
        return value

    def to_config(self) -> ModelConfig:
        price = self.price
        return ModelConfig(
            model=self.name or REHEARSAL_MODEL,
            fallback=self.fallback,
            api_base=self.api_base,
            api_key_name=self.api_key_name,
            price=Price(price.input_per_mtok, price.output_per_mtok) if price else None,
            max_output_tokens=self.max_output_tokens,
        )


class Window(_Strict):
    """A weekly working window, written `mon-fri 09:00-17:30` or `sat,sun 10:00-14:00` (engine.briefs.schedule)."""

    days: tuple[int, ...]  # 0 = Monday
    start_minute: int = Field(ge=0, le=24 * 60)
    end_minute: int = Field(ge=0, le=24 * 60)

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"expected a window like 'mon-fri 09:00-17:30', got a {type(value).__name__}")
        return parse_window(value)._asdict()

    def span(self) -> Span:
        return Span(self.days, self.start_minute, self.end_minute)

    def __str__(self) -> str:
        return window_text(self.span())


MACHINE_ZONES = frozenset({"localtime", "posixrules"})  # /usr/share/zoneinfo files that name no place


class WorkingHours(_Strict):
    """`24/7`, or a timezone with weekly windows and days off."""

    always: bool = False
    timezone: str = "UTC"
    windows: tuple[Window, ...] = ()
    days_off: tuple[dt.date, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and value.strip().lower() == "24/7"):
            return {"always": True}
        if isinstance(value, str):
            raise ValueError(f"expected '24/7' or a mapping with timezone, windows, got {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value.lower() in MACHINE_ZONES or value.startswith(("posix/", "right/")):  # files, not places
            raise ValueError(
                f"expected a place's IANA timezone like 'Europe/London', got {value!r}: it follows whatever "
                "this machine is set to, so the hours would move with it"
            )
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            hint = suggest(value, zoneinfo.available_timezones())
            raise ValueError(f"expected an IANA timezone like 'Europe/London', got {value!r}{hint}") from None
        return value

    @model_validator(mode="after")
    def _check(self) -> WorkingHours:
        if not self.always and not self.windows:
            raise ValueError("expected at least one window like 'mon-fri 09:00-17:30', or 'hours: 24/7'")
        return self

    def is_working(self, at: dt.datetime) -> bool:
        """Whether `at` (aware; naive means UTC) falls inside the working hours."""
        return self.always or working_at(self.timezone, [w.span() for w in self.windows], self.days_off, at)

    def works_on(self, day: dt.date) -> bool:
        """Whether `day` (where the hours are kept) has a working window and is not a day off."""
        return self.always or (day not in self.days_off and any(day.weekday() in w.days for w in self.windows))


class Budget(_Strict):
    """Spending ceilings in USD; none means no ceiling of that kind."""

    # Finite and at most what the command line takes (engine.cli_input.MAX_USD): `.inf` is no ceiling at all.
    per_turn_usd: float | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)
    per_day_usd: float | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)


def _risk_or_tool(value: str) -> str:
    if value in RISKS:
        return value
    hint = suggest(value, RISKS)
    if hint:  # a misspelt risk must not pass as the name of a tool nobody has
        raise ValueError(f"expected one of {', '.join(RISKS)} or a tool name, got {value!r}{hint}")
    if not QUALIFIED.match(value):
        raise ValueError(f"expected a risk level ({', '.join(RISKS)}) or a tool name like 'send_email', got {value!r}")
    return value


class ApprovalPolicy(_Strict):
    """Tool risks, and named tools, that wait for the owner's approval before they run."""

    require: tuple[Annotated[str, AfterValidator(_risk_or_tool)], ...] = (
        "external_comm",
        "spends_money",
        "destructive",
    )

    # Per tool name: the risk its calls count as. Raising always applies; lowering never takes a call
    # below external communication or below what its arguments show (engine.tools.argrisk.overridden).
    risk: dict[ToolName, Risk] = Field(default_factory=dict, max_length=100)

    def risk_override(self, *tool_names: str) -> Risk | None:
        """The brief's risk for a tool known by any of `tool_names`, if it sets one."""
        return next((self.risk[name] for name in tool_names if name in self.risk), None)

    def needs_approval(self, risk: Risk, *tool_names: str) -> bool:
        """Whether a call of this risk, to a tool known by any of `tool_names`, waits for the owner."""
        return risk in self.require or any(name in self.require for name in tool_names)


class MemorySettings(_Strict):
    enabled: bool = True
    remember: tuple[MemoryKind, ...] = ("tone", "preferences", "decisions")
    retention_days: int | None = Field(default=None, ge=1)


class Appearance(_Strict):
    """How the employee and its desk look in the office."""

    color: Annotated[str, AfterValidator(_color)] = "#64748b"
    hair: Hair = "short"
    accessory: Accessory = "none"
    desk: Desk = "standard"

    def as_pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple((k, str(v)) for k, v in self.model_dump().items())


class BriefFields(_Strict):
    """Everything a brief file's front matter may hold."""

    id: Slug
    title: Line
    function: Function
    team: TeamId | None = None
    lead: bool = False
    goals: tuple[Text, ...] = Field(min_length=1, max_length=20)
    tone: Text = "Clear, friendly and professional."
    constraints: tuple[Text, ...] = Field(default=(), max_length=30)
    success_criteria: tuple[Text, ...] = Field(default=(), max_length=20)
    escalate: tuple[EscalationRule, ...] = Field(default=(), max_length=20)
    tools: tuple[ToolName, ...] = ()
    allowed_domains: tuple[Annotated[str, AfterValidator(_domain)], ...] = Field(default=(), max_length=100)
    # Recipients inside these count as internal; narrows the owner's domains (never widens them).
    recipient_domains: tuple[Annotated[str, AfterValidator(_domain)], ...] | None = Field(default=None, max_length=100)
    connections: tuple[Slug, ...] = ()
    skills: tuple[Slug, ...] = ()
    model: ModelChoice = ModelChoice()
    hours: WorkingHours = WorkingHours(always=True)
    heartbeat_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    max_actions_per_turn: int = Field(default=25, ge=1, le=200)
    budget: Budget = Budget()
    approvals: ApprovalPolicy = ApprovalPolicy()
    probation: int = Field(default=3, ge=0, le=100)
    memory: MemorySettings = MemorySettings()
    appearance: Appearance = Appearance()


class Brief(BriefFields):
    """A validated brief. `version` is the first 16 hex digits of the sha256 of the file's bytes."""

    body: str
    source: Path
    version: str
    warnings: tuple[str, ...] = ()  # e.g. a belt above 12 tools; shown to the owner, never fatal
