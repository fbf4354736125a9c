"""A second launch for the same office raises the running window and exits: two real processes, Qt offscreen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from app.single import server_name
from engine.runlock import lock_holder

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 120.0  # a generous bound on a busy machine; the wait ends as soon as the state is reached


def until(condition: Callable[[], bool], what: str, proc: subprocess.Popen[bytes], out: Path) -> None:
    """Wait on a state of the first process (not a timed assertion: it ends when the state is reached)."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the first window exited ({proc.returncode}) before {what}:\n{out.read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}:\n{out.read_text()}")
        time.sleep(0.05)


def test_a_second_launch_raises_the_running_window_and_exits_0_without_a_second_office(tmp_path: Path) -> None:
    home, tmp = tmp_path / "office", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {
        **os.environ,
        "HEADCOUNT_HOME": str(home),
        "TMPDIR": str(tmp),  # where Qt puts the local socket, so this test sees it appear
        "QT_QPA_PLATFORM": "offscreen",
        "HEADCOUNT_PANDA_PIPE": "p3tinydisplay",
        "PYTHONPATH": str(ROOT),
    }
    first_out = tmp_path / "first.out"
    launch = [sys.executable, "-m", "app.launcher"]
    with first_out.open("wb") as sink:
        first = subprocess.Popen(launch, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        until(lambda: (tmp / server_name(home)).exists(), "the first window listening", first, first_out)
        until(lambda: lock_holder(home / "run.lock") is not None, "the first window working", first, first_out)
        second = subprocess.run(launch, cwd=ROOT, env=env, capture_output=True, text=True, timeout=DEADLINE_S)
        assert second.returncode == 0, second.stderr
        assert f"Headcount is already open for {home}" in second.stdout
        assert "This launch opens nothing more." in second.stdout
        until(lambda: "another launch asked for this window" in first_out.read_text(), "the raise", first, first_out)
        assert first.poll() is None, "the first window keeps running"
        assert lock_holder(home / "run.lock") == f"process {first.pid}", "one office, worked by the first window"
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGINT)  # as Ctrl-C: closes the window, the office stops between steps
        assert first.wait(timeout=DEADLINE_S) == 0, first_out.read_text()
    assert not (tmp / server_name(home)).exists(), "a window that quit leaves no socket behind"
