"""Risk levels from MCP tool annotations, so tools from MCP servers pass the same approval gates.

MCP's hints are advisory and default to the cautious side (a tool with no annotations may be
destructive and talk to the outside world). We keep that caution: only an explicit
`readOnlyHint: true` makes a tool read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.tools.base import Risk


@dataclass(frozen=True, slots=True)
class Hints:
    """MCP `ToolAnnotations` fields, with the MCP specification's defaults."""

    read_only: bool = False
    destructive: bool = True
    idempotent: bool = False
    open_world: bool = True


def risk_from_hints(hints: Hints) -> tuple[Risk, bool]:
    """The risk level and whether the engine may re-run the tool after a crash."""
    if hints.read_only:
        return "read_only", True  # reading twice is harmless whatever the server says
    if hints.destructive:
        return "destructive", hints.idempotent
    if hints.open_world:
        return "external_comm", hints.idempotent
    return "internal_write", hints.idempotent


def hints_from_mcp(annotations: object | None) -> Hints:
    """Read an `mcp.types.ToolAnnotations` (or None) without importing mcp here."""
    if annotations is None:
        return Hints()

    def flag(name: str, default: bool) -> bool:
        value = getattr(annotations, name, None)
        return default if value is None else bool(value)

    return Hints(
        read_only=flag("read_only_hint", False),
        destructive=flag("destructive_hint", True),
        idempotent=flag("idempotent_hint", False),
        open_world=flag("open_world_hint", True),
    )
