"""Restore beyond the round trip: over an empty or foreign database, again and again, while other commands
write, interrupted, and told in the audit log."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.cli import main as cli_main
from engine.store.backups import BEFORE_RESTORE, MANUAL, damaged_advice, list_backups, take_backup
from engine.store.db import open_database
from engine.store.restore import restore_database

SUNDAY_0300 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _database(home: Path) -> Path:
    path = home / "headcount.db"
    open_database(path, home / "backups").dispose()
    return path


def _settings(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT key, value FROM settings").fetchall())


def _put(path: Path, key: str, value: str) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (key, value))


# --- over an empty or foreign database -------------------------------------------------------------------


def test_restoring_over_an_empty_database_keeps_no_copy_that_could_pass_for_a_backup(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The probe: a 4 KB before-restore copy of a 0-byte database, whose printed undo was refused, then became
    the newest backup the damaged-database advice names."""
    db, folder = _database(headcount_home), headcount_home / "backups"
    _put(db, "precious", "yes")
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    db.write_bytes(b"")
    for side in ("-wal", "-shm"):
        Path(f"{db}{side}").unlink(missing_ok=True)

    assert cli_main(["restore", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "was empty, so no copy of it was kept" in out and "to undo" not in out
    assert _settings(db) == {"precious": "yes"}
    assert [b.path for b in list_backups(folder)] == [saved]  # no 4 KB "before-restore" backup
    assert str(saved) in damaged_advice(db)


def test_restoring_over_a_foreign_database_copies_it_as_it_was_never_as_a_backup(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    db.unlink()
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.execute("INSERT INTO recipes VALUES ('soup')")

    assert cli_main(["restore", saved.name]) == 0
    out = capsys.readouterr().out
    assert "was not a Headcount database; it was copied as it was to" in out and "to undo" not in out
    assert [b.path for b in list_backups(folder)] == [saved]
    (copy,) = folder.glob("foreign-*.db")
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("SELECT name FROM recipes").fetchall() == [("soup",)]
    assert _settings(db) == {}


def test_restoring_where_there_is_no_database_keeps_nothing(headcount_home: Path, tmp_path: Path) -> None:
    db = _database(headcount_home)
    saved = take_backup(db, tmp_path / "elsewhere", MANUAL, SUNDAY_0300)
    db.unlink()
    restored = restore_database(saved, db, headcount_home / "backups", SUNDAY_0300 + HOUR)
    assert restored.previous == "absent" and restored.kept is None
    assert list_backups(headcount_home / "backups", (BEFORE_RESTORE,)) == []
    open_database(db, headcount_home / "backups").dispose()
