"""Tool belts in this office: the owner's ceiling on their size, and parsing briefs under it.

The ceiling is an owner decision kept in the settings table and read from there wherever a brief
is parsed for this office (hire, start-up, an edited brief), so a raised ceiling outlives restarts
and a change made by another process is seen at the next parse.
"""

from __future__ import annotations

import logging
from pathlib import Path

from engine.briefs import DEFAULT_MAX_TOOLS, HARD_MAX_TOOLS, Brief, check_ceiling, load_brief, parse_brief
from engine.briefs.catalog import Catalog, load_catalog
from engine.office_parts import OfficeParts, OwnerError
from engine.paths import SHIPPED_BRIEFS
from engine.store import Connection
from engine.store.settings import put_setting, read_setting

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


class BeltActions(OfficeParts):
    async def belt_ceiling(self) -> int:
        """The most tools one employee of this office may have: the owner's setting, else 20."""
        return await self.journal.read(read_belt_ceiling)

    async def set_belt_ceiling(self, ceiling: int) -> None:
        """Set, for good, the most tools one employee may have (1 to 30). Raises OwnerError.

        Lowering it below the belt of someone already hired is refused: that employee could not
        work after the next restart.
        """
        try:
            check_ceiling(ceiling)
        except ValueError as exc:
            raise OwnerError(str(exc)) from None
        over = [
            f"{e.record.name} ({len(e.brief.tools)})" for e in self.employees.values() if len(e.brief.tools) > ceiling
        ]
        if over:
            raise OwnerError(
                f"cannot lower the tool-belt ceiling to {ceiling}: {', '.join(sorted(over))} "
                "would have more tools than that; give them smaller belts first"
            )
        previous = await self.belt_ceiling()
        op = put_setting(BELT_CEILING, str(ceiling))
        await self._owner_write("belt_ceiling", {"from": previous, "to": ceiling}, None, op)

    # --- briefs, parsed as this office hires from them -----------------------------------------

    def catalog(self) -> Catalog:
        """The shipped and owner's roles, checked against this office's tools and ceiling."""
        ceiling = self.journal.read_now(read_belt_ceiling)
        return load_catalog(SHIPPED_BRIEFS, self.home.briefs, known_tools=self.tools.names(), max_tools=ceiling)

    def load_brief_file(self, path: Path) -> Brief:
        """A brief file, checked against this office's tools and ceiling. Raises BriefError."""
        ceiling = self.journal.read_now(read_belt_ceiling)
        return load_brief(path, known_tools=self.tools.names(), max_tools=ceiling)

    def check_brief(self, text: str, source: Path, *, ceiling: int | None = None) -> Brief:
        """Validate a brief's text as this office would take it (tools, skills, ceiling). Raises BriefError."""
        if ceiling is None:
            ceiling = self.journal.read_now(read_belt_ceiling)
        return parse_brief(
            text.encode("utf-8"),
            source,
            known_tools=self.tools.names(),
            known_skills=set(self.skills),
            max_tools=ceiling,
        )
