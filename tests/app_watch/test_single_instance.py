"""A second launch for the same office raises the running window and exits: two real processes, Qt offscreen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QFileSystemWatcher, QSocketNotifier, QTimer

from app.single import server_name
from engine.runlock import lock_holder

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 120.0  # a generous bound on a busy machine; the wait ends as soon as the state is reached


def until(
    condition: Callable[[], bool], what: str, proc: subprocess.Popen[bytes], out: Path, watch: list[Path]
) -> None:
    """Wait on a state of the first process, looked at again whenever a watched folder or file changes
    (inotify, through Qt's watcher) or the process exits: no polling, and no timed assertion (the bound
    only ends a wait for a process that hangs)."""
    loop = QEventLoop()
    watcher = QFileSystemWatcher()
    handle = os.pidfd_open(proc.pid)
    exited = QSocketNotifier(handle, QSocketNotifier.Type.Read)
    reached = False

    def look(*_: object) -> None:
        nonlocal reached
        new = [str(p) for p in watch if p.exists() and str(p) not in watcher.files() + watcher.directories()]
        if new:
            watcher.addPaths(new)
        if condition() or proc.poll() is not None:  # looked at after the watches are in place: nothing missed
            reached = True
            loop.quit()

    watcher.directoryChanged.connect(look)
    watcher.fileChanged.connect(look)
    exited.activated.connect(look)
    bound = QTimer(singleShot=True)
    bound.timeout.connect(loop.quit)
    bound.start(int(DEADLINE_S * 1000))
    try:
        look()
        if not reached:
            loop.exec()
    finally:
        bound.stop()
        exited.setEnabled(False)
        os.close(handle)
    if condition():
        return
    if proc.poll() is not None:
        raise AssertionError(f"the first window exited ({proc.returncode}) before {what}:\n{out.read_text()}")
    raise AssertionError(f"gave up waiting for {what}:\n{out.read_text()}")


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
    QCoreApplication.instance() or QCoreApplication([])  # for the waits' event loop
    launch = [sys.executable, "-m", "app.launcher"]
    with first_out.open("wb") as sink:
        first = subprocess.Popen(launch, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        socket, lock = tmp / server_name(home), home / "run.lock"
        until(lambda: socket.exists(), "the first window listening", first, first_out, [tmp])
        until(lambda: lock_holder(lock) is not None, "the first window working", first, first_out, [home, lock])
        second = subprocess.run(launch, cwd=ROOT, env=env, capture_output=True, text=True, timeout=DEADLINE_S)
        assert second.returncode == 0, second.stderr
        assert f"Headcount is already open for {home}" in second.stdout
        assert "This launch opens nothing more." in second.stdout
        raised = "another launch asked for this window"
        until(lambda: raised in first_out.read_text(), "the raise", first, first_out, [first_out])
        assert first.poll() is None, "the first window keeps running"
        assert lock_holder(home / "run.lock") == f"process {first.pid}", "one office, worked by the first window"
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGINT)  # as Ctrl-C: closes the window, the office stops between steps
        assert first.wait(timeout=DEADLINE_S) == 0, first_out.read_text()
    assert not (tmp / server_name(home)).exists(), "a window that quit leaves no socket behind"
