"""One process works an office at a time: the window or `headcount run`, never both.

Two processes running the same employees would each pick up the same queued task. Other
commands (assign, approve, budget...) only write to the journal and need no lock; the running
process notices their tasks within a few seconds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO


class AlreadyRunning(Exception):
    """Another process is already working this office."""


class RunLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None
        # Whether the last acquire found the lock last held by another process (or never by this one):
        # only then can a crashed holder have left work half done.
        self.taken_over = True

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            _lock(handle)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunning(
                f"this office is already at work in {holder} (the window or `headcount run`); "
                "stop that one first, or use the window"
            ) from None
        mine = f"process {os.getpid()}"
        handle.seek(0)
        self.taken_over = handle.read() != mine
        if self.taken_over:  # already ours after an earlier run in this process: no rewrite
            handle.seek(0)
            handle.truncate()
            handle.write(mine)
            handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock, also when the process is killed
            self._file = None


def _lock(handle: IO[str]) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows installs
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def lock_holder(path: Path) -> str | None:
    """Who works the office now ("process 1234"), or None; asks without taking the lock or creating the file."""
    try:
        handle = path.open("r", encoding="utf-8")
    except FileNotFoundError:
        return None
    with handle:
        if sys.platform == "win32":  # pragma: no cover - a held byte cannot be read on Windows
            try:
                handle.read(1)
            except OSError:
                return "another process"
            return None
        import fcntl

        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return handle.read().strip() or "another process"
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return None


def to_go_on(root: Path, then: str = "continue") -> str:
    """What the owner does for work they just freed to go on: nothing while a process works the office in
    `root` (a window, `headcount run --background`: it picks the change up within seconds), else `headcount run`."""
    holder = lock_holder(root / "run.lock")
    if holder is not None:
        return f"The office at work in {holder} picks it up within seconds."
    return f"Run `headcount run` to {then}."
