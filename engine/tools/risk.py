"""Risk levels from MCP tool annotations, so tools from MCP servers pass the same approval gates.

MCP's hints are advisory and default to the cautious side. We keep that caution: only an explicit
`readOnlyHint: true` makes a tool read-only. A tool with no annotations at all is treated as external
communication: whatever it does reaches a server we do not control, and the default policy gates it.
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
        return Hints(destructive=False, open_world=True)  # nothing declared: it talks to the outside world

    def flag(name: str, default: bool) -> bool:
        value = getattr(annotations, name, None)
        return default if value is None else bool(value)

    return Hints(
        read_only=flag("read_only_hint", False),
        destructive=flag("destructive_hint", True),
        idempotent=flag("idempotent_hint", False),
        open_world=flag("open_world_hint", True),
    )
