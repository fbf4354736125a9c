"""Replace the database with a backup: checked first, the current one kept, no stale WAL left behind.

The caller holds the run lock, so no office works meanwhile. Nothing here opens the office: a
restored backup from an older version is upgraded (with a backup first) when it next opens.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from engine.store.backups import BEFORE_RESTORE, CORE_TABLES, BackupError, take_backup
from engine.store.db import MIGRATIONS
from engine.store.schema import metadata

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's files beside a database, tied to that database


class RestoreError(Exception):
    """The backup was refused or could not be put in place; the current database is as it was."""


# What became of the database a restore replaced: kept as a backup (restorable the same way), its damaged
# files or a foreign database copied as they lay (never as a backup: the damaged-database advice names the
# newest backup), or nothing to keep (an empty database, or none at all).
Previous = Literal["kept", "damaged", "foreign", "empty", "absent"]


@dataclass(frozen=True, slots=True)
class Restored:
    source: Path
    previous: Previous
    kept: Path | None = None  # where the database as it was is: a backup ("kept") or its files as they lay


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
    from alembic.script import ScriptDirectory  # a third of a second: only when restoring

    scripts = ScriptDirectory.from_config(_config())
    if revision not in {r.revision for r in scripts.walk_revisions()}:
        raise RestoreError(f"{path} was written by a newer version of Headcount (schema {revision}); update first")
    if revision == scripts.get_current_head() and (absent := set(metadata.tables) - tables):
        raise RestoreError(f"{path} is not a whole Headcount database (missing {', '.join(sorted(absent))})")
    return revision


def restore_database(source: Path, database: Path, folder: Path, now: datetime) -> Restored:
    """Put the backup `source` in place of `database`, keeping the current one in `folder` first."""
    source = source.resolve()
    if source == database.resolve():
        raise RestoreError(f"{source} is the database itself; name a backup (see `headcount backup --list`)")
    try:
        check_backup(source)
        previous, kept = _keep_current(database, folder, now)
    except RestoreError as exc:
        raise RestoreError(f"{exc}; nothing was changed") from None
    incoming = database.with_name(f".{database.name}.restoring")
    try:
        _copy_database(source, incoming)
        # The old database's WAL would be replayed onto the restored file: remove it first. Its
        # contents are in the copy just kept.
        for suffix in SIDE_FILES:
            database.with_name(database.name + suffix).unlink(missing_ok=True)
        incoming.replace(database)
    except (OSError, sqlite3.Error) as exc:
        where = f"; the database as it was is kept in {kept}" if kept else ""
        raise RestoreError(f"could not put {source} in place of {database}: {exc}{where}") from None
    finally:
        incoming.unlink(missing_ok=True)
    log.info("restored %s from %s (the previous database is kept in %s)", database, source, kept)
    return Restored(source, previous, kept)


def _keep_current(database: Path, folder: Path, now: datetime) -> tuple[Previous, Path | None]:
    if not database.exists():
        return "absent", None
    if database.stat().st_size == 0:  # cut short: nothing in it to keep, and a 4 KB copy would pass for a backup
        return "empty", None
    damage = _damage(database)
    if damage is None:
        tables = _tables(database)
        if tables is not None and not tables:
            return "empty", None
        if tables is None or not (CORE_TABLES - tables):
            try:
                return "kept", take_backup(database, folder, BEFORE_RESTORE, now)
            except BackupError as exc:  # disk full, locked...: better to stop than to guess
                raise RestoreError(str(exc)) from None
    # The usual reason to restore, or a file that is not Headcount's. Neither must ever pass for a backup
    # (the advice for a damaged database names the newest backup), so its files are copied as they lie,
    # under another name.
    previous: Previous = "foreign" if damage is None else "damaged"
    target = folder / f"{previous}-{now.astimezone(UTC):%Y%m%dT%H%M%S%f}.db"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal"):
            side = database.with_name(database.name + suffix)
            if side.exists():
                shutil.copyfile(side, target.with_name(target.name + suffix))
    except OSError as exc:
        what = f"damaged {database} ({damage})" if damage else f"{database}, which is not a Headcount database,"
        raise RestoreError(f"could not keep a copy of the {what}: {exc}") from None
    return previous, target


def _tables(database: Path) -> frozenset[str] | None:
    """The tables in the database, or None when SQLite cannot tell."""
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return frozenset(str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"))
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _damage(database: Path) -> str | None:
    """What is wrong with the database, or None when SQLite reads it whole (or cannot tell)."""
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        return str(exc) if any(w in text for w in ("not a database", "malformed", "corrupt")) else None
    return None if rows == ["ok"] else "; ".join(rows[:3])


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


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
