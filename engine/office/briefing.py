"""Brief versions of hired employees: the version on start-up, and the owner's edits as new versions."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Awaitable, Callable
from pathlib import Path

from engine import model_choice
from engine.briefs import Brief, BriefError, parse_brief
from engine.office.belts import Belts
from engine.office.brief_facts import BriefFacts, kept_hours, key_of, remember
from engine.office.recorder import Recorder
from engine.paths import Home, brief_file
from engine.store import writes
from engine.store.journal import Journal
from engine.store.records import EmployeeRecord
from engine.store.settings import bump_owner_version


class BriefVersions:
    """Keeps each hired employee's brief versioned in the journal as its file or the owner changes it."""

    def __init__(self, journal: Journal, home: Home, belts: Belts, recorder: Recorder) -> None:
        self._journal = journal
        self._home = home
        self._belts = belts
        self._recorder = recorder

    async def current(self, record: EmployeeRecord) -> tuple[Brief, EmployeeRecord]:
        """The brief as its file says now; an edit since the last start becomes a new version.

        What reading commands need of it is kept for them (engine.office.brief_facts), error or not."""
        ceiling = await self._belts.ceiling()
        key = key_of(record, ceiling)  # before the read: a file changed meanwhile then fails the key
        try:
            brief, record = await self._current(record, ceiling)
        except BriefError as exc:
            remember(self._home.root, record.id, key, BriefFacts(None, None, None, None, str(exc)))
            raise
        key[-2] = record.brief_version  # the version it now works from (the key ends: version, ceiling)
        facts = BriefFacts(
            model_choice.dump(brief.model.to_config()),
            kept_hours(brief.hours),
            brief.budget.per_turn_usd,
            brief.budget.per_day_usd,
            None,
        )
        remember(self._home.root, record.id, key, facts)
        return brief, record

    async def _current(self, record: EmployeeRecord, ceiling: int) -> tuple[Brief, EmployeeRecord]:
        path = brief_file(record.brief_path, record.role, self._home.root)
        raw = await asyncio.to_thread(_read_or_none, path)
        # Under the office's own ceiling; a tool removed since hiring must not stop the employee.
        parse = functools.partial(
            parse_brief,
            known_tools=self._belts.tools.names(),
            missing_tools_ok=True,
            max_tools=ceiling,
        )
        if raw is None:  # the file is gone: keep working from the version we stored
            stored = await self._journal.brief_text(record.id, record.brief_version)
            if stored is None:
                raise BriefError.single(path, None, "no such file, and no stored copy")
            return parse(stored.encode(), path), record
        brief = parse(raw, path)
        moved = {"file": str(path)} if str(path) != record.brief_path else {}  # this install's catalog file
        if brief.version != record.brief_version:
            now = self._recorder.now()
            await self._journal.write(
                writes.brief_version(record.id, brief.version, raw.decode("utf-8"), now),
                writes.update_employee(record.id, brief_version=brief.version, brief_path=str(path)),
                *self._recorder.audit_ops(
                    "brief_changed", {"from": record.brief_version, "to": brief.version, **moved}, record.id
                ),
                full=True,
            )
        elif moved:  # the same text in this install's file: only where it is read from changes
            await self._journal.write(writes.update_employee(record.id, brief_path=str(path)))
        return brief, dataclasses.replace(record, brief_version=brief.version, brief_path=str(path))

    async def save_edit(
        self, record: EmployeeRecord, text: str, check: Callable[[Brief, Path], Awaitable[None]] | None = None
    ) -> tuple[Brief, EmployeeRecord] | None:
        """Save an edited brief as the employee's own copy and a new version; None when nothing changed.

        The employee's copy lives in the owner's folder (`briefs/employees/<id>.md`), so editing
        one employee never changes the shipped catalog or a colleague hired from the same role.
        Raises BriefError (file, line, field) when the text does not validate; nothing changes then.
        """
        path = self._home.briefs / "employees" / f"{record.id}.md"
        raw = text.encode("utf-8")
        brief = self._belts.check_brief(text, path, ceiling=await self._belts.ceiling())
        if brief.version == record.brief_version:
            return None
        if check is not None:  # what the office checks beyond the file (the model it names): before it is kept
            await check(brief, path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".md.partial")
        await asyncio.to_thread(partial.write_bytes, raw)
        await asyncio.to_thread(partial.replace, path)
        now = self._recorder.now()
        data = {"from": record.brief_version, "to": brief.version, "by": "owner"}
        await self._journal.write(
            writes.brief_version(record.id, brief.version, text, now),
            writes.update_employee(record.id, brief_version=brief.version, brief_path=str(path)),
            bump_owner_version(),  # an owner decision: every running office re-reads it (ceilings, hours, model)
            *self._recorder.audit_ops("brief_changed", data, record.id),
            full=True,
        )
        return brief, dataclasses.replace(record, brief_version=brief.version, brief_path=str(path))


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
