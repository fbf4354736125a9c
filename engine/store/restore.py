"""Put a backup in place of the database and the office's files: checked first, the current ones kept, no write of
another process lost.

The caller holds the run lock, so no office works meanwhile; other commands (assign, approve, remember...)
take no lock and may write. So the backup is not swapped in under their open connections: its pages are
written *into* the live database with SQLite's backup API, in one transaction that holds the database's write
lock from before the current content is copied aside until the restored content commits. A write committed
before it is in the copy kept; one attempted meanwhile waits on its busy timeout and then lands in the restored
database (or fails, unacknowledged). A file SQLite cannot open at all ("file is not a database") has no
writers to lose: it is copied as it lies and replaced.

The office's files come back from the backup's archive once the database is restored (engine.store.restore_files);
the archive is checked and unpacked, and the current files archived, before anything changes.

Nothing here opens the office: a restored backup from an older version is upgraded (with a backup first)
when it next opens.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, Literal

from engine.store.audit import ANCHOR_KEY
from engine.store.backups import BEFORE_RESTORE, CORE_TABLES, KEEP, Staged, examine, prune, stage
from engine.store.compare import same_content
from engine.store.files_archive import ArchiveError
from engine.store.reading import head_revision, known_revisions
from engine.store.restore_files import FilesRestored, FilesStep
from engine.store.schema import metadata

log = logging.getLogger(__name__)

SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's files beside a database, tied to that database
BUSY_S = 5.0  # how long the restore waits for another command's write to finish (as make_engine's connections do)
STEP_PAGES = 1024  # pages written between two looks at the restore's progress: 4 MB at the usual page size


class RestoreError(Exception):
    """The backup was refused or could not be put in place; the current database is as it was."""


class RestoreInterrupted(Exception):
    """Ctrl-C stopped the restore before it changed the database; `kept` is a copy of it taken meanwhile."""

    def __init__(self, kept: Path | None) -> None:
        super().__init__("restore interrupted: the database was not changed")
        self.kept = kept


# What became of the database a restore replaced: kept as a backup (restorable the same way), its damaged
# files or a foreign database copied as they lay (never as a backup: the damaged-database advice names the
# newest backup), nothing to keep (an empty database, or none at all), or left as it was because it already
# held what the backup holds.
Previous = Literal["kept", "damaged", "foreign", "empty", "absent", "unchanged"]

RESTORED = "restored"  # the kind of the audit row that tells of a restore (engine.audit_text lists it)
# The rows telling of restores (their audit rows and the anchor naming the newest): a database restored from a
# backup still holds exactly what the backup holds.
_RESTORE_ROWS = {"audit": f"kind = '{RESTORED}'", "settings": f"key = '{ANCHOR_KEY}'"}


@dataclass(frozen=True, slots=True)
class Restored:
    source: Path
    previous: Previous
    kept: Path | None = None  # where the database as it was is: a backup ("kept") or its files as they lay
    unrecorded: str = ""  # why the restore is not in the audit log, when it could not be written there
    interrupted: bool = False  # Ctrl-C came once the restored database had committed: it was finished
    files: FilesRestored = "database-only"  # what became of the office's files
    files_kept: Path | None = None  # the archive of the office's files as they were, when they were kept


Record = Callable[[Restored], None]  # writes the restore into the restored database's audit log (engine.audit)


def check_backup(path: Path) -> str:
    """Refuse anything but an intact Headcount database this version can open; its schema revision."""
    if not path.exists():
        raise RestoreError(f"there is no file {path}")
    if not path.is_file():
        raise RestoreError(f"{path} is not a file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            row = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise RestoreError(f"{path} is not a Headcount backup ({exc})") from None
    if problems != ["ok"]:
        raise RestoreError(f"{path} is damaged ({'; '.join(problems[:3])})")
    missing = CORE_TABLES - tables  # and a database at the newest revision must have all of today's (below)
    if row is None or missing:
        raise RestoreError(f"{path} is not a Headcount database (missing {', '.join(sorted(missing)) or 'a version'})")
    revision = str(row[0])
    if revision not in known_revisions():  # the migrations' file names: no Alembic to load
        raise RestoreError(f"{path} was written by a newer version of Headcount (schema {revision}); update first")
    if revision == head_revision() and (absent := set(metadata.tables) - tables):
        raise RestoreError(f"{path} is not a whole Headcount database (missing {', '.join(sorted(absent))})")
    return revision


def restore_database(
    source: Path, database: Path, folder: Path, now: datetime, *, record: Record | None = None
) -> Restored:
    """Put the backup `source` in place of `database`, keeping the current one in `folder` first; likewise the
    office's files in the data folder (the database's folder) from the archive beside `source`, when it has one.

    `record` then appends the audit row that tells of it (the store cannot chain one itself); if that fails
    the restore stands, and `Restored.unrecorded` says why.
    """
    source = source.resolve()
    if source == database.resolve():
        raise RestoreError(f"{source} is the database itself; name a backup (see `headcount backup --list`)")
    files = FilesStep(source, database.parent, folder, now)
    with _CtrlC() as ctrl_c, contextlib.ExitStack() as cleanup:
        cleanup.callback(files.discard)
        restore = _Restore(source, database, folder, now, ctrl_c, files)
        try:
            _prepare(source, files)
            ctrl_c.check()
            try:
                restore.write_in_place()
            except _Unopenable as exc:
                restore.replace_file(exc.problem)
        except _Unchanged:
            log.info("%s already holds what %s holds: not restored", database, source)
            done: FilesRestored = "database-only" if files.archive is None else "same"
            return Restored(source, "unchanged", interrupted=ctrl_c.pressed, files=done)
        except _Stopped:
            raise RestoreInterrupted(restore.kept) from None
        log.info(
            "restored %s from %s (the previous database: %s, %s)", database, source, restore.previous, restore.kept
        )
        try:
            done, files_kept = files.settle(restore.kept)
        except OSError as exc:
            raise RestoreError(
                f"restored {database} from {source}, but could not put back the office's files from "
                f"{files.archive}: {exc}; the files are as they were"
            ) from None
        restored = Restored(source, restore.previous, restore.kept, files=done, files_kept=files_kept)
        if record is not None:
            try:
                record(restored)
            except Exception as exc:  # the restore is done and stays done; the owner is told it went unrecorded
                log.warning("the restore of %s is not in the audit log: %s", database, exc)
                restored = replace(restored, unrecorded=str(exc) or type(exc).__name__)
        return replace(restored, interrupted=ctrl_c.pressed)


def _prepare(source: Path, files: FilesStep) -> None:
    """Check the backup and its files archive, and archive the current files, while nothing has changed."""
    try:
        check_backup(source)
        files.prepare()
    except (RestoreError, ArchiveError) as exc:
        raise RestoreError(f"{exc}; nothing was changed") from None
    except OSError as exc:  # a full disk while archiving the current files, say
        raise RestoreError(f"could not keep the office's files as they are ({exc}); nothing was changed") from None


class _Stopped(Exception):
    """Ctrl-C, acted on where stopping leaves the database as it was."""


class _CtrlC:
    """Ctrl-C noted while restoring rather than raised anywhere: `check` stops the restore only at the points
    where the database is still as it was, and once the restored one has committed the restore finishes."""

    def __init__(self) -> None:
        self.pressed = False
        self._previous: Any = None

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is threading.main_thread():  # signal handlers live on the main thread
            self._previous = signal.signal(signal.SIGINT, self._note)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.pressed = True

    def check(self) -> None:
        if self.pressed:
            raise _Stopped


class _Unopenable(Exception):
    """SQLite cannot open the database at all, so nobody can be writing to it: its file is replaced instead."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class _Unchanged(Exception):
    """The database already holds what the backup holds: restoring would change nothing but keep a copy."""


class _Restore:
    """One restore: the backup's pages written into the live database, the database as it was kept first."""

    def __init__(
        self, source: Path, database: Path, folder: Path, now: datetime, ctrl_c: _CtrlC, files: FilesStep
    ) -> None:
        self.source, self.database, self.folder, self.now = source, database, folder, now
        self._ctrl_c, self._files = ctrl_c, files
        self.previous: Previous = "empty" if database.exists() else "absent"
        self.kept: Path | None = None
        self._locked = False  # the live database's write lock is held: what it holds now is what is replaced

    def write_in_place(self) -> None:
        problem = _unopenable(self.database)
        if problem:
            raise _Unopenable(problem)
        live = sqlite3.connect(self.database, timeout=BUSY_S, isolation_level=None)
        try:
            if self.database.stat().st_size:
                # The copy kept is read on another connection while this one holds the write lock: in WAL mode
                # (Headcount's own, set by every command that opens the office) readers go on meanwhile.
                live.execute("PRAGMA journal_mode=WAL")
            src = sqlite3.connect(f"{self.source.as_uri()}?mode=ro", uri=True)
            try:
                pages = int(src.execute("PRAGMA page_count").fetchone()[0])
                # The first step takes the lock and must not be the last: the database is kept in between.
                step = min(STEP_PAGES, pages // 2)
                if step < 1:
                    raise RestoreError(f"{self.source} is not a Headcount database (one page); nothing was changed")
                src.backup(live, pages=step, progress=self._progress)
            finally:
                src.close()
        except sqlite3.DatabaseError as exc:
            if not self._locked and exc.sqlite_errorcode == sqlite3.SQLITE_NOTADB:
                raise _Unopenable(str(exc)) from None
            raise RestoreError(f"could not write {self.source} into {self.database}: {exc}{self._nothing()}") from None
        finally:
            live.close()
        if self.previous == "kept":
            prune(self.folder, BEFORE_RESTORE, KEEP, fresh=self.kept)  # after the copy: the source may be one

    def _progress(self, status: int, remaining: int, pages: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise RestoreError(
                f"another command kept {self.database} busy for over {BUSY_S:.0f} s{self._nothing()}: try again"
            )
        if status != sqlite3.SQLITE_OK:
            return  # done (committed), or an error the backup raises itself
        self._ctrl_c.check()  # rolls the restored pages back: nothing is committed until the last step
        if not self._locked:
            self._locked = True
            self._keep_current()
            self._ctrl_c.check()  # keeping a big database takes a while, and the next step may be the last

    def _keep_current(self) -> None:
        """Keep the database as it is now (its write lock held: nothing can commit until the restore does)."""
        if not self.database.is_file() or self.database.stat().st_size == 0:
            return  # created by this connection, or cut short: nothing to keep
        try:
            reader = sqlite3.connect(self.database, timeout=BUSY_S)
            try:
                staged = stage(reader, self.folder, BEFORE_RESTORE, self.now)
            finally:
                reader.close()
        except sqlite3.DatabaseError as exc:  # too damaged to copy through SQLite
            self.previous, self.kept = "damaged", self._copy_as_it_lies(str(exc))
            return
        except OSError as exc:
            raise RestoreError(f"could not keep a copy of {self.database}: {exc}{self._nothing()}") from None
        try:
            self._ctrl_c.check()
            contents = examine(staged.partial)
            if contents.damage:
                # The usual reason to restore. A damaged copy must never pass for a backup (the advice for a
                # damaged database names the newest backup), so its files are copied as they lie, under
                # another name: nothing can commit to them while the write lock is held.
                self.previous, self.kept = "damaged", self._copy_as_it_lies(contents.damage)
            elif not contents.tables:
                self.previous = "empty"
            elif contents.missing:
                self.previous, self.kept = "foreign", self._set_aside(staged, "foreign")
            elif self._files.same and same_content(
                staged.partial, self.source, apart=_RESTORE_ROWS, check=self._ctrl_c.check
            ):
                raise _Unchanged  # restored from it again: keep no copy
            else:  # kept whole: with the current files, so that its undo brings them back too
                self.previous, self.kept = "kept", staged.publish(self._files.take_current())
        except OSError as exc:
            raise RestoreError(f"could not keep a copy of {self.database}: {exc}{self._nothing()}") from None
        finally:
            staged.discard()

    def replace_file(self, problem: str) -> None:
        """Put the backup in place of a file SQLite cannot open, its files copied as they lie first."""
        self.previous, self.kept = "damaged", self._copy_as_it_lies(problem)
        incoming = self.database.with_name(f".{self.database.name}.restoring")
        try:
            _copy_database(self.source, incoming)
            self._ctrl_c.check()
            # The old database's WAL would be replayed onto the restored file: remove it first. It is in
            # the copy just kept.
            for suffix in SIDE_FILES:
                self.database.with_name(self.database.name + suffix).unlink(missing_ok=True)
            incoming.replace(self.database)
        except (OSError, sqlite3.Error) as exc:
            where = f"; the database as it was is kept in {self.kept}"
            raise RestoreError(f"could not put {self.source} in place of {self.database}: {exc}{where}") from None
        finally:
            for leftover in (incoming, incoming.with_name(incoming.name + "-journal")):
                leftover.unlink(missing_ok=True)

    def _copy_as_it_lies(self, problem: str) -> Path:
        target = self.folder / f"damaged-{self.now.astimezone(UTC):%Y%m%dT%H%M%S%f}.db"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal"):
                side = self.database.with_name(self.database.name + suffix)
                if side.exists():
                    shutil.copyfile(side, target.with_name(target.name + suffix))
        except OSError as exc:
            raise RestoreError(
                f"could not keep a copy of the damaged {self.database} ({problem}): {exc}; nothing was changed"
            ) from None
        return target

    def _set_aside(self, staged: Staged, what: str) -> Path:
        target = self.folder / f"{what}-{self.now.astimezone(UTC):%Y%m%dT%H%M%S%f}.db"
        staged.partial.replace(target)
        return target

    def _nothing(self) -> str:
        kept = f" (the database as it was is also kept in {self.kept})" if self.kept else ""
        return f"; nothing was changed{kept}"


def _unopenable(database: Path) -> str:
    """Why SQLite cannot open the database at all ("file is not a database"), or "".

    Asked read-only: a connection that may write checkpoints the WAL a crash left (and deletes it) as it
    closes, and the files of a damaged database are kept as they lie.
    """
    if not database.is_file() or database.stat().st_size == 0:
        return ""
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc) if exc.sqlite_errorcode == sqlite3.SQLITE_NOTADB else ""
    return ""


def _copy_database(source: Path, dest_path: Path) -> None:
    dest_path.unlink(missing_ok=True)
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(dest_path)
        try:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")  # no WAL of its own; the office turns WAL on
        finally:
            dest.close()
    finally:
        src.close()
    with contextlib.suppress(OSError), dest_path.open("rb+") as handle:
        os.fsync(handle.fileno())  # on disk before it replaces the database
