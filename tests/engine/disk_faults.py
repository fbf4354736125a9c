"""Real storage faults for tests: a small tmpfs that fills, and files made immutable with chattr.

Both need root (as root `chmod 444` does not stop writes; `chattr +i` does). Tests skip, saying why,
where they cannot be made.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHUNK = 1 << 20


def _need(tool: str) -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip(f"needs root to use {tool} for a real storage fault")
    if shutil.which(tool) is None:
        pytest.skip(f"needs {tool} for a real storage fault")


@contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of `size` (e.g. "24m") at `where` for the duration."""
    _need("mount")
    where.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill `disk` until only `leave` bytes are free; delete the returned file to give the space back."""
    filler = disk / "filler"
    remaining = shutil.disk_usage(disk).free - leave
    zeros = bytes(CHUNK)
    with filler.open("wb") as out:
        while remaining > 0:
            n = min(CHUNK, remaining)
            try:
                out.write(zeros[:n])
                out.flush()
            except OSError:  # full already: that is what we wanted
                break
            remaining -= n
    return filler


@contextmanager
def immutable(*paths: Path) -> Iterator[list[Path]]:
    """`chattr +i` the paths that exist (nothing, not even root, can write them), undone afterwards."""
    _need("chattr")
    present = [p for p in paths if p.exists()]
    made = subprocess.run(["chattr", "+i", *map(str, present)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i does not work here: {made.stderr.decode(errors='replace').strip()}")
    try:
        yield present
    finally:
        subprocess.run(["chattr", "-i", *map(str, present)], check=False, capture_output=True)
