"""Team files on disk: each version kept whole beside the newest copy, written in a thread of its own.

A write waits in a daemon thread, never the default executor: a hung disk or share then stalls only its own
call, whose timeout or Ctrl-C gives up on it, and the process exits without waiting for the thread. A write
given up on never lands later: its thread finds it abandoned and removes its temporary file; one already past
that point can only add its version where none is (a link never replaces a file), and never puts its text
over the newest copy of a later version.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_landing = threading.Lock()  # the renames into place, and what the newest copy holds
_newest: dict[Path, int] = {}  # the version each newest copy holds, as this process put it there
_names = itertools.count()  # temporary files' names: two writes of one version never share one


class VersionTaken(Exception):
    """Another write kept this version first."""


def kept(target: Path, version: int) -> Path:
    return target.parent / ".versions" / f"{target.name}.v{version}"


def read_version(target: Path, version: int) -> str | None:
    """The text of a team file's `version` (its kept copy; the newest copy for files kept before versions were),
    None when there is none."""
    if version == 0:
        return None
    for path in (kept(target, version), target):
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    return None


def unrecorded(target: Path, recorded: int) -> int:
    """The newest version kept whole: `recorded`, or later ones written before their rows were."""
    version = recorded
    while kept(target, version + 1).is_file():
        version += 1
    return version


def write_version(content: str, target: Path, version: int, abandoned: threading.Event) -> bool:
    """Keep `version` whole, then make it the newest copy. False: the call was given up on, nothing landed.

    Raises VersionTaken when that version was kept by another write meanwhile."""
    folder = kept(target, version).parent
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f"{target.name}.v{version}.{os.getpid()}-{next(_names)}.tmp"
    try:
        temporary.write_text(content, encoding="utf-8")  # the slow part, where a hung disk waits
        with _landing:
            if abandoned.is_set():
                return False
            _keep(temporary, kept(target, version))
            if _newest.get(target, 0) <= version:
                _newest[target] = version
                temporary.replace(target)
        return True
    finally:
        temporary.unlink(missing_ok=True)


def _keep(temporary: Path, version: Path) -> None:
    """`temporary` as the kept `version`, which must not exist yet (VersionTaken)."""
    try:
        os.link(temporary, version)  # never over a version kept already
    except FileExistsError:
        raise VersionTaken(f"{version.name} was written meanwhile") from None
    except OSError:  # a file system without hard links: checked under the lock, then copied
        if version.exists():
            raise VersionTaken(f"{version.name} was written meanwhile") from None
        shutil.copyfile(temporary, version)


async def off_loop(work: Callable[[], T], abandoned: threading.Event | None = None) -> T:
    """`work()` in a daemon thread of its own; a call given up on (cancelled) sets `abandoned` and returns."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = work(), None
        except BaseException as exc:  # handed to the caller, on the loop
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed while the disk hung: no one waits any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="team-file", daemon=True).start()
    try:
        return await done
    except asyncio.CancelledError:
        if abandoned is not None:
            abandoned.set()
        raise
