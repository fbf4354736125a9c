"""The briefs line of `headcount doctor`: whether each hired employee's brief loads, as the office would read it.

Read-only like the rest of the doctor: the database is opened read-only and nothing is written. The office
keeps what it last made of each brief (engine.office.brief_facts); while that still holds for the file as
it is now, its verdict is used, else the file (or, when it is gone, the stored copy the office works from)
is parsed the way the office parses it.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from engine.doctor_check import Check
from engine.office.brief_facts import recall
from engine.paths import brief_file
from engine.store.health import connect_read_only
from engine.store.records import EmployeeRecord

NAME = "briefs"


def briefs(root: Path, db: Path) -> list[Check]:
    """One ok line when every hired employee's brief loads; else one problem line per employee it stops."""
    if not db.is_file() or not db.stat().st_size:
        return [Check(name=NAME, status="ok", summary="nobody hired yet")]
    try:
        records, ceiling, stored = _hired(db)
    except sqlite3.DatabaseError:
        return [Check(name=NAME, status="skip", summary="not checked: the database cannot be read (see above)")]
    broken = [(r, error) for r in records if (error := brief_error(root, r, ceiling, stored.get(r.id)))]
    if not broken:
        who = "nobody hired yet" if not records else f"{len(records)} hired, each brief loads"
        return [Check(name=NAME, status="ok", summary=who)]
    return [
        Check(
            name=NAME,
            status="problem",
            summary=f"{r.name} cannot work: " + "; ".join(error.splitlines()),
            fix=f"fix that line of the file (or the brief in the window), or let them go: headcount dismiss {r.name}",
            details={"employee": r.name, "brief": r.brief_path, "error": error},
        )
        for r, error in broken
    ]


def brief_error(root: Path, record: EmployeeRecord, ceiling: int, stored: str | None) -> str | None:
    """Why `record`'s brief keeps it from working (file, line, field), or None when it loads."""
    facts = recall(root, record, ceiling)
    if facts is not None:  # the office's own verdict, for the file as it is now
        return facts.error
    from engine.briefs import BriefError, parse_brief
    from engine.briefs.vocabulary import BUILTIN_TOOLS

    path = brief_file(record.brief_path, record.role, root)
    try:
        raw = path.read_bytes()
    except OSError:  # the file is gone: the office works from the version it stored
        if stored is None:
            return f"{path}: no such file, and no stored copy"
        raw = stored.encode("utf-8")
    try:  # as engine.office.briefing parses it: a tool removed since hiring does not stop anyone
        parse_brief(raw, path, known_tools=BUILTIN_TOOLS, missing_tools_ok=True, max_tools=ceiling)
    except BriefError as exc:
        return str(exc)
    return None


def _hired(db: Path) -> tuple[list[EmployeeRecord], int, dict[str, str]]:
    """Everyone employed now, the office's tool-belt ceiling, and the brief text each works from, by id."""
    from engine.office.reading import BELT_CEILING, belt_ceiling

    with closing(connect_read_only(db)) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT id, name, role, title, team, brief_path, brief_version, status, status_detail, hired_at, "
            "probation_left FROM employees WHERE left_at IS NULL ORDER BY hired_at, id"
        ).fetchall()
        records = [EmployeeRecord(**dict(r)) for r in rows]
        try:
            setting = conn.execute("SELECT value FROM settings WHERE key = ?", (BELT_CEILING,)).fetchone()
        except sqlite3.OperationalError:  # an office older than its settings table
            setting = None
        stored = {
            str(i): str(c)
            for i, c in conn.execute(
                "SELECT v.employee_id, v.content FROM brief_versions v JOIN employees e "
                "ON e.id = v.employee_id AND e.brief_version = v.version WHERE e.left_at IS NULL"
            )
        }
    return records, belt_ceiling(setting[0] if setting else None), stored
