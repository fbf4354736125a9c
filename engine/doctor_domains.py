"""The domains line of `headcount doctor`: stored owner's domains that many owners share, and so are ignored.

An earlier version accepted `headcount domains add com`; such a domain would count every stranger under it
as the owner's own, so the office ignores it (engine.office.decisions) and the doctor says so. Read-only.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from engine.doctor_check import Check
from engine.store.health import settings_like
from engine.tools.domains import split_stored

NAME = "domains"
KEY = "owner_domains"  # engine.office.decisions.OWNER_DOMAINS


def ignored_domains(db: Path) -> list[Check]:
    """One warning per stored owner's domain the office ignores; nothing when there is none."""
    if not db.is_file() or not db.stat().st_size:
        return []
    try:
        value = settings_like(db, KEY).get(KEY)
    except sqlite3.DatabaseError:
        return []  # the database line already says it is damaged
    try:
        stored = json.loads(value) if value else []
    except ValueError:
        stored = []
    _, ignored = split_stored(stored if isinstance(stored, list) else [])
    return [
        Check(
            name=NAME,
            status="warn",
            summary=f"{text!r} is ignored as one of your domains: {why}",
            fix=f"headcount domains remove {text}",
            details={"domain": text},
        )
        for text, why in ignored
    ]
