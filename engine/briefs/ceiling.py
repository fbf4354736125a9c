"""The owner's tool-belt ceiling as stored: read wherever a belt is made (a brief parsed, a task's tools equipped)."""

from __future__ import annotations

import logging

from engine.briefs.limits import CEILING_COMMAND, DEFAULT_MAX_TOOLS, HARD_MAX_TOOLS, check_ceiling
from engine.store import Connection
from engine.store.settings import read_setting

log = logging.getLogger(__name__)

BELT_CEILING = "tools:max_per_employee"  # settings key; absent means DEFAULT_MAX_TOOLS


def read_belt_ceiling(conn: Connection) -> int:
    """The stored ceiling; a missing or unreadable row means the default."""
    value = read_setting(conn, BELT_CEILING)
    if value is None:
        return DEFAULT_MAX_TOOLS
    try:
        return check_ceiling(int(value))
    except ValueError:
        log.warning("ignoring the stored belt ceiling %r: not a whole number from 1 to %d", value, HARD_MAX_TOOLS)
        return DEFAULT_MAX_TOOLS


def over_ceiling(count: int, ceiling: int, expanded: dict[str, tuple[str, int]]) -> str:
    """Why a belt of `count` tools, grown past `ceiling` by wildcard grants, is refused, and the fix, in one line.

    `expanded`: each wildcard grant (`mcp:crm.*`) -> what it grants (`the MCP server 'crm'`) and how many tools.
    """
    grants = " and ".join(f"{grant} ({what} has {n} tools)" for grant, (what, n) in expanded.items())
    named = " / ".join(f"{grant.removesuffix('*')}TOOL" for grant in expanded)
    raise_it = f", or raise the ceiling with `{CEILING_COMMAND} {count}`" if count <= HARD_MAX_TOOLS else ""
    return (
        f"the brief grants {grants}: {count} tools on the belt, more than the office's ceiling of {ceiling}; "
        f"grant the tools needed by name ({named}) instead of *{raise_it}"
    )
