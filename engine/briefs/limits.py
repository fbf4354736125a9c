"""The tool-belt limits, light to import (the CLI's grammar names them in its help)."""

from __future__ import annotations

CATALOG_BELT = 12  # the catalog keeps every belt this small; above it the loader warns
DEFAULT_MAX_TOOLS = 20
HARD_MAX_TOOLS = 30
CEILING_COMMAND = "headcount belt-ceiling"  # how the owner raises an office's ceiling


def check_ceiling(max_tools: int) -> int:
    """The tool-belt ceiling, refused when it is above the hard maximum of 30."""
    if not 1 <= max_tools <= HARD_MAX_TOOLS:
        raise ValueError(f"the tool-belt ceiling must be between 1 and {HARD_MAX_TOOLS}, got {max_tools}")
    return max_tools
