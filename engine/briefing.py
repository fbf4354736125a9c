"""Briefs of hired employees: the version on start-up, and the owner's edits as new versions."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from pathlib import Path

from engine.belts import BeltActions
from engine.briefs import Brief, BriefError, parse_brief
from engine.store import writes
from engine.store.records import EmployeeRecord


class BriefActions(BeltActions):
    async def _current_brief(self, record: EmployeeRecord) -> tuple[Brief, EmployeeRecord]:
        """The brief as its file says now; an edit since the last start becomes a new version."""
        path = Path(record.brief_path)
        raw = await asyncio.to_thread(_read_or_none, path)
        # Under the office's own ceiling; a tool removed since hiring must not stop the employee.
        parse = functools.partial(
            parse_brief, known_tools=self.tools.names(), missing_tools_ok=True, max_tools=await self.belt_ceiling()
        )
        if raw is None:  # the file is gone: keep working from the version we stored
            stored = await self.journal.brief_text(record.id, record.brief_version)
            if stored is None:
                raise BriefError.single(path, None, "no such file, and no stored copy")
            return parse(stored.encode(), path), record
        brief = parse(raw, path)
        if brief.version != record.brief_version:
            now = self._now()
            await self.journal.write(
                writes.brief_version(record.id, brief.version, raw.decode("utf-8"), now),
                writes.update_employee(record.id, brief_version=brief.version),
                *self.audit_ops("brief_changed", {"from": record.brief_version, "to": brief.version}, record.id),
                full=True,
            )
            record = dataclasses.replace(record, brief_version=brief.version)
        return brief, record

    async def update_brief(self, who: str, text: str) -> Brief:
        """Give a hired employee an edited brief: validated, saved as its own copy, a new version.

        The employee's copy lives in the owner's folder (`briefs/employees/<id>.md`), so editing
        one employee never changes the shipped catalog or a colleague hired from the same role.
        Raises BriefError (file, line, field) when the text does not validate; nothing changes then.
        """
        employee = self.find(who)
        path = self.home.briefs / "employees" / f"{employee.id}.md"
        raw = text.encode("utf-8")
        brief = self.check_brief(text, path, ceiling=await self.belt_ceiling())
        if brief.version == employee.record.brief_version:
            return employee.brief
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".md.partial")
        await asyncio.to_thread(partial.write_bytes, raw)
        await asyncio.to_thread(partial.replace, path)
        now = self._now()
        data = {"from": employee.record.brief_version, "to": brief.version, "by": "owner"}
        await self.journal.write(
            writes.brief_version(employee.id, brief.version, text, now),
            writes.update_employee(employee.id, brief_version=brief.version, brief_path=str(path)),
            *self.audit_ops("brief_changed", data, employee.id),
            full=True,
        )
        self._add(dataclasses.replace(employee.record, brief_version=brief.version, brief_path=str(path)), brief)
        return brief


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
