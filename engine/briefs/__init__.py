"""Briefs, skills and the catalog: what each employee is for, and the pre-built teams.

See `briefs/README.md` for the file format.
"""

from engine.briefs.catalog import CUSTOM_TEAM, Catalog, Team, catalog_json, load_catalog, load_team
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
from engine.briefs.newrole import NewRoleAnswers, new_role_brief, prompt_new_role, render_brief_file
from engine.briefs.prompt import render_system_prompt
from engine.briefs.skills import (
    Skill,
    UseSkillArgs,
    attached_skills,
    load_skill,
    load_skills,
    render_skill,
    use_skill_tool,
)
from engine.briefs.vocabulary import BUILTIN_TOOLS, CONNECTIONS, TOOLS, ToolInfo, missing_tools

__all__ = [
    "BUILTIN_TOOLS",
    "CATALOG_BELT",
    "CONNECTIONS",
    "CUSTOM_TEAM",
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
    "Catalog",
    "DeclaredPrice",
    "EscalationRule",
    "Function",
    "MemorySettings",
    "ModelChoice",
    "NewRoleAnswers",
    "Problem",
    "Skill",
    "Team",
    "ToolInfo",
    "UseSkillArgs",
    "Window",
    "WorkingHours",
    "attached_skills",
    "catalog_json",
    "check_ceiling",
    "load_brief",
    "load_catalog",
    "load_skill",
    "load_skills",
    "load_team",
    "missing_tools",
    "new_role_brief",
    "parse_brief",
    "prompt_new_role",
    "render_brief_file",
    "render_skill",
    "render_system_prompt",
    "use_skill_tool",
]
