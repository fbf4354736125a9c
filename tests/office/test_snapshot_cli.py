"""`headcount snapshot` renders a real office (from the journal) to a PNG, with no window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), "HEADCOUNT_PANDA_PIPE": "p3tinydisplay"}
    result = subprocess.run(
        [sys.executable, "-m", "app.launcher", *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_snapshot_of_a_hired_team(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(home, "hire-team", "support")
    out = tmp_path / "office.png"
    assert "Wrote" in _run(home, "snapshot", "--out", str(out), "--size", "640x360").stdout
    image = QImage(str(out))
    assert (image.width(), image.height()) == (640, 360)
    colours = {image.pixelColor(x, y).name() for x in range(0, 640, 16) for y in range(0, 360, 16)}
    assert len(colours) > 20  # a furnished office, not a blank buffer


def test_snapshot_rejects_a_bad_size(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "app.launcher", "snapshot", "--out", str(tmp_path / "x.png"), "--size", "big"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2 and "1280x720" in result.stderr


def test_the_default_pipe_says_nothing_of_panda3d_internals(tmp_path: Path) -> None:
    """Software OpenGL swapped for Panda's rasteriser printed "Attempt to register type x11GraphicsPipe more than
    once!" on every start: two plugins both carry the X11 types. Kept to the log, at debug level."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "HEADCOUNT_PANDA_PIPE"}
    env |= {"PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "app.launcher", "snapshot", "--out", str(tmp_path / "o.png"), "--size", "320x180"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "more than once" not in result.stderr, result.stderr
