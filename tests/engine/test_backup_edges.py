"""Backups when something is off: a file where the folder should be, an empty or foreign database, a clock
that ran ahead, the files a killed copy leaves."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.cli import main as cli_main
from engine.clock import FakeClock
from engine.doctor import last_backup
from engine.store.backups import BackupError, DailyBackup, damaged_advice, list_backups, prune
from engine.store.db import open_database

SUNDAY_0300 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _database(home: Path) -> Path:
    path = home / "headcount.db"
    open_database(path, home / "backups").dispose()
    return path


# --- a file where the backups folder should be -------------------------------------------------------


def test_a_file_where_the_backups_folder_should_be_is_one_clear_line_for_list_and_doctor(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _database(headcount_home)
    folder = headcount_home / "backups"
    folder.write_text("a file where the folder should be")

    with pytest.raises(BackupError, match="is a file, not a folder"):
        list_backups(folder)
    assert cli_main(["backup", "--list"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file, not a folder" in err and "Traceback" not in err

    check = last_backup(folder, SUNDAY_0300, has_database=True)
    assert check.status == "problem" and "is a file, not a folder" in check.summary
    assert f"mv {folder} {folder}.old" in check.fix and "headcount backup" in check.fix

    assert cli_main(["backup"]) == 1  # taking one says the same, in one line
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file, not a folder" in err
    assert folder.read_text() == "a file where the folder should be"


def test_the_daily_backup_and_the_damaged_database_advice_carry_on_past_a_file_for_a_folder(
    headcount_home: Path,
) -> None:
    db = _database(headcount_home)
    folder = headcount_home / "backups"
    folder.write_text("a file where the folder should be")
    assert "there is no backup in" in damaged_advice(db)
    assert DailyBackup(db, folder, FakeClock(SUNDAY_0300)).due()  # taking it says what is wrong, in the log
    prune(folder, "manual", 7)  # logs, never raises
