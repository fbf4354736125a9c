"""Backups of the office: the database taken online with SQLite's backup API, the office's files in a zip archive
beside it with the same stem (engine.store.files_archive), named by kind and time, 7 of each kind kept.

A backup is written under hidden temporary names and renamed when complete (its files archive first, then
the database copy, which is what makes it a backup), so a crash never leaves a half file that looks like a
backup. Kinds: `daily` (while the office works, at most one
per UTC day), `manual` (`headcount backup`), `before-migration`, `before-restore`. Each kind is
rotated on its own so that, say, a week of daily backups never pushes out the copy taken before
an upgrade.

Names carry the time of the clock that took them, and backups sort by name. A clock that ran ahead
(HEADCOUNT_CLOCK_OFFSET, faketime, a wrong clock) names backups later than those taken once it is right
again, so rotation always keeps the backup it has just taken, only a backup dated today stands for
today's daily one, and `headcount doctor` warns about backups dated ahead of the machine's clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shlex
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import platformdirs

from engine.clock import Clock
from engine.paths import APP_NAME
from engine.store.files_archive import SUFFIX as FILES_SUFFIX
from engine.store.files_archive import ArchiveError, archive_for, write_archive

log = logging.getLogger(__name__)

KEEP = 7  # of each kind
DAILY = "daily"
MANUAL = "manual"
BEFORE_MIGRATION = "before-migration"
BEFORE_RESTORE = "before-restore"
RETRY_AFTER = timedelta(hours=1)  # after a failed daily backup (disk full, say)
STALE_PARTIAL = 6 * 3600  # seconds: a temporary file this much older than a finished backup was left by a crash
# Tables every revision has had: a database without them is not Headcount's.
CORE_TABLES = frozenset({"alembic_version", "employees", "tasks", "steps"})

_STAMP = "%Y%m%dT%H%M%S%f"
_NAME = re.compile(r"^headcount-(?P<kind>[a-z0-9-]+?)-(?P<stamp>\d{8}T\d{12})\.db$")
_PARTIAL = ".partial"


class BackupError(Exception):
    """A backup could not be written (or the backups folder read); nothing that was there before is lost."""


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: Path
    kind: str
    taken_at: datetime  # UTC, from the file's name (not its mtime, which a copy may change)
    size: int  # bytes
    files_size: int | None = None  # bytes of its files archive; None: the database only (taken by an older version)

    @property
    def files(self) -> Path:
        """Its files archive (there only when `files_size` is not None)."""
        return archive_for(self.path)


@dataclass(frozen=True, slots=True)
class Contents:
    """What a copy of a database holds, as far as telling whether it is a backup goes."""

    damage: str  # SQLite's first complaint, "" when intact
    tables: frozenset[str]

    @property
    def missing(self) -> frozenset[str]:
        return CORE_TABLES - self.tables


@dataclass(frozen=True, slots=True)
class Staged:
    """A finished copy under a hidden temporary name in the backups folder, until it is published or discarded."""

    partial: Path
    target: Path  # its name as a backup

    def publish(self, files: Path | None = None) -> Path:
        """Rename the copy to its backup name, durably, with `files` (its staged files archive) renamed to pair with
        it first; rotating the kind is the caller's (`prune`)."""
        if files is not None:
            files.replace(archive_for(self.target))
        try:
            self.partial.replace(self.target)
        except OSError:
            if files is not None:
                archive_for(self.target).unlink(missing_ok=True)
            raise
        _sync_folder(self.target.parent)
        return self.target

    def discard(self) -> None:
        for leftover in (self.partial, self.partial.with_name(self.partial.name + "-journal")):
            leftover.unlink(missing_ok=True)


def list_backups(folder: Path, kinds: tuple[str, ...] = ()) -> list[BackupFile]:
    """The backups in `folder` (of `kinds`, or all), newest first; none when the folder does not exist.

    Raises BackupError when `folder` is a file or cannot be read.
    """
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        raise BackupError(f"{folder} is a file, not a folder, so no backup can be kept there") from None
    except OSError as exc:
        raise BackupError(f"the backups folder {folder} cannot be read: {exc.strerror or exc}") from None
    found: list[BackupFile] = []
    archives = {entry.name: entry for entry in entries if entry.name.endswith(FILES_SUFFIX)}
    for entry in entries:
        match = _NAME.match(entry.name)
        if match is None or (kinds and match["kind"] not in kinds):
            continue
        try:
            size = entry.stat().st_size
        except FileNotFoundError:  # pruned meanwhile by another process
            continue
        files_size = None
        if (archive := archives.get(archive_for(Path(entry.name)).name)) is not None:
            with contextlib.suppress(FileNotFoundError):
                files_size = archive.stat().st_size
        taken = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
        found.append(BackupFile(Path(entry.path), match["kind"], taken, size, files_size))
    found.sort(key=lambda b: (b.taken_at, b.path.name), reverse=True)
    return found


def newest_backup(folder: Path, kinds: tuple[str, ...] = ()) -> BackupFile | None:
    backups = list_backups(folder, kinds)
    return backups[0] if backups else None


def take_backup(database: Path, folder: Path, kind: str, now: datetime, *, keep: int = KEEP) -> Path:
    """Copy the live database (consistent under WAL, other connections keep working) into `folder`, and the office's
    files (the folders of engine.store.files_archive beside the database) into an archive paired with it.

    The copy is checked before it counts: a damaged or empty database, or one that is not Headcount's,
    is not backed up (its copy would be the newest backup, the one the advice names, and push a good one
    out). Before a migration any database with tables is copied: an old one may predate today's tables.
    The archive is read back before it counts too: a backup whose files could not be archived whole (a full disk)
    is no backup. Older backups of the same kind beyond `keep` are removed afterwards. Raises BackupError.
    """
    if not database.is_file():
        raise BackupError(f"there is no database at {database} to back up yet")
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"could not back up {database}: {folder} is a file, not a folder; move it aside")
    if database.stat().st_size == 0:
        raise BackupError(
            f"{database} is empty (0 bytes): it was cut short, by a full disk or a copy that stopped; "
            f"so it was not backed up: the backups you have are kept; {damaged_advice(database)}"
        )
    try:
        source = sqlite3.connect(database, timeout=5)
        try:
            staged = stage(source, folder, kind, now)
        finally:
            source.close()
        try:
            refusal = _refusal(database, examine(staged.partial), kind)
            if refusal:
                raise BackupError(refusal)
            target = staged.publish(stage_files(database.parent, staged.target))
        finally:
            staged.discard()
    except (OSError, sqlite3.Error, ArchiveError) as exc:
        raise BackupError(f"could not back up {database} into {folder}: {exc}") from exc
    prune(folder, kind, keep, fresh=target)
    return target


def stage(source: sqlite3.Connection, folder: Path, kind: str, now: datetime) -> Staged:
    """Copy the database open on `source` (as of its last commit) to a hidden file in `folder`, named for a
    backup of `kind`. Raises OSError or sqlite3.Error, and then leaves nothing behind."""
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, kind, now)
    staged = Staged(target.with_name(f".{target.name}{_PARTIAL}"), target)
    try:
        _copy(source, staged.partial)
    except BaseException:
        staged.discard()
        raise
    return staged


def stage_files(root: Path, target: Path) -> Path:
    """Archive the office's files under `root` for the backup `target`, under a hidden temporary name beside it.

    Raises OSError or ArchiveError, and then leaves nothing behind.
    """
    partial = target.with_name(f".{archive_for(target).name}{_PARTIAL}")
    write_archive(root, partial)
    return partial


def examine(path: Path) -> Contents:
    """SQLite's quick check of the database at `path`, and the tables it holds."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        first = str(conn.execute("PRAGMA quick_check(1)").fetchone()[0])
        tables = frozenset(str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"))
    except sqlite3.DatabaseError as exc:
        return Contents(str(exc), frozenset())
    finally:
        conn.close()
    damage = "" if first == "ok" else " ".join(first.split())  # one line: "*** in database main *** Page 92: …"
    return Contents(damage, tables)


def _refusal(database: Path, contents: Contents, kind: str) -> str:
    """Why the copy of `database` is no backup, or "" when it is one."""
    refused = "so it was not backed up: the backups you have are kept"
    if contents.damage:
        return f"{database} is damaged ({contents.damage}), {refused}; {damaged_advice(database)}"
    if not contents.tables:
        return f"{database} holds no tables (an empty database), {refused}; {damaged_advice(database)}"
    if contents.missing and kind != BEFORE_MIGRATION:
        missing = ", ".join(sorted(contents.missing))
        return f"{database} is not a Headcount database (no {missing} table), {refused}; {damaged_advice(database)}"
    return ""


def prune(folder: Path, kind: str, keep: int, *, fresh: Path | None = None) -> None:
    """Keep the newest `keep` backups of `kind`; also clear temporary files a crash left behind.

    `fresh`, the backup just taken, is kept whatever its name says: backups named by a clock that ran ahead
    sort before it, and the one just taken (whose path the owner is shown) must never be the one removed.
    """
    try:
        backups = list_backups(folder, (kind,))
        if fresh is not None:
            backups.sort(key=lambda b: b.path.name != fresh.name)  # stable: the others stay newest first
        for old in backups[keep:]:  # the database copy first: without it, its archive is no backup
            old.path.unlink(missing_ok=True)
            old.files.unlink(missing_ok=True)
            log.info("removed old backup %s", old.path.name)
        if fresh is not None:  # compare file times with each other, never with a clock
            cutoff = fresh.stat().st_mtime - STALE_PARTIAL
            # The copy and its rollback journal (`….partial-journal`: a copy killed midway leaves both), a files
            # archive not yet renamed, and one renamed whose database copy a crash kept from following it.
            for leftover in folder.glob(f".headcount-*{_PARTIAL}*"):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink(missing_ok=True)
            for archive in folder.glob(f"headcount-*{FILES_SUFFIX}"):
                if not archive.with_suffix(".db").exists() and archive.stat().st_mtime < cutoff:
                    archive.unlink(missing_ok=True)
    except (OSError, BackupError) as exc:  # a backup that was taken stays taken; pruning is tried again next time
        log.warning("could not remove old backups in %s: %s", folder, exc)


class DailyBackup:
    """At most one backup per UTC day while the office works; a failure is logged, never raised.

    Cheap to ask often: once today's backup is known, nothing is read until the day changes.
    """

    def __init__(self, database: Path, folder: Path, clock: Clock) -> None:
        self._database = database
        self._folder = folder
        self._clock = clock
        self._done_day: date | None = None
        self._retry_at: datetime | None = None

    def due(self) -> bool:
        now = self._clock.now()
        today = now.astimezone(UTC).date()
        if self._done_day == today:
            return False
        if self._retry_at is not None and now < self._retry_at:
            return False
        try:
            dailies = list_backups(self._folder, (DAILY,))
        except BackupError:
            return True  # taking it will say what is wrong
        # Only a backup dated today stands for today's. One dated later was named by a clock that ran ahead
        # (an offset rehearsal, a wrong clock) and must not put the daily backups off until its date comes.
        if any(b.taken_at.date() == today for b in dailies):
            self._done_day = today
            return False
        return True

    async def take_if_due(self) -> Path | None:
        """Take today's backup unless it exists; the path of a new one, else None."""
        if not self.due():
            return None
        now = self._clock.now()
        try:
            path = await asyncio.to_thread(take_backup, self._database, self._folder, DAILY, now)
        except BackupError as exc:
            self._retry_at = now + RETRY_AFTER
            log.warning("%s; the office carries on and tries again in an hour", exc)
            return None
        self._done_day, self._retry_at = now.astimezone(UTC).date(), None
        log.info("daily backup: %s", path)
        return path


def damaged_advice(database: Path) -> str:
    """What to do about a damaged database: the newest backup and the command that restores it.

    Backups live in the `backups` folder beside the database (see `Home`).
    """
    folder = database.parent / "backups"
    try:
        newest = newest_backup(folder)
    except BackupError:
        newest = None
    if newest is None:
        return (
            f"there is no backup in {folder}; to start fresh with an empty office, move {database} "
            f"(and any {database.name}-wal and {database.name}-shm beside it) to another folder"
        )
    return (
        f"restore the newest backup (taken {newest.taken_at:%Y-%m-%d %H:%M} UTC) with: "
        f"{restore_command(database.parent, newest.path)}"
    )


def restore_command(root: Path, backup: Path) -> str:
    """The exact command that restores `backup` into the office at `root`.

    `--home` is left out only for the platform's default folder: the owner may have chosen this
    one with `--home` or `HEADCOUNT_HOME`, and the command must work either way.
    """
    default = Path(platformdirs.user_data_dir(APP_NAME, False)).expanduser().resolve()
    home = "" if default == root.resolve() else f" --home {shlex.quote(str(root))}"
    return f"headcount{home} restore {shlex.quote(str(backup))}"


def _free_name(folder: Path, kind: str, now: datetime) -> Path:
    when = now.astimezone(UTC)
    while True:  # two backups of one kind in the same microsecond (a fake clock) must not collide
        target = folder / f"headcount-{kind}-{when.strftime(_STAMP)}.db"
        if not target.exists() and not archive_for(target).exists():
            return target
        when += timedelta(microseconds=1)


def _copy(source: sqlite3.Connection, dest_path: Path) -> None:
    dest_path.unlink(missing_ok=True)
    dest = sqlite3.connect(dest_path)
    try:
        source.backup(dest)
        # The copy carries the source's WAL flag; a backup is one self-contained file.
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); Windows has no directory handles to sync."""
    if sys.platform == "win32":  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
