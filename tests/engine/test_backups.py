"""Backups: daily rotation on the injected clock, online copies of a live database, restore and its refusals."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command

from engine.clock import FakeClock
from engine.events import TaskChanged
from engine.runlock import RunLock
from engine.store import backups as backups_module
from engine.store.backups import (
    BEFORE_MIGRATION,
    BEFORE_RESTORE,
    DAILY,
    KEEP,
    MANUAL,
    BackupError,
    DailyBackup,
    list_backups,
    take_backup,
)
from engine.store.db import StoreError, alembic_config, open_database
from engine.store.restore import restore_database
from engine.testing import ScriptedModel, say
from tests.engine.conftest import BriefWriter, OfficeFactory

ROOT = Path(__file__).resolve().parents[2]
SUNDAY_0300 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def headcount(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "app.launcher", *args], capture_output=True, text=True, env=env, timeout=180
    )
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


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


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _damage(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.write(b"scribbled over by a failing disk " * 4)


# --- taking backups ------------------------------------------------------------------------------


async def test_daily_backups_keep_the_last_seven_and_at_most_one_a_day(headcount_home: Path) -> None:
    db = _database(headcount_home)
    folder = headcount_home / "backups"
    first = SUNDAY_0300.replace(hour=0)
    upgrade = take_backup(db, folder, BEFORE_MIGRATION, first - DAY)  # another kind, rotated on its own
    clock = FakeClock(first)
    daily = DailyBackup(db, folder, clock)
    for day in range(9):
        clock.set(first + day * DAY)
        assert await daily.take_if_due() is not None, f"day {day}: no backup"
        for later in (timedelta(hours=3), timedelta(hours=12), timedelta(hours=23, minutes=59, seconds=59)):
            clock.set(first + day * DAY + later)
            assert await daily.take_if_due() is None, f"day {day}: a second backup at {clock.now()}"
        assert await DailyBackup(db, folder, clock).take_if_due() is None  # another process, same day

    kept = list_backups(folder, (DAILY,))
    assert [b.taken_at.date() for b in kept] == [(first + d * DAY).date() for d in range(8, 1, -1)]
    assert len(kept) == KEEP == 7
    assert [b.path for b in list_backups(folder, (BEFORE_MIGRATION,))] == [upgrade]

    clock.set(first + 3 * DAY)  # the clock set back to a day that has its backup: no second one
    assert await DailyBackup(db, folder, clock).take_if_due() is None


async def test_a_failed_daily_backup_is_logged_retried_an_hour_later_and_never_raised(
    headcount_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = _database(headcount_home)
    folder = headcount_home / "backups"
    folder.write_text("a file where the folder should be: every backup fails, as on a full disk")
    clock = FakeClock(SUNDAY_0300)
    daily = DailyBackup(db, folder, clock)
    assert await daily.take_if_due() is None
    assert "could not back up" in caplog.text and "carries on" in caplog.text
    caplog.clear()
    clock.advance(30 * 60)
    assert await daily.take_if_due() is None
    assert caplog.text == ""  # not tried again every 3 s poll
    folder.unlink()
    clock.advance(31 * 60)
    saved = await daily.take_if_due()
    assert saved is not None and saved.is_file()


def test_a_backup_that_fails_midway_leaves_nothing_that_looks_like_a_backup(
    headcount_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _database(headcount_home)
    folder = headcount_home / "backups"

    def half_then_full_disk(database: Path, dest: Path) -> None:
        dest.write_bytes(db.read_bytes()[:4096])
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backups_module, "_copy", half_then_full_disk)
    with pytest.raises(BackupError, match="disk is full"):
        take_backup(db, folder, MANUAL, SUNDAY_0300)
    assert list(folder.iterdir()) == []


def test_a_temporary_file_left_by_a_crash_is_cleared_by_the_next_backup(headcount_home: Path) -> None:
    db = _database(headcount_home)
    folder = headcount_home / "backups"
    folder.mkdir()
    crashed = folder / ".headcount-daily-20261201T030000000000.db.partial"
    crashed.write_bytes(b"half a backup")
    os.utime(crashed, (0, 0))
    in_flight = folder / ".headcount-daily-20261206T025959000000.db.partial"  # another process, right now
    in_flight.write_bytes(b"being written")
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    assert not crashed.exists() and in_flight.exists()
    assert [b.path for b in list_backups(folder)] == [saved]


def test_a_backup_of_a_live_wal_database_holds_what_is_only_in_the_wal(headcount_home: Path) -> None:
    db = _database(headcount_home)
    live = sqlite3.connect(db, isolation_level=None)
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("PRAGMA wal_autocheckpoint=0")  # committed rows stay in the WAL, not the main file
    for i in range(300):
        live.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (f"k{i}", "committed"))
    writing = sqlite3.connect(db, isolation_level=None)
    writing.execute("BEGIN IMMEDIATE")
    writing.execute("INSERT INTO settings (key, value) VALUES ('pending', 'not committed')")
    try:
        main_only = headcount_home / "main-file-only.db"
        shutil.copyfile(db, main_only)  # what a plain file copy would have saved
        assert _settings(main_only) == {}
        assert Path(f"{db}-wal").stat().st_size > 0

        saved = take_backup(db, headcount_home / "backups", MANUAL, SUNDAY_0300)
    finally:
        writing.execute("ROLLBACK")
        writing.close()
        live.close()
    rows = _settings(saved)
    assert len(rows) == 300 and set(rows.values()) == {"committed"}
    with closing(sqlite3.connect(saved)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    assert not Path(f"{saved}-wal").exists()


def test_a_migration_backs_up_first_on_the_injected_clock_in_its_own_rotation(headcount_home: Path) -> None:
    db, folder = headcount_home / "headcount.db", headcount_home / "backups"
    engine = open_database(db, folder)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "base")  # a database from before the first migration
        conn.exec_driver_sql("CREATE TABLE legacy (v TEXT)")
    engine.dispose()
    clock = FakeClock(datetime(2026, 3, 1, 4, 5, 6, 789, tzinfo=UTC))
    open_database(db, folder, clock=clock).dispose()
    (saved,) = list_backups(folder)
    assert saved.kind == BEFORE_MIGRATION and saved.taken_at == clock.now()
    for day in range(KEEP + 2):
        take_backup(db, folder, MANUAL, clock.now() + day * DAY)
    assert len(list_backups(folder, (MANUAL,))) == KEEP
    assert list_backups(folder, (BEFORE_MIGRATION,)) == [saved]


def test_no_migration_without_its_backup(headcount_home: Path) -> None:
    db, folder = headcount_home / "headcount.db", headcount_home / "backups"
    engine = open_database(db, folder)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
        conn.exec_driver_sql("CREATE TABLE legacy (v TEXT)")
    engine.dispose()
    folder.write_text("not a folder")
    with pytest.raises(StoreError, match=r"could not back up .*not upgraded"):
        open_database(db, folder)
    with closing(sqlite3.connect(db)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "legacy" in tables and "settings" not in tables  # still as it was: not upgraded


# --- the office takes them -------------------------------------------------------------------------


class _Watched(DailyBackup):
    """The office's daily backup, telling the test each time one is taken."""

    def __init__(self, database: Path, folder: Path, clock: FakeClock) -> None:
        super().__init__(database, folder, clock)
        self.taken: asyncio.Queue[Path] = asyncio.Queue()

    async def take_if_due(self) -> Path | None:
        path = await super().take_if_due()
        if path is not None:
            self.taken.put_nowait(path)
        return path


class _NappingClock(FakeClock):
    """A fake clock that says when someone (here only the office's poll) starts sleeping on it."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.napping = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.napping.set()
        await super().sleep(seconds)


async def test_a_working_office_backs_up_at_the_start_of_run_and_from_its_poll(
    make_office: OfficeFactory, headcount_home: Path
) -> None:
    folder = headcount_home / "backups"
    clock = _NappingClock(SUNDAY_0300)
    office = await make_office(ScriptedModel(), clock=clock)
    watched = office.parts.scheduler.daily_backup = _Watched(office.home.database, folder, clock)
    await office.run(until_idle=True)
    await office.run(until_idle=True)
    assert watched.taken.qsize() == 1

    clock.advance(DAY.total_seconds())
    await office.run(until_idle=True)
    assert watched.taken.qsize() == 2 and len(list_backups(folder, (DAILY,))) == 2
    while not watched.taken.empty():
        watched.taken.get_nowait()

    runner = asyncio.create_task(office.run(until_idle=False))  # the window: serves until closed
    try:
        for day in (2, 3):
            await asyncio.wait_for(clock.napping.wait(), 10)  # the poll is asleep
            clock.napping.clear()
            assert watched.taken.empty()
            clock.advance(DAY.total_seconds())  # it wakes, and sees a new day
            path = await asyncio.wait_for(watched.taken.get(), 10)
            assert path.name.startswith(f"headcount-daily-{SUNDAY_0300 + day * DAY:%Y%m%d}T")
        assert not runner.done()
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    assert len(list_backups(folder, (DAILY,))) == 4


async def test_a_failed_backup_never_stops_the_work(
    make_office: OfficeFactory, write_brief: BriefWriter, headcount_home: Path
) -> None:
    (headcount_home / "backups").write_text("a file where the folder should be")
    office = await make_office(ScriptedModel(say("done")), clock=FakeClock(SUNDAY_0300))
    await office.hire(office.brief_for(str(write_brief())), name="Ada")
    done = asyncio.Event()
    office.bus.subscribe(lambda e: done.set() if isinstance(e, TaskChanged) and e.status == "done" else None)
    await office.assign("ada", "Work on, backup or not")
    await office.run(until_idle=True)
    assert done.is_set()
    (task,) = await office.journal.tasks()
    assert task.status == "done"


# --- restore -------------------------------------------------------------------------------------


def test_restore_round_trip_through_real_processes(headcount_home: Path) -> None:
    home = headcount_home
    headcount(home, "hire", "assistant", "--name", "Ada")
    headcount(home, "assign", "Ada", "Before the backup")
    saved = Path(headcount(home, "backup").stdout.strip())
    assert saved.parent == home / "backups" and saved.is_file()
    headcount(home, "assign", "Ada", "After the backup")

    out = headcount(home, "restore", str(saved)).stdout
    assert _titles(home) == ["Before the backup"]

    undo = shlex.split(out.split("to undo: ")[1].strip())
    assert undo[0] == "headcount" and undo[-2] == "restore"
    headcount(home, *undo[1:])
    assert _titles(home) == ["After the backup", "Before the backup"]

    listing = headcount(home, "backup", "--list").stdout
    assert "manual" in listing and "before-restore" in listing and "KB" in listing
    assert str(saved) in listing


def _titles(home: Path) -> list[str]:
    return sorted(t["title"] for t in json.loads(headcount(home, "tasks", "--json").stdout))


def test_restore_puts_the_backup_in_place_of_a_database_a_crash_left_with_a_wal(headcount_home: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    crash = textwrap.dedent(
        f"""
        import os, sqlite3
        conn = sqlite3.connect({str(db)!r}, isolation_level=None)
        conn.execute("PRAGMA wal_autocheckpoint=0")
        for i in range(50):
            conn.execute("INSERT INTO settings (key, value) VALUES (?, 'only in the WAL')", (f"k{{i}}",))
        os._exit(0)  # like kill -9: no checkpoint, the WAL stays
        """
    )
    subprocess.run([sys.executable, "-c", crash], check=True)
    assert Path(f"{db}-wal").stat().st_size > 0

    restored = restore_database(saved, db, folder, SUNDAY_0300 + timedelta(hours=1))

    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()
    assert _settings(db) == {}  # the old WAL was not replayed onto the restored file
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert restored.kept is not None and restored.previous == "kept"
    assert len(_settings(restored.kept)) == 50  # what was only in the WAL is in the copy kept
    assert [b.kind for b in list_backups(folder)] == [BEFORE_RESTORE, MANUAL]
    open_database(db, folder).dispose()


def test_restore_is_refused_while_another_process_works_the_office(headcount_home: Path) -> None:
    home = headcount_home
    db = _database(home)
    saved = take_backup(db, home / "backups", MANUAL, SUNDAY_0300)
    _put(db, "after", "the backup")
    before, listed = _digest(db), list_backups(home / "backups")
    lock = RunLock(home / "run.lock")
    lock.acquire()
    try:
        refused = headcount(home, "restore", str(saved), ok=False)
    finally:
        lock.release()
    assert refused.returncode == 1
    assert "cannot restore while this office is at work" in refused.stderr and "Traceback" not in refused.stderr
    assert _digest(db) == before and list_backups(home / "backups") == listed

    headcount(home, "restore", saved.name)  # once it stops; a name in the backups folder is enough
    assert "after" not in _settings(db)


def test_restore_refuses_what_is_not_a_headcount_database_and_leaves_the_current_one(
    headcount_home: Path, tmp_path: Path
) -> None:
    home = headcount_home
    db = _database(home)
    _put(db, "precious", "yes")
    saved = take_backup(db, tmp_path / "elsewhere", MANUAL, SUNDAY_0300)
    junk = tmp_path / "notes.db"
    junk.write_text("meeting notes\n" * 200)
    stranger = tmp_path / "stranger.db"
    with closing(sqlite3.connect(stranger)) as conn, conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    half = tmp_path / "half.db"
    half.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    before = _digest(db)

    for path, reason in [
        (junk, "is not a Headcount backup (file is not a database)"),
        (stranger, "is not a Headcount database"),
        (half, str(half)),
        (tmp_path / "missing.db", "there is no file"),
    ]:
        refused = headcount(home, "restore", str(path), ok=False)
        assert refused.returncode == 1, path
        assert reason in refused.stderr and "nothing was changed" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
    assert _digest(db) == before and _settings(db) == {"precious": "yes"}
    assert not (home / "backups").exists()  # refused before even keeping a copy


# --- the damaged-database message ------------------------------------------------------------------


def test_a_damaged_databases_message_names_the_newest_backup(headcount_home: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    take_backup(db, folder, BEFORE_MIGRATION, SUNDAY_0300 - 3 * DAY)
    older = take_backup(db, folder, DAILY, SUNDAY_0300 - DAY)
    newest = take_backup(db, folder, MANUAL, SUNDAY_0300)
    take_backup(db, folder, DAILY, SUNDAY_0300 - 2 * DAY)
    _damage(db)
    with pytest.raises(StoreError) as refused:
        open_database(db, folder)
    message = str(refused.value)
    assert f"headcount --home {headcount_home} restore {newest}" in message
    assert str(older) not in message


def test_a_damaged_database_is_not_backed_up_and_the_good_backups_stay(headcount_home: Path) -> None:
    """Its copy would be the newest backup, the one the damaged-database advice names, and push a good one out."""
    db, folder = _database(headcount_home), headcount_home / "backups"
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.executemany("INSERT INTO settings (key, value) VALUES (?, ?)", [(f"k{n}", "v" * 200) for n in range(2000)])
    good = take_backup(db, folder, MANUAL, SUNDAY_0300 - DAY)
    size = db.stat().st_size
    with db.open("r+b") as handle:  # a failing disk scribbles over pages in the middle of the file
        handle.seek(size // 2 // 4096 * 4096)
        handle.write(bytes(range(256)) * 48)
    for n in range(KEEP + 1):  # the owner tries again and again
        with pytest.raises(BackupError, match=r"is damaged .* so it was not backed up: the backups you have are kept"):
            take_backup(db, folder, MANUAL, SUNDAY_0300 + n * DAY)
    assert [b.path for b in list_backups(folder)] == [good]
    assert not list(folder.glob(".headcount-*"))  # no partial copy left behind


def test_a_damaged_database_with_no_backup_says_so_and_what_to_do(headcount_home: Path) -> None:
    db = _database(headcount_home)
    _damage(db)
    with pytest.raises(StoreError) as refused:
        open_database(db, headcount_home / "backups")
    message = str(refused.value)
    assert "there is no backup in" in message and f"move {db}" in message and "start fresh" in message


def test_the_command_a_damaged_database_names_brings_the_office_back(headcount_home: Path) -> None:
    home = headcount_home
    headcount(home, "hire", "assistant", "--name", "Ada")
    headcount(home, "backup")
    _damage(home / "headcount.db")
    refused = headcount(home, "roster", ok=False)
    assert refused.returncode == 1 and "damaged" in refused.stderr and "Traceback" not in refused.stderr
    argv = shlex.split(refused.stderr.split("with: ")[1].strip())
    assert argv[0] == "headcount"
    out = headcount(home, *argv[1:]).stdout
    assert "damaged database was copied" in out
    assert "Ada" in headcount(home, "roster").stdout


def test_restore_over_a_damaged_database_that_a_crash_left_with_a_wal(headcount_home: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    crash = textwrap.dedent(
        f"""
        import os, sqlite3
        conn = sqlite3.connect({str(db)!r}, isolation_level=None)
        conn.execute("PRAGMA wal_autocheckpoint=0")
        for i in range(50):
            conn.execute("INSERT INTO settings (key, value) VALUES (?, 'only in the WAL')", (f"k{{i}}",))
        os._exit(0)  # like kill -9: no checkpoint, the WAL stays
        """
    )
    subprocess.run([sys.executable, "-c", crash], check=True)
    wal = Path(f"{db}-wal").read_bytes()
    assert len(wal) > 0
    _damage(db)

    restored = restore_database(saved, db, folder, SUNDAY_0300 + timedelta(hours=1))

    assert restored.kept is not None and restored.previous == "damaged"
    assert Path(f"{restored.kept}-wal").read_bytes() == wal  # the damaged files, kept as they lay
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()
    open_database(db, folder).dispose()
    assert _settings(db) == {}  # a WAL left behind is replayed onto the restored file: its 50 rows reappear
