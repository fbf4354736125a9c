"""Restore beyond the round trip: over an empty or foreign database, again and again, while other commands
write, interrupted, and told in the audit log."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from engine.cli import main as cli_main
from engine.store import backups as backups_module
from engine.store import restore as restore_module
from engine.store.backups import BEFORE_RESTORE, KEEP, MANUAL, damaged_advice, list_backups, take_backup
from engine.store.db import open_database
from engine.store.restore import Restored, restore_database
from tests.engine.test_backups import SUNDAY_0300, _database, _put, _settings, headcount

HOUR = timedelta(hours=1)


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
    assert _settings(db)["precious"] == "yes"
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
    assert set(_settings(db)) == {"audit_head"}  # the backup's settings, and the restore's audit row


def test_restoring_where_there_is_no_database_keeps_nothing(headcount_home: Path, tmp_path: Path) -> None:
    db = _database(headcount_home)
    saved = take_backup(db, tmp_path / "elsewhere", MANUAL, SUNDAY_0300)
    db.unlink()
    restored = restore_database(saved, db, headcount_home / "backups", SUNDAY_0300 + HOUR)
    assert restored.previous == "absent" and restored.kept is None
    assert list_backups(headcount_home / "backups", (BEFORE_RESTORE,)) == []
    open_database(db, headcount_home / "backups").dispose()


# --- while other commands write ------------------------------------------------------------------------

# Another command's connection (assign, approve, remember: none takes the run lock), writing as fast as it can
# and saying which writes were acknowledged (committed). A write refused (locked past its busy timeout) is not.
_WRITER = """
import sqlite3, sys
from pathlib import Path
conn = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
stop, n = Path(sys.argv[2]), 0
while not stop.exists():
    n += 1
    try:
        conn.execute("INSERT INTO settings (key, value) VALUES (?, 'acknowledged')", (f"w{n}",))
    except sqlite3.OperationalError as exc:
        print(f"w{n} refused: {exc}", file=sys.stderr, flush=True)
        continue
    print(f"w{n}", flush=True)
"""


def test_no_write_another_process_commits_while_restoring_is_lost(headcount_home: Path, tmp_path: Path) -> None:
    """The probe: of 40 `assign`s run during a restore, 3 acknowledged tasks were in neither the restored
    database nor the copy kept; they were committed to the old file, which the restore replaced."""
    db, folder = _database(headcount_home), headcount_home / "backups"
    with closing(sqlite3.connect(db)) as conn, conn:  # some bulk, so the copy takes a while
        conn.executemany(
            "INSERT INTO settings (key, value) VALUES (?, ?)", [(f"bulk{n}", "v" * 4000) for n in range(2000)]
        )
    saved = take_backup(db, tmp_path / "elsewhere", MANUAL, SUNDAY_0300)
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(db), str(stop)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    acknowledged = [writer.stdout.readline().strip()]  # it writes: wait for its first commit
    try:
        restore = headcount(headcount_home, "restore", str(saved), ok=False)
        assert restore.returncode == 0, restore.stderr
        # A few more after the restore: a connection opened before it must write into the restored data.
        acknowledged += [writer.stdout.readline().strip() for _ in range(3)]
    finally:
        stop.touch()
        with writer.stdout:
            acknowledged += [line.strip() for line in writer.stdout]
        writer.wait(timeout=60)
    (kept,) = list_backups(folder, (BEFORE_RESTORE,))
    found = set(_settings(db)) | set(_settings(kept.path))
    assert [w for w in acknowledged if w not in found] == []
    assert "bulk1" in _settings(db)


# --- told in the audit log -----------------------------------------------------------------------------


def test_a_restore_is_told_in_the_restored_databases_audit_log_and_the_chain_holds(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["hire", "assistant", "--name", "Ada"]) == 0  # an audit row to chain from
    assert cli_main(["backup"]) == 0
    (saved,) = list_backups(headcount_home / "backups")
    assert cli_main(["assign", "Ada", "After the backup"]) == 0
    capsys.readouterr()

    assert cli_main(["restore", saved.path.name]) == 0
    (kept,) = list_backups(headcount_home / "backups", (BEFORE_RESTORE,))
    capsys.readouterr()
    assert cli_main(["audit", "show", "--kind", "restored"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert f"database restored from {saved.path.name}" in line and f"kept as {kept.path.name}" in line
    assert cli_main(["audit", "verify"]) == 0
    assert "Audit log intact" in capsys.readouterr().out


def test_a_restore_that_cannot_be_recorded_stands_and_says_so(headcount_home: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    _put(db, "after", "the backup")

    def full_disk(restored: Restored) -> None:
        raise OSError("database or disk is full")

    restored = restore_database(saved, db, folder, SUNDAY_0300 + HOUR, record=full_disk)
    assert restored.unrecorded == "database or disk is full" and restored.previous == "kept"
    assert _settings(db) == {}


# --- again and again -----------------------------------------------------------------------------------


def test_restoring_the_same_backup_again_changes_nothing_and_the_first_undo_still_works(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The probe: each restore kept the current database first, 7 per kind, so restoring one backup again and
    again pushed out the database as it was before the first, and the undo printed then stopped working."""
    assert cli_main(["hire", "assistant", "--name", "Ada"]) == 0
    assert cli_main(["backup"]) == 0
    (saved,) = list_backups(headcount_home / "backups")
    assert cli_main(["assign", "Ada", "After the backup"]) == 0
    capsys.readouterr()

    assert cli_main(["restore", str(saved.path)]) == 0
    undo = capsys.readouterr().out.split("to undo: ")[1].split()
    for _ in range(KEEP + 1):
        assert cli_main(["restore", str(saved.path)]) == 0
        out = capsys.readouterr().out
        assert out == f"{headcount_home / 'headcount.db'} already holds what {saved.path} holds; nothing was changed.\n"
    assert len(list_backups(headcount_home / "backups", (BEFORE_RESTORE,))) == 1
    assert cli_main(["audit", "show", "--kind", "restored"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1  # only the restore that changed something

    assert undo[0] == "headcount" and cli_main(undo[1:]) == 0
    assert cli_main(["tasks", "--json"]) == 0
    assert "After the backup" in capsys.readouterr().out
    assert cli_main(["audit", "verify"]) == 0


def test_a_database_that_differs_from_the_backup_in_any_row_is_restored(headcount_home: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    _put(db, "colour", "blue")
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    assert restore_database(saved, db, folder, SUNDAY_0300 + HOUR).previous == "unchanged"
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE settings SET value = 'green' WHERE key = 'colour'")  # same count, another value
    restored = restore_database(saved, db, folder, SUNDAY_0300 + 2 * HOUR)
    assert restored.previous == "kept" and _settings(db)["colour"] == "blue"
    assert restored.kept is not None and _settings(restored.kept)["colour"] == "green"


# --- Ctrl-C ----------------------------------------------------------------------------------------------


def _ctrl_c_after(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
    """Press Ctrl-C (a real SIGINT to this process) right after `module.name` has run."""
    real = getattr(module, name)

    def then_ctrl_c(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)
        return result

    monkeypatch.setattr(module, name, then_ctrl_c)


@pytest.mark.parametrize("when", ["stage", "same_content"])
def test_ctrl_c_before_the_restored_database_commits_changes_nothing_and_says_so(
    headcount_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    _put(db, "after", "the backup")
    _ctrl_c_after(monkeypatch, restore_module, when)  # while keeping the database, or while writing pages

    assert cli_main(["restore", str(saved)]) == 130
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("headcount: restore interrupted: the database was not changed")
    assert _settings(db)["after"] == "the backup"
    kept = list_backups(folder, (BEFORE_RESTORE,))
    assert [b.path for b in kept] == ([] if when == "stage" else [Path(line.split("kept in ")[1][:-1])])
    assert not list(folder.glob(".headcount-*"))


def test_ctrl_c_once_the_restored_database_committed_finishes_the_restore_and_says_so(
    headcount_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    _put(db, "after", "the backup")
    _ctrl_c_after(monkeypatch, restore_module, "prune")

    assert cli_main(["restore", str(saved)]) == 130
    captured = capsys.readouterr()
    assert captured.out.startswith("Restored ") and "to undo: " in captured.out
    assert captured.err == "headcount: interrupted, but only once the restore was done (above)\n"
    assert "after" not in _settings(db)


def test_ctrl_c_while_backing_up_says_whether_a_backup_was_taken(
    headcount_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _database(headcount_home)
    folder = headcount_home / "backups"

    def ctrl_c(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(backups_module, "_copy", ctrl_c)  # midway through the copy
        assert cli_main(["backup"]) == 130
    assert capsys.readouterr().err == "headcount: backup interrupted: no backup was taken, nothing changed\n"
    assert list(folder.iterdir()) == []

    with monkeypatch.context() as patch:
        patch.setattr(backups_module, "prune", ctrl_c)  # renamed into place, rotating
        assert cli_main(["backup"]) == 130
    (taken,) = list_backups(folder)
    assert capsys.readouterr().err == f"headcount: interrupted, but only once the backup was taken: {taken.path}\n"
