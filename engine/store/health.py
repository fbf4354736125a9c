"""Read-only looks at a database file for `headcount doctor`: integrity, schema revision, stored settings.

Every connection here is opened read-only (`mode=ro`), so asking is safe while the office works and
never creates a database where there was none.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

QUICK_CHECK_ROWS = 5  # problems reported at most; one is enough to say "restore a backup"


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that can only read `path` (and never creates it)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)


def quick_check(path: Path) -> list[str]:
    """SQLite's `PRAGMA quick_check`: an empty list when the file is intact, else its first problems.

    Raises sqlite3.DatabaseError when the file is not a database at all.
    """
    with closing(connect_read_only(path)) as conn:
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA quick_check({QUICK_CHECK_ROWS})")]
    return [] if rows == ["ok"] else rows


def schema_revision(path: Path) -> str | None:
    """The alembic revision the database is at; None before the first migration."""
    with closing(connect_read_only(path)) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:  # no such table: never migrated
            return None
    return str(row[0]) if row else None


def settings_like(path: Path, prefix: str) -> dict[str, str]:
    """Stored settings whose key starts with `prefix` (e.g. the connected models, `model:`)."""
    with closing(connect_read_only(path)) as conn:
        try:
            rows = conn.execute("SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
            return {str(k): str(v) for k, v in rows}
        except sqlite3.OperationalError:  # an office older than its settings table
            return {}


def employee_names(path: Path) -> dict[str, str]:
    """Everyone ever employed, name by id (for lines that would otherwise name an id)."""
    with closing(connect_read_only(path)) as conn:
        try:
            return {str(i): str(n) for i, n in conn.execute("SELECT id, name FROM employees")}
        except sqlite3.OperationalError:  # an office older than its employees table
            return {}
