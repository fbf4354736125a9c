"""One interface for every tool: built-in, connected apps and MCP servers alike."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from engine.clock import Clock, SystemClock
from engine.llm.types import ToolSchema
from engine.tools.lean import lean_schema
from engine.tools.names import BUILTIN, qualify

Risk = Literal["read_only", "internal_write", "external_comm", "spends_money", "destructive"]
RISKS: tuple[Risk, ...] = ("read_only", "internal_write", "external_comm", "spends_money", "destructive")
MAX_RESULT_CHARS = 20_000  # a result longer than this reaches the model cut, with a note saying so


def riskier(a: Risk, b: Risk) -> Risk:
    """The higher of two risk levels."""
    return a if RISKS.index(a) >= RISKS.index(b) else b


@dataclass(frozen=True, slots=True)
class Bounds:
    """What counts as inside for one employee: the owner's domains (narrowed by the brief), its web domains."""

    owner_domains: tuple[str, ...] = ()
    web_domains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Judged:
    """The risk of one call with its arguments, and why, in words the approval shows the owner."""

    risk: Risk
    why: str = ""


# Declared with a tool: the risk of a call given its arguments (see engine.tools.argrisk for the checks).
RiskOf = Callable[[Mapping[str, Any], Bounds], Judged]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments object
    risk: Risk = "read_only"
    idempotent: bool = True  # safe to run again after a crash; if False the engine journals intent first
    timeout_s: float = 30.0
    price_usd: float = 0.0  # per call, for paid APIs
    namespace: str = BUILTIN  # where it comes from: `builtin`, or a connection or server (`acme`, `mcp:github`)
    max_result_chars: int = MAX_RESULT_CHARS  # the most of its result the model reads (`cap_result`)
    risk_of: RiskOf | None = field(default=None, compare=False)  # None: every call is `risk`
    # What the model is shown of `parameters` (see engine.tools.lean), made once: every request sends it.
    shown: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shown", lean_schema(self.parameters))

    def judge(self, arguments: Mapping[str, Any], bounds: Bounds) -> Judged:
        """The risk of calling this tool with `arguments`: the declared check's, else the static risk."""
        if self.risk_of is None:
            return Judged(self.risk)
        return self.risk_of(arguments, bounds)

    @property
    def qualified_name(self) -> str:
        """`acme.read_file`, or a built-in's bare name: what briefs, journal and audit rows call it."""
        return qualify(self.namespace, self.name)

    def schema(self, name: str | None = None) -> ToolSchema:
        """The function schema the model sees, under `name` (its name on the belt) when given."""
        return {
            "type": "function",
            "function": {"name": name or self.name, "description": self.description, "parameters": self.shown},
        }


@dataclass(frozen=True, slots=True)
class ToolContext:
    employee_id: str
    task_id: str
    workspace: Path
    call_id: str = ""  # the model's id for this call: the same on every attempt, so effects can be keyed by it
    clock: Clock = field(default_factory=SystemClock)  # the office's: a tool that needs the time asks it
    timezone: str = "UTC"  # the employee's (its working hours'): a time written without an offset is in it


@dataclass(frozen=True, slots=True)
class Interrupted:
    """A non-idempotent call a crash cut short: its intent is journaled, its result is not."""

    task_id: str
    employee_id: str
    call_id: str
    tool: str  # qualified name
    arguments: str | None


@dataclass(frozen=True, slots=True)
class CrashCheck:
    """What the tool's own check found out about an interrupted call.

    `happened` True: it took effect, and `result` is what the model reads; False: it certainly did not,
    so it may run again; None: the check cannot tell, and `result` says why (the owner decides).
    """

    happened: bool | None
    result: str


# Asked after a crash about each interrupted call; None when no tool of this office can check it.
AfterCrash = Callable[[Interrupted], Awaitable[CrashCheck | None]]


class ToolError(Exception):
    """A tool failed in a way the employee should hear about (the message goes back to the model)."""


class MaybeDone(ToolError):
    """A call failed past its point of no return (an email handed to the server, never confirmed): it may have
    taken effect. Its step is journaled as uncertain and the task parks for the owner (`headcount resolve`), as
    after a crash: it never runs again on a guess. The message says what is unknown and why."""


class Tool(Protocol):
    @property
    def spec(self) -> ToolSpec: ...

    async def run(self, ctx: ToolContext, arguments: dict[str, Any]) -> str:
        """Run with validated arguments; return the text the model will read."""
        ...


A = TypeVar("A", bound=BaseModel)


class FunctionTool(Generic[A]):
    """A tool whose arguments are a pydantic model and whose body is an async function."""

    def __init__(
        self,
        name: str,
        description: str,
        args: type[A],
        fn: Callable[[ToolContext, A], Awaitable[str]],
        *,
        risk: Risk = "read_only",
        idempotent: bool = True,
        timeout_s: float = 30.0,
        price_usd: float = 0.0,
        namespace: str = BUILTIN,
        max_result_chars: int = MAX_RESULT_CHARS,
        risk_of: RiskOf | None = None,
    ) -> None:
        schema = args.model_json_schema()
        schema.pop("title", None)
        self._spec = ToolSpec(
            name, description, schema, risk, idempotent, timeout_s, price_usd, namespace, max_result_chars, risk_of
        )
        self._args = args
        self._fn = fn

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    async def run(self, ctx: ToolContext, arguments: dict[str, Any]) -> str:
        return await self._fn(ctx, self._args.model_validate(arguments))


def cap_result(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters and a note saying how much was cut and why."""
    if len(text) <= limit:
        return text
    return (
        f"{text[:limit]}\n[... cut here: {len(text) - limit:,} more characters; "
        f"a tool result is limited to {limit:,} characters. Ask for a smaller part if you need the rest.]"
    )


def parse_arguments(raw: str) -> dict[str, Any]:
    """Decode a model's argument text; raise ToolError with a message the model can act on."""
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        # Some of json's messages end in "at" ("Unterminated string starting at"): say it once.
        problem = exc.msg.removesuffix(" at")
        raise ToolError(f"arguments are not valid JSON ({problem} at position {exc.pos})") from None
    if not isinstance(value, dict):
        raise ToolError("arguments must be a JSON object")
    return value


def describe_validation_error(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors()]
    return "invalid arguments: " + "; ".join(parts)
