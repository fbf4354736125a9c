"""How long start-up took: seconds since this process started, for the log (and the shell bench)."""

from __future__ import annotations

import logging
import os
import time

log = logging.getLogger(__name__)


def process_age_s() -> float:
    """Seconds since the operating system started this process (the interpreter's own start included)."""
    try:
        with open("/proc/self/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime"))
        return time.time() - (boot + ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, StopIteration, ValueError, IndexError):  # not Linux: from this module's import
        return time.perf_counter() - _IMPORTED


def log_first_frame(view: object) -> None:
    """Log cold start → first office frame once the office view paints its first frame."""
    signal = getattr(view, "firstFrame", None)  # the 2D fallback has no frames
    if signal is not None:
        signal.connect(lambda: log.info("first office frame %.3f s after the process started", process_age_s()))


_IMPORTED = time.perf_counter()
