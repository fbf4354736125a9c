"""Briefs, skills and the catalog: what each employee is for, and the pre-built teams.

See `briefs/README.md` for the file format. The names below load on first use, so a module that needs
one light part (the tool-belt limits, the errors) does not import YAML and pydantic with this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.lazy import lazy_attribute

if TYPE_CHECKING:
    from engine.briefs.catalog import CUSTOM_TEAM, Catalog, Team, catalog_json, load_catalog, load_team
    from engine.briefs.errors import BriefError, Problem
    from engine.briefs.limits import CATALOG_BELT, DEFAULT_MAX_TOOLS, HARD_MAX_TOOLS, check_ceiling
    from engine.briefs.loader import load_brief, parse_brief
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

_LAZY = {
    "Appearance": "engine.briefs.model",
    "ApprovalPolicy": "engine.briefs.model",
    "BUILTIN_TOOLS": "engine.briefs.vocabulary",
    "Brief": "engine.briefs.model",
    "BriefError": "engine.briefs.errors",
    "BriefFields": "engine.briefs.model",
    "Budget": "engine.briefs.model",
    "CATALOG_BELT": "engine.briefs.limits",
    "CONNECTIONS": "engine.briefs.vocabulary",
    "CUSTOM_TEAM": "engine.briefs.catalog",
    "Catalog": "engine.briefs.catalog",
    "DEFAULT_MAX_TOOLS": "engine.briefs.limits",
    "DeclaredPrice": "engine.briefs.model",
    "EscalationRule": "engine.briefs.model",
    "FUNCTIONS": "engine.briefs.model",
    "Function": "engine.briefs.model",
    "HARD_MAX_TOOLS": "engine.briefs.limits",
    "MemorySettings": "engine.briefs.model",
    "ModelChoice": "engine.briefs.model",
    "NewRoleAnswers": "engine.briefs.newrole",
    "Problem": "engine.briefs.errors",
    "Skill": "engine.briefs.skills",
    "TOOLS": "engine.briefs.vocabulary",
    "Team": "engine.briefs.catalog",
    "ToolInfo": "engine.briefs.vocabulary",
    "UseSkillArgs": "engine.briefs.skills",
    "Window": "engine.briefs.model",
    "WorkingHours": "engine.briefs.model",
    "attached_skills": "engine.briefs.skills",
    "catalog_json": "engine.briefs.catalog",
    "check_ceiling": "engine.briefs.limits",
    "load_brief": "engine.briefs.loader",
    "load_catalog": "engine.briefs.catalog",
    "load_skill": "engine.briefs.skills",
    "load_skills": "engine.briefs.skills",
    "load_team": "engine.briefs.catalog",
    "missing_tools": "engine.briefs.vocabulary",
    "new_role_brief": "engine.briefs.newrole",
    "parse_brief": "engine.briefs.loader",
    "prompt_new_role": "engine.briefs.newrole",
    "render_brief_file": "engine.briefs.newrole",
    "render_skill": "engine.briefs.skills",
    "render_system_prompt": "engine.briefs.prompt",
    "use_skill_tool": "engine.briefs.skills",
}

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


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _LAZY, globals(), name)
