"""`headcount run` when everyone is off duty: it says who, on which hours and when the first comes on, and keeps
running (it was silent in the background, and looked broken)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.clock import OFFSET_ENV
from tests.engine.test_cli import OFFSET, ROOT, headcount

NOTICE = [  # Sunday 03:00 UTC on the office clock is Sunday noon in Tokyo; both keep London office hours
    "Everyone is off duty, so no work starts yet:",
    "  Ada  mon-fri 08:00-18:00 (Europe/London); back Mon 07 Dec 17:00 JST",
    "  Bo   mon-fri 09:00-17:00 (Europe/London); back Mon 07 Dec 18:00 JST",
    "The office keeps running: the first to come on is Ada, Mon 07 Dec 17:00 JST. "
    "To start sooner: headcount call-in NAME --hours 2 (or headcount hours)",
]


def test_run_in_the_background_says_who_is_off_duty_until_when_and_keeps_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the owner's zone: the times are shown in it
    home = tmp_path / "home"
    headcount(home, "hire", "assistant", "--name", "Ada")
    headcount(home, "hire", "bookkeeper", "--name", "Bo")
    headcount(home, "assign", "Ada", "Sort the inbox")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), OFFSET_ENV: OFFSET}
    with subprocess.Popen(
        [sys.executable, "-m", "app.launcher", "run", "--background"], stdout=subprocess.PIPE, text=True, env=env
    ) as run:
        silent = threading.Timer(60, run.kill)  # a run that says nothing ends the test, not hangs it
        silent.start()
        try:
            assert run.stdout is not None
            said = [run.stdout.readline().rstrip("\n") for _ in NOTICE]
            assert said == NOTICE
            assert run.poll() is None  # still at work: the first shift starts the queued task
            run.send_signal(signal.SIGTERM)  # as a service manager stops it
            rest = run.stdout.read()
            run.wait(timeout=60)
        finally:
            silent.cancel()
            if run.returncode is None:
                run.kill()
    assert run.returncode == 128 + signal.SIGTERM and "Stopped." in rest

    ran = headcount(home, "run").stdout  # in the foreground it ends at once and says who waits, and for what
    assert "Everyone is off duty" not in ran  # said once, by what held work explains
    assert "Ada is off duty until Mon 07 Dec 17:00 JST: Sort the inbox" in ran
