"""Briefs, skills and the catalog: what each employee is for, and the pre-built teams."""

from engine.briefs.errors import BriefError, Problem
from engine.briefs.loader import (
    CATALOG_BELT,
    DEFAULT_MAX_TOOLS,
    HARD_MAX_TOOLS,
    check_ceiling,
    load_brief,
    parse_brief,
)
from engine.briefs.model import (
    FUNCTIONS,
    Appearance,
    ApprovalPolicy,
    Brief,
    BriefFields,
    Budget,
    DeclaredPrice,
    EscalationRule,
    Function,
    MemorySettings,
    ModelChoice,
    Window,
    WorkingHours,
)
from engine.briefs.vocabulary import BUILTIN_TOOLS, CONNECTIONS, TOOLS, ToolInfo, missing_tools

__all__ = [
    "BUILTIN_TOOLS",
    "CATALOG_BELT",
    "CONNECTIONS",
    "DEFAULT_MAX_TOOLS",
    "FUNCTIONS",
    "HARD_MAX_TOOLS",
    "TOOLS",
    "Appearance",
    "ApprovalPolicy",
    "Brief",
    "BriefError",
    "BriefFields",
    "Budget",
    "DeclaredPrice",
    "EscalationRule",
    "Function",
    "MemorySettings",
    "ModelChoice",
    "Problem",
    "ToolInfo",
    "Window",
    "WorkingHours",
    "check_ceiling",
    "load_brief",
    "missing_tools",
    "parse_brief",
]
