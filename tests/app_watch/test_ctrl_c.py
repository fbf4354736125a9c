"""Ctrl-C ends the app even while Qt waits in C++: the first-run passphrase dialog, before the office opens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from tests.app_watch.test_single_instance import DEADLINE_S, ROOT, until


def test_ctrl_c_while_the_passphrase_is_asked_ends_the_app(tmp_path: Path) -> None:
    home, tmp = tmp_path / "office", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    # No passphrase given: on a machine without an OS keyring (CI's, this one) the window asks for one.
    env = {k: v for k, v in os.environ.items() if k not in ("HEADCOUNT_KEYRING_PASSPHRASE", "PYTHON_KEYRING_BACKEND")}
    env.update({"HEADCOUNT_HOME": str(home), "TMPDIR": str(tmp), "QT_QPA_PLATFORM": "offscreen",
                "HEADCOUNT_PANDA_PIPE": "p3tinydisplay", "PYTHONPATH": str(ROOT)})  # fmt: skip
    out = tmp_path / "app.out"
    QCoreApplication.instance() or QCoreApplication([])
    with out.open("wb") as sink:
        app = subprocess.Popen([sys.executable, "-m", "app.launcher"], cwd=ROOT, env=env, stdout=sink, stderr=sink)
    try:
        log = home / "logs" / "headcount.log"
        asked = "asking for the passphrase"
        watch = [home, home / "logs", log]
        until(lambda: log.exists() and asked in log.read_text(), "the passphrase dialog", app, out, watch)
        app.send_signal(signal.SIGINT)  # the app waits in Qt's C++ for the owner's answer
        assert app.wait(timeout=DEADLINE_S) == 0, out.read_text()
    finally:
        if app.poll() is None:
            app.kill()
