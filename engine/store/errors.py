"""Store faults as one line for the owner, importable without SQLAlchemy (a reading command needs them)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["StoreError", "describe_sqlite_error"]


class StoreError(Exception):
    """The database cannot be used: corrupt, locked by another process, disk full, unwritable."""


def describe_sqlite_error(path: Path, exc: BaseException) -> str:
    exc = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return f"the database {path} is locked by another Headcount process; close it and try again"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        from engine.store.backups import damaged_advice  # which backup to restore: only when it is needed

        return f"the database {path} is damaged ({exc}); {damaged_advice(path)}"
    # SQLite reports a full disk as SQLITE_FULL, or as an I/O error when its shared-memory file cannot grow.
    io_error = "disk i/o error" in text or getattr(exc, "sqlite_errorname", "").startswith("SQLITE_IOERR")
    if "full" in text or (io_error and _nearly_full(path)):
        return f"the disk holding {path} is full; free some space: nothing already saved was lost"
    if ("readonly" in text or "unable to open" in text) and read_only_disk(path):
        return (
            f"cannot write the database {path}: the disk holding it is mounted read-only (Linux does this after "
            "disk errors, to protect it); nothing already saved was lost: check the disk, then mount it again "
            "read-write (reading commands such as roster and tasks still work)"
        )
    if "readonly" in text or "unable to open" in text:
        return f"cannot write the database {path}: check the permissions of the file and its folder (ls -l)"
    if io_error:
        return (
            f"cannot write the database {path}: the disk refused the write ({exc}); check the disk and the "
            "file's permissions: nothing already saved was lost"
        )
    return f"database error on {path}: {exc}"


def read_only_disk(path: Path) -> bool:
    """Whether the file system holding `path` is mounted read-only (not: the file's permissions)."""
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False


def _nearly_full(path: Path, margin: int = 1 << 20) -> bool:
    """Less than `margin` bytes free where the database lives: too little for SQLite to work in."""
    try:
        return shutil.disk_usage(path.parent).free < margin
    except OSError:
        return False
