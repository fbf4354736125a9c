"""Backups keep the office's files (workspaces, teams, the owner's briefs) beside the database, and restore puts
them back: with their undo, in pairs when rotated, refused when the archive is damaged or unsafe."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import stat
import threading
import zipfile
from pathlib import Path

import pytest

from engine.cli import main as cli_main
from engine.clock import FakeClock
from engine.doctor import last_backup
from engine.store import backups as backups_module
from engine.store import files_archive
from engine.store.backups import BEFORE_RESTORE, KEEP, MANUAL, BackupError, DailyBackup, list_backups, take_backup
from tests.engine.test_backups import DAY, SUNDAY_0300, _database, _digest, _put, _settings, headcount

FILES = {
    "workspaces/ada/draft.md": "Ada's draft, v1\n",
    "workspaces/ada/deliverables/report.md": "The quarterly report\n",
    "teams/growth/sprint-3/plan.md": "Sprint 3: ship the landing page\n",
    "briefs/roles/analyst.md": "---\nid: analyst\n---\nThe owner's own brief\n",
}


def _write(home: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = home / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _files(home: Path) -> dict[str, str]:
    """Every file in the office's folders, by its path under the data folder."""
    found: dict[str, str] = {}
    for folder in ("workspaces", "teams", "briefs"):
        for path in sorted((home / folder).rglob("*")):
            if path.is_file():
                found[path.relative_to(home).as_posix()] = path.read_text()
    return found


def _lose_work(home: Path) -> None:
    """What an owner restores a backup for: a deliverable deleted, a team file scribbled over, and a stray file."""
    (home / "workspaces/ada/deliverables/report.md").unlink()
    (home / "teams/growth/sprint-3/plan.md").write_text("oops\n")
    _write(home, {"workspaces/ada/scratch.md": "written after the backup\n"})


def _restore(*args: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert cli_main(["restore", *args]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


# --- restore brings the files back -------------------------------------------------------------------------------


def test_a_backup_brings_back_the_files_lost_after_it_and_its_undo_brings_back_those_as_they_were(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _database(headcount_home)
    _write(headcount_home, FILES)
    assert cli_main(["backup"]) == 0
    saved = Path(capsys.readouterr().out.strip())
    assert saved.with_suffix(".zip").is_file()
    _lose_work(headcount_home)
    lost = _files(headcount_home)

    out = _restore(saved.name, capsys=capsys)
    assert _files(headcount_home) == FILES  # the deliverable back, the team file as it was, the stray file gone
    assert "files (workspaces/, teams/, briefs/) were put back" in out

    (kept,) = list_backups(headcount_home / "backups", (BEFORE_RESTORE,))
    assert kept.files_size is not None and "database and files as they were are kept in" in out
    undo = out.split("to undo: ")[1].split()
    assert undo[0] == "headcount" and cli_main(undo[1:]) == 0
    assert _files(headcount_home) == lost  # the undo brings back the files as they were before the restore
    assert _settings(db) == {"audit_head": _settings(db)["audit_head"]}
    assert not list(headcount_home.glob(".restoring-files-*")) and not list(headcount_home.glob(".replaced-files-*"))


def test_restore_through_a_real_process_brings_back_a_workspace(headcount_home: Path) -> None:
    headcount(headcount_home, "hire", "assistant", "--name", "Ada")
    _write(headcount_home, FILES)
    saved = Path(headcount(headcount_home, "backup").stdout.strip())
    shutil.rmtree(headcount_home / "workspaces")
    out = headcount(headcount_home, "restore", str(saved)).stdout
    assert _files(headcount_home) == FILES and "were put back" in out


def test_restoring_the_backup_again_once_the_files_are_back_changes_nothing(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _database(headcount_home)
    _write(headcount_home, FILES)
    saved = take_backup(headcount_home / "headcount.db", headcount_home / "backups", MANUAL, SUNDAY_0300)
    _lose_work(headcount_home)
    _restore(str(saved), capsys=capsys)
    out = _restore(str(saved), capsys=capsys)
    assert out.endswith("nothing was changed.\n") and out.count("\n") == 1
    assert len(list_backups(headcount_home / "backups", (BEFORE_RESTORE,))) == 1


# --- an older backup: the database only ---------------------------------------------------------------------------


def test_a_backup_without_files_restores_the_database_only_and_says_so_in_one_line(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _database(headcount_home)
    _write(headcount_home, FILES)
    saved = take_backup(db, headcount_home / "backups", MANUAL, SUNDAY_0300)
    saved.with_suffix(".zip").unlink()  # as an older version took it
    _put(db, "after", "the backup")
    _lose_work(headcount_home)
    lost = _files(headcount_home)

    out = _restore(str(saved), capsys=capsys)
    assert "after" not in _settings(db)
    assert _files(headcount_home) == lost  # left as they are
    (note,) = [line for line in out.splitlines() if "database only" in line]
    assert note == (
        f"{saved.name} holds the database only (taken before backups kept the office's files): "
        "the files (workspaces/, teams/, briefs/) were left as they are."
    )

    assert cli_main(["backup", "--list"]) == 0
    listing = capsys.readouterr().out
    (row,) = [line for line in listing.splitlines() if str(saved) in line]
    assert " none " in row


# --- rotation and the listing --------------------------------------------------------------------------------------


def test_rotation_removes_each_database_copy_with_its_files(headcount_home: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    _write(headcount_home, FILES)
    taken = [take_backup(db, folder, MANUAL, SUNDAY_0300 + n * DAY) for n in range(KEEP + 2)]
    kept = list_backups(folder, (MANUAL,))
    assert [b.path for b in kept] == taken[:1:-1]
    assert sorted(p.name for p in folder.glob("*.zip")) == sorted(b.path.with_suffix(".zip").name for b in kept)
    for gone in taken[:2]:
        assert not gone.exists() and not gone.with_suffix(".zip").exists()
    assert all(b.files_size and b.files_size == b.files.stat().st_size for b in kept)


def test_the_listing_shows_each_backups_files_archive_and_its_size(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _database(headcount_home)
    _write(headcount_home, FILES)
    saved = take_backup(db, headcount_home / "backups", MANUAL, SUNDAY_0300)
    capsys.readouterr()
    assert cli_main(["backup", "--list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["files_path"] == str(saved.with_suffix(".zip"))
    assert row["files_size_bytes"] == saved.with_suffix(".zip").stat().st_size > 0
    assert cli_main(["backup", "--list"]) == 0
    header, line = capsys.readouterr().out.splitlines()
    assert "database" in header and "files" in header and str(saved) in line
    with zipfile.ZipFile(saved.with_suffix(".zip")) as archive:
        assert {n for n in archive.namelist() if not n.endswith("/")} == set(FILES)


# --- refused before anything changes -------------------------------------------------------------------------------


def _member(name: str, *, mode: int = stat.S_IFREG | 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    return info


@pytest.mark.parametrize(
    ("member", "content", "reason"),
    [
        (_member("../escaped.md"), b"out of the data folder", "climbs out of its folder"),
        (_member("workspaces/ada/../../../escaped.md"), b"out of the data folder", "climbs out of its folder"),
        (_member("/tmp/headcount-escaped.md"), b"anywhere", "is an absolute path"),
        (_member("workspaces/ada/link", mode=stat.S_IFLNK | 0o777), b"/etc/passwd", "is a link"),
        (_member("run.lock"), b"beside the database", "lies outside workspaces, teams, briefs"),
    ],
)
def test_an_archive_member_no_backup_holds_is_refused_and_nothing_changes(
    headcount_home: Path,
    capsys: pytest.CaptureFixture[str],
    member: zipfile.ZipInfo,
    content: bytes,
    reason: str,
) -> None:
    db = _database(headcount_home)
    _write(headcount_home, FILES)
    saved = take_backup(db, headcount_home / "backups", MANUAL, SUNDAY_0300)
    with zipfile.ZipFile(saved.with_suffix(".zip"), "a") as archive:
        archive.writestr(member, content)
    _put(db, "after", "the backup")
    _lose_work(headcount_home)
    before, files, listed = _digest(db), _files(headcount_home), list_backups(headcount_home / "backups")

    capsys.readouterr()
    assert cli_main(["restore", str(saved)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and reason in err and "nothing was changed" in err, err
    assert _digest(db) == before and _files(headcount_home) == files
    assert list_backups(headcount_home / "backups") == listed  # no before-restore copy either
    assert not (headcount_home.parent / "escaped.md").exists() and not Path("/tmp/headcount-escaped.md").exists()
    assert not list(headcount_home.glob(".restoring-files-*")) and not list(headcount_home.glob(".replaced-*"))
    assert not list((headcount_home / "backups").glob(".headcount-*"))


@pytest.mark.parametrize("damage", ["cut short", "scribbled over"])
def test_a_damaged_files_archive_is_refused_before_anything_changes(
    headcount_home: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    db = _database(headcount_home)
    _write(headcount_home, {**FILES, "workspaces/ada/big.md": "a line of the draft\n" * 5000})
    saved = take_backup(db, headcount_home / "backups", MANUAL, SUNDAY_0300)
    archive = saved.with_suffix(".zip")
    data = archive.read_bytes()
    if damage == "cut short":
        archive.write_bytes(data[: len(data) // 2])
    else:
        middle = len(data) // 3
        archive.write_bytes(data[:middle] + bytes(64) + data[middle + 64 :])
    _put(db, "after", "the backup")
    _lose_work(headcount_home)
    before, files = _digest(db), _files(headcount_home)

    capsys.readouterr()
    assert cli_main(["restore", str(saved)]) == 1
    err = capsys.readouterr().err
    assert f"the files archive {archive} is damaged" in err and "nothing was changed" in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert _digest(db) == before and _files(headcount_home) == files
    assert list_backups(headcount_home / "backups", (BEFORE_RESTORE,)) == []


# --- taking them: a full disk, a file being written, the office's loop ---------------------------------------------


def test_a_full_disk_while_archiving_the_files_leaves_no_backup(
    headcount_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    _write(headcount_home, FILES)
    good = take_backup(db, folder, MANUAL, SUNDAY_0300)
    real = files_archive._add_file

    def full_disk(archive: zipfile.ZipFile, path: Path, name: str) -> None:
        if name.startswith("teams/"):  # some files in: a half archive on disk
            raise OSError(errno.ENOSPC, "No space left on device")
        real(archive, path, name)

    monkeypatch.setattr(files_archive, "_add_file", full_disk)
    with pytest.raises(BackupError, match="No space left on device"):
        take_backup(db, folder, MANUAL, SUNDAY_0300 + DAY)
    assert [b.path for b in list_backups(folder)] == [good]
    assert sorted(p.name for p in folder.iterdir()) == sorted([good.name, good.with_suffix(".zip").name])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_links_pipes_and_a_file_written_meanwhile_do_not_break_the_backup(headcount_home: Path, tmp_path: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    _write(headcount_home, FILES)
    outside = tmp_path / "secret.txt"
    outside.write_text("not the office's")
    (headcount_home / "workspaces/ada/link-out").symlink_to(outside)
    (headcount_home / "workspaces/ada/folder-out").symlink_to(tmp_path)
    os.mkfifo(headcount_home / "workspaces/ada/pipe")  # opening it to read would wait for a writer forever
    growing = headcount_home / "workspaces/ada/growing.log"
    growing.write_text("")
    stop = threading.Event()

    def keep_writing() -> None:
        with growing.open("a") as log:
            while not stop.is_set():
                log.write("another line of the log\n")
                log.flush()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        saved = take_backup(db, folder, MANUAL, SUNDAY_0300)
    finally:
        stop.set()
        writer.join()
    with zipfile.ZipFile(saved.with_suffix(".zip")) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        kept = archive.read("workspaces/ada/growing.log").decode()
    assert set(FILES) <= names and "workspaces/ada/growing.log" in names
    assert not {"workspaces/ada/link-out", "workspaces/ada/folder-out/", "workspaces/ada/pipe"} & names
    *whole, last = kept.split("\n")  # as far as it was read: the line being written may be cut
    assert all(line == "another line of the log" for line in whole) and "another line of the log".startswith(last)


async def test_the_daily_backup_archives_the_files_off_the_event_loop(
    headcount_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    _write(headcount_home, FILES)
    loop_ran = threading.Event()
    real = backups_module.write_archive

    def archive_while_the_loop_runs(root: Path, target: Path) -> int:
        assert threading.current_thread() is not threading.main_thread()
        assert loop_ran.wait(10), "the event loop was blocked while the files were archived"
        return real(root, target)

    async def meanwhile() -> None:
        await asyncio.sleep(0)
        loop_ran.set()

    monkeypatch.setattr(backups_module, "write_archive", archive_while_the_loop_runs)
    daily = DailyBackup(db, folder, FakeClock(SUNDAY_0300))
    path, _ = await asyncio.gather(daily.take_if_due(), meanwhile())
    assert path is not None and path.with_suffix(".zip").is_file()


def test_doctor_shows_the_newest_backups_files_and_warns_when_it_holds_the_database_only(headcount_home: Path) -> None:
    db, folder = _database(headcount_home), headcount_home / "backups"
    _write(headcount_home, FILES)
    saved = take_backup(db, folder, MANUAL, SUNDAY_0300 - DAY / 8)
    check = last_backup(folder, SUNDAY_0300, has_database=True)
    assert check.status == "ok" and f"{saved.name}, " in check.summary and ", files " in check.summary
    assert check.details["files_size_bytes"] == saved.with_suffix(".zip").stat().st_size
    saved.with_suffix(".zip").unlink()  # as an older version took it
    check = last_backup(folder, SUNDAY_0300, has_database=True)
    assert check.status == "warn" and "the database only" in check.summary and "headcount backup" in check.fix
