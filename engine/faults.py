"""Faults of the machine rather than of the work: OS errors no retry by the model can fix, in plain words.

A full disk or a refused permission is the owner's to fix; telling the model only invites it to carry on
and call the task done. The loop parks the task with these words instead, and the CLI prints them.
"""

from __future__ import annotations

import errno
import os

_PLAIN: dict[int, str] = {
    errno.ENOSPC: "the disk is full",
    errno.EACCES: "it has no permission",
    errno.EPERM: "the system does not allow it",
    errno.EROFS: "the disk is read-only",
    errno.EIO: "the disk failed",
}
if hasattr(errno, "EDQUOT"):  # not on Windows
    _PLAIN[errno.EDQUOT] = "the disk quota is used up"
_WRITES_ONLY = {errno.ENOSPC, errno.EROFS, getattr(errno, "EDQUOT", errno.ENOSPC)}

MARK = "environment: "  # how a tool step's `error` column marks a fault of the machine (then its errno name)


def environment_error(exc: BaseException) -> OSError | None:
    """The OSError behind `exc` (itself or what it was raised from) that is the machine's fault, or None."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, OSError) and seen.errno in _PLAIN:
            return seen
        seen = seen.__cause__
    return None


def plain_words(exc: OSError) -> str:
    """E.g. "the disk is full (No space left on device)"."""
    code = exc.errno if exc.errno is not None else 0
    system = exc.strerror or os.strerror(code)
    return f"{_PLAIN.get(code, 'the system refused')} ({system})"


def tool_fault(tool: str, read_only: bool, exc: OSError) -> str:
    """Why a tool's task is parked: "write_file could not write: the disk is full (No space left on device)"."""
    verb = "read" if read_only and exc.errno not in _WRITES_ONLY else "write"
    return f"{tool} could not {verb}: {plain_words(exc)}"


def file_fault(exc: OSError) -> str:
    """For the command line: "cannot write /…/run.lock: the disk is full (No space left on device)"."""
    verb = "write" if exc.errno in _WRITES_ONLY else "use"
    return (f"cannot {verb} {exc.filename}: " if exc.filename else "") + plain_words(exc)


def mark(exc: OSError) -> str:
    """The `error` recorded on the tool step, e.g. "environment: ENOSPC"."""
    return MARK + errno.errorcode.get(exc.errno or 0, str(exc.errno))


def is_marked(error: str | None) -> bool:
    """Whether a tool step failed because of the machine (so resuming runs the call again)."""
    return bool(error and error.startswith(MARK))
