"""Backups when something is off: a file where the folder should be, an empty or foreign database, a clock
that ran ahead, the files a killed copy leaves."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.cli import main as cli_main
from engine.clock import FakeClock
from engine.doctor import last_backup
from engine.store.backups import (
    DAILY,
    KEEP,
    MANUAL,
    BackupError,
    DailyBackup,
    damaged_advice,
    list_backups,
    prune,
    take_backup,
)
from engine.store.db import open_database

SUNDAY_0300 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


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


# --- an empty or foreign database is no backup ---------------------------------------------------------


def test_an_empty_database_is_not_backed_up_and_the_good_backups_stay(headcount_home: Path) -> None:
    """The probe: a cut-short (0-byte) database backed up 7 times pushed every good manual backup out."""
    db, folder = _database(headcount_home), headcount_home / "backups"
    good = [take_backup(db, folder, MANUAL, SUNDAY_0300 + n * HOUR) for n in range(3)]
    db.write_bytes(b"")
    for n in range(KEEP):
        with pytest.raises(BackupError, match=r"is empty \(0 bytes\).* not backed up: the backups you have are kept"):
            take_backup(db, folder, MANUAL, SUNDAY_0300 + (3 + n) * HOUR)
    assert [b.path for b in list_backups(folder)] == good[::-1]
    assert not list(folder.glob(".headcount-*"))


def test_a_database_with_no_tables_or_not_headcounts_is_not_backed_up(headcount_home: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    good = take_backup(db, folder, MANUAL, SUNDAY_0300)
    db.unlink()
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA user_version=1")  # a header, no table: 4 KB that open as an empty database
    assert db.stat().st_size > 0
    with pytest.raises(BackupError, match=r"holds no tables .* not backed up"):
        take_backup(db, folder, MANUAL, SUNDAY_0300 + HOUR)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(BackupError, match=r"is not a Headcount database \(no alembic_version, employees, steps, tasks"):
        take_backup(db, folder, MANUAL, SUNDAY_0300 + 2 * HOUR)
    assert [b.path for b in list_backups(folder)] == [good]


def test_backing_up_an_empty_database_fails_in_one_line_through_the_command(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _database(headcount_home)
    assert cli_main(["backup"]) == 0
    (saved,) = list_backups(headcount_home / "backups")
    capsys.readouterr()
    db.write_bytes(b"")
    assert cli_main(["backup"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty (0 bytes)" in err and f"restore {saved.path}" in err


# --- a clock that ran ahead ------------------------------------------------------------------------------


def test_a_backup_just_taken_is_never_the_one_rotation_removes(headcount_home: Path) -> None:
    """The probe: after 7 backups dated in the future, `headcount backup` printed the path it had just deleted."""
    db, folder = _database(headcount_home), headcount_home / "backups"
    ahead = [take_backup(db, folder, MANUAL, SUNDAY_0300 + DAY + n * HOUR) for n in range(KEEP)]
    fresh = take_backup(db, folder, MANUAL, SUNDAY_0300)  # the clock put right
    assert fresh.is_file()
    kept = [b.path for b in list_backups(folder, (MANUAL,))]
    assert len(kept) == KEEP and fresh in kept and ahead[0] not in kept  # the oldest of the others went
    again = take_backup(db, folder, MANUAL, SUNDAY_0300 + HOUR)
    assert again.is_file() and len(list_backups(folder, (MANUAL,))) == KEEP


async def test_a_daily_backup_dated_ahead_does_not_stand_for_today(headcount_home: Path) -> None:
    """The probe: one rehearsal under HEADCOUNT_CLOCK_OFFSET suspended the daily backups until its date came."""
    db, folder = _database(headcount_home), headcount_home / "backups"
    rehearsed = take_backup(db, folder, DAILY, SUNDAY_0300 + 3 * DAY)  # an office rehearsing three days on
    clock = FakeClock(SUNDAY_0300)
    daily = DailyBackup(db, folder, clock)
    taken = await daily.take_if_due()
    assert taken is not None and taken.name.startswith(f"headcount-daily-{SUNDAY_0300:%Y%m%d}T")
    assert await daily.take_if_due() is None  # one a day still
    assert await DailyBackup(db, folder, clock).take_if_due() is None  # also for another process
    clock.advance(DAY.total_seconds())
    assert await daily.take_if_due() is not None
    assert rehearsed.is_file()


def test_doctor_warns_about_backups_dated_ahead_of_the_clock(headcount_home: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    take_backup(db, folder, MANUAL, SUNDAY_0300 - HOUR)
    assert last_backup(folder, SUNDAY_0300, has_database=True).status == "ok"
    take_backup(db, folder, DAILY, SUNDAY_0300 + 5 * HOUR)
    take_backup(db, folder, DAILY, SUNDAY_0300 + 2 * HOUR)
    check = last_backup(folder, SUNDAY_0300, has_database=True)
    assert check.status == "warn"
    assert "2 backups are dated ahead of this machine's clock, by up to 5 h" in check.summary
    assert "headcount backup" in check.fix and str(folder) in check.fix


# --- what a killed copy leaves ---------------------------------------------------------------------------


def test_the_journal_a_killed_copy_leaves_is_cleared_with_its_copy(headcount_home: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    folder.mkdir()
    killed = folder / ".headcount-before-restore-20261201T030000000000.db.partial"
    left = [killed, killed.with_name(killed.name + "-journal")]
    in_flight = folder / ".headcount-manual-20261206T025959000000.db.partial-journal"  # another process, now
    for path in [*left, in_flight]:
        path.write_bytes(b"half a copy")
    for path in left:
        os.utime(path, (0, 0))
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    assert not any(path.exists() for path in left) and in_flight.exists()
    assert [b.path for b in list_backups(folder)] == [saved]
