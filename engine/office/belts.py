"""What this office can give an employee: tools, skills, and the owner's ceiling on a belt's size.

The ceiling is an owner decision kept in the settings table and read from there wherever a brief
is parsed for this office (hire, start-up, an edited brief), so a raised ceiling outlives restarts
and a change made by another process is seen at the next parse.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine.briefs import Brief, BriefError, check_ceiling, load_brief, parse_brief
from engine.briefs.catalog import Catalog, load_catalog
from engine.briefs.ceiling import BELT_CEILING, read_belt_ceiling
from engine.briefs.skills import Skill, load_skills
from engine.errors import OfficeError, OwnerError
from engine.office.recorder import Recorder
from engine.paths import SHIPPED_BRIEFS, Home
from engine.store.journal import Journal
from engine.store.settings import put_setting
from engine.tools.registry import ToolRegistry


class Belts:
    """Tools, skills and the belt ceiling of this office, and briefs parsed under them."""

    def __init__(self, journal: Journal, home: Home, tools: ToolRegistry, recorder: Recorder) -> None:
        self._journal = journal
        self._home = home
        self.tools = tools
        self._recorder = recorder
        self.skills: dict[str, Skill] = {}

    async def load_skills(self) -> list[BriefError]:
        """Load the shipped and owner's skills; returns the files that did not load (never fatal)."""
        dirs = [SHIPPED_BRIEFS / "skills", self._home.briefs / "skills"]
        errors: list[BriefError] = []  # a bad skill never stops the office; the employee works without it
        self.skills = await asyncio.to_thread(load_skills, dirs, errors=errors)
        return errors

    async def ceiling(self) -> int:
        """The most tools one employee of this office may have: the owner's setting, else 20."""
        return await self._journal.read(read_belt_ceiling)

    async def set_ceiling(self, ceiling: int, hired: dict[str, int]) -> None:
        """Set, for good, the most tools one employee may have (1 to 30). Raises OwnerError.

        `hired` maps each employee's name to its belt size: lowering the ceiling below one of them
        is refused, since that employee could not work after the next restart.
        """
        try:
            check_ceiling(ceiling)
        except ValueError as exc:
            raise OwnerError(str(exc)) from None
        over = [f"{name} ({count})" for name, count in hired.items() if count > ceiling]
        if over:
            raise OwnerError(
                f"cannot lower the tool-belt ceiling to {ceiling}: {', '.join(sorted(over))} "
                "would have more tools than that; give them smaller belts first"
            )
        previous = await self.ceiling()
        op = put_setting(BELT_CEILING, str(ceiling))
        await self._recorder.owner_action("belt_ceiling", {"from": previous, "to": ceiling}, None, op)

    # --- briefs, parsed as this office hires from them -----------------------------------------

    def catalog(self) -> Catalog:
        """The shipped and owner's roles, checked against this office's tools and ceiling."""
        ceiling = self._journal.read_now(read_belt_ceiling)
        return load_catalog(SHIPPED_BRIEFS, self._home.briefs, known_tools=self.tools.names(), max_tools=ceiling)

    def load_brief_file(self, path: Path) -> Brief:
        """A brief file, checked against this office's tools and ceiling. Raises BriefError."""
        ceiling = self._journal.read_now(read_belt_ceiling)
        return load_brief(path, known_tools=self.tools.names(), known_skills=set(self.skills), max_tools=ceiling)

    def check_brief(self, text: str, source: Path, *, ceiling: int | None = None) -> Brief:
        """Validate a brief's text as this office would take it (tools, skills, ceiling). Raises BriefError."""
        if ceiling is None:
            ceiling = self._journal.read_now(read_belt_ceiling)
        return parse_brief(
            text.encode("utf-8"),
            source,
            known_tools=self.tools.names(),
            known_skills=set(self.skills),
            max_tools=ceiling,
        )

    def brief_for(self, role_or_path: str) -> Brief:
        """A brief by catalog role id (owner briefs override shipped ones) or by file path."""
        path = Path(role_or_path).expanduser()
        if path.suffix == ".md" or path.exists():
            return self.load_brief_file(path)
        catalog = self.catalog()
        if role_or_path not in catalog.roles:
            for error in catalog.errors:  # its file is there but does not load: say why
                if error.path.stem == role_or_path and error.path.parent.name == "roles":
                    raise error
            known = ", ".join(sorted(catalog.roles)) or "none"
            raise OfficeError(f"no role {role_or_path!r} in the catalog (roles: {known})")
        brief: Brief = catalog.roles[role_or_path]
        return brief
