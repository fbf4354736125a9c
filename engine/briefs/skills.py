"""Skills: reusable instructions in a folder with a SKILL.md, loaded by an employee only when needed.

The system prompt carries only each attached skill's name and description; the `use_skill` tool
returns the instructions (and reference files) on demand, so unused skills cost almost nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from engine.briefs.errors import BriefError
from engine.briefs.frontmatter import parse, problems_from
from engine.briefs.model import Slug, ToolName
from engine.tools.base import FunctionTool, ToolContext, ToolError

SKILL_FILE = "SKILL.md"
MAX_REFERENCE_CHARS = 20_000


class SkillFields(BaseModel):
    """A SKILL.md's front matter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Slug
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024)]
    tools: tuple[ToolName, ...] = ()  # tools the skill works best with; informative, never granted
    license: str | None = None


class Skill(SkillFields):
    body: str
    source: Path  # the SKILL.md file
    references: tuple[str, ...] = Field(default=())  # other files in the folder, relative, sorted

    @property
    def folder(self) -> Path:
        return self.source.parent


def load_skill(folder: str | Path) -> Skill:
    """Read one skill folder. Raises BriefError naming the file and line."""
    folder = Path(folder)
    path = folder / SKILL_FILE
    try:
        raw = path.read_bytes()
    except OSError:
        raise BriefError.single(path, None, f"a skill folder needs a {SKILL_FILE} file") from None
    doc = parse(raw, path)
    try:
        fields = SkillFields.model_validate(doc.data)
    except ValidationError as exc:
        raise BriefError(problems_from(exc, doc, SkillFields)) from None
    if fields.name != folder.name:
        raise BriefError.single(
            path, 2, f"the skill's name '{fields.name}' must match its folder's name '{folder.name}'", "name"
        )
    if not doc.body.strip():
        raise BriefError.single(path, None, "the skill has no instructions after its front matter")
    references = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p != path and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    return Skill(**dict(fields), body=doc.body, source=path, references=tuple(references))


def load_skills(dirs: Iterable[str | Path], *, errors: list[BriefError] | None = None) -> dict[str, Skill]:
    """Every skill in each folder of skill folders; later folders override earlier ones by name.

    With `errors` given, a bad skill is appended there and the others still load; otherwise the
    first bad skill raises BriefError.
    """
    skills: dict[str, Skill] = {}
    for d in dirs:
        root = Path(d)
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            try:
                skill = load_skill(folder)
            except BriefError as exc:
                if errors is None:
                    raise
                errors.append(exc)
                continue
            skills[skill.name] = skill
    return skills


def attached_skills(skill_names: Iterable[str], available: Mapping[str, Skill]) -> list[Skill]:
    """The skills a brief names, in the brief's order, that exist in `available`."""
    return [available[n] for n in dict.fromkeys(skill_names) if n in available]


class UseSkillArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # One argument, no descriptions: the tool's own says it all, and an unused skill costs every request
    # these tokens. A reference file is named `skill/file` (as `render_skill` lists them).
    name: str


def use_skill_tool(skills: Iterable[Skill]) -> FunctionTool[UseSkillArgs]:
    """The `use_skill` tool for one employee: it can load only the skills attached to it."""
    own = {s.name: s for s in skills}

    async def use_skill(ctx: ToolContext, args: UseSkillArgs) -> str:
        name, _, file = args.name.strip().partition("/")
        skill = own.get(name)
        if skill is None:
            names = ", ".join(sorted(own)) or "none"
            raise ToolError(f"you have no skill called {name!r} (your skills: {names})")
        if not file:
            return render_skill(skill)
        if file not in skill.references:
            listed = ", ".join(f"{skill.name}/{r}" for r in skill.references) or "none"
            raise ToolError(f"skill {skill.name!r} has no file {file!r} (its files: {listed})")
        text = await asyncio.to_thread((skill.folder / file).read_text, "utf-8", "replace")
        if len(text) > MAX_REFERENCE_CHARS:
            text = text[:MAX_REFERENCE_CHARS] + f"\n[... truncated, {len(text)} characters in all]"
        return text

    return FunctionTool(
        "use_skill",
        "Load a skill, or one of its files (skill/file).",
        UseSkillArgs,
        use_skill,
        risk="read_only",
        idempotent=True,
    )


def render_skill(skill: Skill) -> str:
    """What `use_skill` returns: the instructions, then the reference files it can open."""
    text = f"# Skill: {skill.name}\n\n{skill.body.strip()}\n"
    if skill.references:
        listed = "\n".join(f"- {skill.name}/{r}" for r in skill.references)
        text += f"\n## Reference files\nCall use_skill with one of these as the name to read it:\n{listed}\n"
    return text
