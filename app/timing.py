"""How long start-up took: seconds since this process started, for the log (and the shell bench).

`mark(stage)` notes when each start-up stage ended; the first office frame's log line lists them,
so a slow start says where its time went.
"""

from __future__ import annotations

import logging
import os
import time

log = logging.getLogger(__name__)

_marks: list[tuple[str, float]] = []


def process_age_s() -> float:
    """Seconds since the operating system started this process (the interpreter's own start included).

    Counted on the kernel's boot clock (/proc/uptime against the process's start tick), accurate to a
    tick (10 ms). Not from /proc/stat's `btime`: that is whole seconds, so the age it gives runs up to
    a second long (by the fraction of the second the machine booted at).
    """
    try:
        with open("/proc/self/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):  # not Linux: from this module's import
        return time.perf_counter() - _IMPORTED


def mark(stage: str) -> None:
    """Note that a start-up stage ended now (kept for the first frame's log line)."""
    _marks.append((stage, process_age_s()))


def stages() -> str:
    """The stages marked so far, each with when it ended: "imports 0.61, window 1.02"."""
    return ", ".join(f"{stage} {at:.2f}" for stage, at in _marks)


def log_first_frame(view: object) -> None:
    """Log cold start → first office frame once the office view paints its first frame."""
    signal = getattr(view, "firstFrame", None)  # the 2D fallback has no frames
    if signal is not None:
        signal.connect(
            lambda: log.info(
                "first office frame %.3f s after the process started (cpu %.3f s; stages: %s)",
                process_age_s(),
                time.process_time(),  # beside the wall time: how much of it a busy machine added
                stages(),
            )
        )


_IMPORTED = time.perf_counter()
