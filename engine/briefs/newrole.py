"""Custom employees: a new brief from a few answers, validated, saved in the owner's own folder."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.briefs.errors import suggest
from engine.briefs.loader import CATALOG_BELT, DEFAULT_MAX_TOOLS, parse_brief
from engine.briefs.model import FUNCTIONS, Function, Line, Slug, Text, ToolName
from engine.briefs.vocabulary import BUILTIN_TOOLS, TOOLS, not_provided
from engine.paths import SHIPPED_BRIEFS, Home

DEFAULT_TOOLS: tuple[str, ...] = ("list_files", "read_file", "write_file", "save_note", "search_notes")
DEFAULT_TONE = "Clear, friendly and professional."
PALETTE = (
    "#2563eb", "#16a34a", "#db2777", "#ea580c", "#7c3aed", "#0d9488",
    "#ca8a04", "#dc2626", "#4f46e5", "#059669", "#c026d3", "#0891b2",
)  # fmt: skip


class NewRoleAnswers(BaseModel):
    """The owner's answers to `headcount new-role`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Line
    function: Function = "custom"
    goals: tuple[Text, ...] = Field(min_length=1, max_length=20)
    tone: Text = DEFAULT_TONE
    tools: tuple[ToolName, ...] = DEFAULT_TOOLS
    id: Slug | None = None  # derived from the title when absent
    team: Slug | None = None
    body: str | None = None  # the brief in the owner's words; a starter paragraph when absent

    @property
    def role_id(self) -> str:
        return self.id or slugify(self.title)


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48].strip("-")
    return slug if slug and slug[0].isalpha() else f"role-{slug}".strip("-")


def render_brief_file(answers: NewRoleAnswers) -> str:
    """The brief file's text for these answers."""
    role_id = answers.role_id
    front: dict[str, Any] = {"id": role_id, "title": answers.title, "function": answers.function}
    if answers.team:
        front["team"] = answers.team
    front |= {
        "goals": list(answers.goals),
        "tone": answers.tone,
        "constraints": [
            "Stay within this role; hand anything else back to the owner",
            "Never invent facts, prices or promises; say plainly what you do not know",
        ],
        "success_criteria": [
            "Every task ends with a result the owner can use: a file, a note or a short summary",
        ],
        "escalate": [
            {
                "when": "Anything that commits the business to money, a contract or a public word",
                "to": "owner",
            },
            {"when": "The task is unclear or outside this role", "to": "owner"},
        ],
        "tools": list(answers.tools),
        "appearance": {"color": PALETTE[int(hashlib.sha256(role_id.encode()).hexdigest(), 16) % len(PALETTE)]},
    }
    body = (answers.body or "").strip() or (
        f"You are the business's {answers.title}. Work towards the goals above, one task at a time.\n"
        "Write what you produce as files in your workspace and keep short notes of decisions, so the\n"
        "owner can review your work. (Owner: replace this paragraph with the brief in your own words.)"
    )
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{dumped}---\n{body}\n"


def _colour_for(role_id: str) -> str:
    return PALETTE[int(hashlib.sha256(role_id.encode()).hexdigest(), 16) % len(PALETTE)]


def new_role_brief(
    answers: NewRoleAnswers,
    home: Home | None = None,
    *,
    overwrite: bool = False,
    known_tools: Collection[str] = (),
) -> Path:
    """Write a validated brief into the owner's briefs folder and return its path.

    Never writes into the shipped catalog. Raises BriefError if the result would not load, and
    FileExistsError if the owner already has a role with that id (unless `overwrite`).
    """
    home = home or Home.resolve()
    folder = home.briefs / "roles"
    if folder.resolve().is_relative_to(SHIPPED_BRIEFS.resolve()):
        raise ValueError(f"refusing to write a custom brief into the shipped catalog ({SHIPPED_BRIEFS})")
    target = folder / f"{answers.role_id}.md"
    text = render_brief_file(answers)
    parse_brief(text.encode("utf-8"), target, known_tools=known_tools)  # round trip before writing
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists; choose another title or id")
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".md.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)
    return target


def prompt_new_role(
    input_fn: Callable[[str], str], print_fn: Callable[[str], None], taken: Collection[str] = ()
) -> NewRoleAnswers:
    """Ask the new-role questions, re-asking until each answer is valid.

    `taken`: role ids the owner already has; such a title is refused at once, not after every question.
    """
    print_fn("A new employee: answer a few questions (Enter keeps the suggestion in brackets).")

    def title_check(text: str) -> str:
        title = _title(text)
        if slugify(title) in taken:
            raise ValueError(f"you already have a role '{slugify(title)}'; choose another title (or edit that brief)")
        return title

    title = _ask(input_fn, print_fn, "Job title, e.g. Grant writer: ", title_check)
    functions = "/".join(FUNCTIONS)
    function = _ask(input_fn, print_fn, f"Function ({functions}) [custom]: ", _function)
    print_fn("Goals, one per line; an empty line when done:")
    goals: list[str] = []
    while True:
        goal = input_fn("  goal: ").strip()
        if goal:
            goals.append(goal)
        elif goals:
            break
        else:
            print_fn("  at least one goal, please")
    tone = input_fn(f"Tone [{DEFAULT_TONE}]: ").strip() or DEFAULT_TONE
    print_fn("Tools it may use (the workspace tools work offline; add an MCP server's later as mcp:NAME.*):")
    for name in sorted(TOOLS, key=lambda n: (n not in BUILTIN_TOOLS, n)):
        connection = TOOLS[name].connection
        marker = "workspace" if name in BUILTIN_TOOLS else f"needs {connection}" if connection else "built-in"
        print_fn(f"  {name:<18} {TOOLS[name].description} ({marker})")
    tools = _ask(input_fn, print_fn, f"Tools, comma-separated [{', '.join(DEFAULT_TOOLS)}]: ", _tools)
    try:
        return NewRoleAnswers(title=title, function=function, goals=tuple(goals), tone=tone, tools=tools)
    except ValidationError as exc:  # e.g. a very long goal
        print_fn(f"That did not work: {exc.errors(include_url=False)[0]['msg']}; let's start again.")
        return prompt_new_role(input_fn, print_fn, taken)


T = TypeVar("T")


def _ask(
    input_fn: Callable[[str], str], print_fn: Callable[[str], None], question: str, check: Callable[[str], T]
) -> T:
    while True:
        try:
            return check(input_fn(question).strip())
        except ValueError as exc:
            print_fn(f"  {exc}")


def _title(text: str) -> str:
    if not text or len(text) > 120:
        raise ValueError("a job title of 1 to 120 characters, please")
    return text


def _function(text: str) -> Function:
    text = text.lower() or "custom"
    for f in FUNCTIONS:
        if f == text:
            return f
    raise ValueError(f"one of {', '.join(FUNCTIONS)}, please{suggest(text, FUNCTIONS)}")


def _tools(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip())) or DEFAULT_TOOLS
    for name in names:
        if name not in TOOLS:
            raise ValueError(not_provided(name, ()) or f"unknown tool '{name}'{suggest(name, TOOLS)}")
    if len(names) > DEFAULT_MAX_TOOLS:
        raise ValueError(f"at most {DEFAULT_MAX_TOOLS} tools; {CATALOG_BELT} or fewer works best")
    return names
