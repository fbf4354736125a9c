"""What a command tells the owner after freeing work to go on: nothing to do while a process works the office."""

from __future__ import annotations

import os
from pathlib import Path

from engine.runlock import RunLock, to_go_on


def test_the_hint_names_the_process_at_work_or_headcount_run(tmp_path: Path) -> None:
    assert to_go_on(tmp_path) == "Run `headcount run` to continue."  # nobody works it: the owner starts one
    lock = RunLock(tmp_path / "run.lock")
    lock.acquire()  # a window, or `headcount run --background`
    try:
        said = to_go_on(tmp_path, "work them")
        assert said == f"The office at work in process {os.getpid()} picks it up within seconds."
    finally:
        lock.release()
    assert to_go_on(tmp_path, "work them") == "Run `headcount run` to work them."
