"""The catalog: shipped teams and roles, with the owner's own briefs overriding shipped ones by id."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.briefs.errors import BriefError, Problem, suggest
from engine.briefs.frontmatter import Document, decode, locate, parse_yaml, problems_from
from engine.briefs.loader import DEFAULT_MAX_TOOLS, load_brief
from engine.briefs.model import Brief, Line, Slug, Text
from engine.briefs.skills import Skill, load_skills
from engine.briefs.vocabulary import TOOLS

CUSTOM_TEAM = "custom"  # where catalog_json lists roles that belong to no team


class Team(BaseModel):
    """A pre-built team: hire it whole with `headcount hire-team ID`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Line
    lead: Slug
    roles: tuple[Slug, ...] = Field(min_length=1)
    description: Text
    source: Path | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    roles: dict[str, Brief]
    teams: dict[str, Team]
    skills: dict[str, Skill] = field(default_factory=dict)
    errors: list[BriefError] = field(default_factory=list)

    def team_roles(self, team_id: str) -> list[Brief]:
        """The team's roles that loaded, lead first."""
        team = self.teams[team_id]
        ordered = [team.lead, *(r for r in team.roles if r != team.lead)]
        return [self.roles[r] for r in ordered if r in self.roles]

    def missing_roles(self, team_id: str) -> list[str]:
        """Why each of the team's roles that did not load did not: its file's error, or that there is none."""
        missing = [r for r in self.teams[team_id].roles if r not in self.roles]
        found = {error.path.stem: str(error) for error in self.errors}  # a role's file is named for its id
        return [found.get(r, f"no role {r!r} in the catalog") for r in missing]


def load_team(path: str | Path) -> Team:
    """Read a team file (`briefs/teams/<id>.yaml`). Raises BriefError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BriefError.single(path, None, f"cannot read the file: {exc.strerror or exc}") from None
    text = decode(raw, path)
    if not text.strip():
        raise BriefError.single(path, 1, "the file is empty; expected id, title, lead, roles and description")
    data, node = parse_yaml(text, path, 1, what="team file")
    doc = Document(path, data, node, 1, "")
    try:
        team = Team.model_validate(data)
    except ValidationError as exc:
        raise BriefError(problems_from(exc, doc, Team)) from None
    if team.lead not in team.roles:
        raise BriefError.single(
            path, locate(doc, ("lead",)), f"the lead '{team.lead}' is not one of the team's roles", "lead"
        )
    return team.model_copy(update={"source": path})


def load_catalog(
    shipped_dir: str | Path,
    owner_dir: str | Path | None = None,
    *,
    known_tools: Collection[str] | None = None,
    max_tools: int = DEFAULT_MAX_TOOLS,
) -> Catalog:
    """Every role, team and skill under `shipped_dir` and `owner_dir` (which wins on equal ids).

    A bad file never stops the others: it lands in `errors`. `known_tools` defaults to the
    catalog's tool vocabulary.
    """
    dirs = [Path(shipped_dir)] + ([Path(owner_dir)] if owner_dir is not None else [])
    errors: list[BriefError] = []
    skills = load_skills([d / "skills" for d in dirs], errors=errors)
    tools = set(TOOLS) if known_tools is None else set(known_tools)
    roles: dict[str, Brief] = {}
    for d in dirs:
        for path in _files(d / "roles", ".md"):
            try:
                brief = load_brief(path, known_tools=tools, known_skills=set(skills), max_tools=max_tools)
            except BriefError as exc:
                errors.append(exc)
                # The owner's broken copy must not let the shipped role stand in for it unnoticed.
                roles.pop(path.stem, None)
                continue
            if brief.id != path.stem:
                message = f"the id '{brief.id}' must match the file name '{path.stem}.md'"
                errors.append(BriefError([Problem(path, _id_line(path), message, "id")]))
                continue
            roles[brief.id] = brief
    teams: dict[str, Team] = {}
    for d in dirs:
        for path in _files(d / "teams", ".yaml"):
            try:
                team = load_team(path)
            except BriefError as exc:
                errors.append(exc)
                continue
            missing = [r for r in team.roles if r not in roles]
            for r in missing:
                message = f"role '{r}' is not in the catalog{suggest(r, roles)}"
                errors.append(BriefError([Problem(path, None, message, "roles")]))
            teams[team.id] = team
    return Catalog(roles=roles, teams=teams, skills=skills, errors=errors)


def catalog_json(catalog: Catalog) -> dict[str, Any]:
    """`{"teams": [{"id", "title", "lead", "roles": [{"id", "title", "function"}]}]}`.

    Roles in no team (e.g. the owner's own) are listed under a `custom` team with no lead.
    """
    teams: list[dict[str, Any]] = []
    in_teams: set[str] = set()
    for team_id in sorted(catalog.teams):
        team = catalog.teams[team_id]
        briefs = catalog.team_roles(team_id)
        in_teams.update(b.id for b in briefs)
        teams.append({"id": team.id, "title": team.title, "lead": team.lead, "roles": [_role(b) for b in briefs]})
    loose = [catalog.roles[r] for r in sorted(catalog.roles) if r not in in_teams]
    if loose and CUSTOM_TEAM not in catalog.teams:
        teams.append({"id": CUSTOM_TEAM, "title": "Your own roles", "lead": None, "roles": [_role(b) for b in loose]})
    return {"teams": teams}


def _role(brief: Brief) -> dict[str, str]:
    return {"id": brief.id, "title": brief.title, "function": brief.function}


def _files(folder: Path, suffix: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == suffix and p.is_file() and not p.name.startswith("."))


def _id_line(path: Path) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((i for i, line in enumerate(lines, 1) if line.startswith("id:")), None)
