"""The engine runs with Qt and Panda3D absent: an import contract and a real headless job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = textwrap.dedent(
    """
    import importlib.abc, sys
    BLOCKED = ("PySide6", "shiboken6", "panda3d", "direct", "qasync", "app")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked: the engine must run headless")
            return None

    sys.meta_path.insert(0, Block())
    """
)

JOB = textwrap.dedent(
    """
    import asyncio, json, sys
    from engine.office import Office
    from engine.paths import Home

    async def main():
        office = await Office.open(Home.resolve())
        try:
            brief = office.brief_for("assistant")
            record = await office.hire(brief, name="Ada")
            await office.call_in(record.id, hours=24)  # whatever the hour: the assistant keeps office hours
            await office.assign(record.id, "Draft a polite reply to a customer asking about opening hours")
            await office.run(until_idle=True)
            tasks = await office.journal.tasks()
            steps = await office.journal.steps(employee_id=record.id)
            ui = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "panda3d", "direct", "qasync", "app"))
            print(json.dumps({"status": [t.status for t in tasks], "steps": len(steps),
                              "tools": sorted({s.tool for s in steps if s.tool}), "ui_modules": ui}))
        finally:
            await office.close()

    asyncio.run(main())
    """
)


def test_import_contract_holds() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout and "BROKEN" not in result.stdout


def test_a_whole_headless_job_runs_with_ui_libraries_blocked(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-c", BLOCKER + JOB], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["status"] == ["review"]  # a new hire's first deliverables go to the owner
    assert report["steps"] >= 3  # the rehearsal model really used its tools
    assert "write_file" in report["tools"]
    assert report["ui_modules"] == []


def test_the_blocker_really_blocks() -> None:
    """Guard against a vacuous pass: the same blocker makes importing the UI fail."""
    result = subprocess.run([sys.executable, "-c", BLOCKER + "import PySide6"], capture_output=True, text=True)
    assert result.returncode != 0 and "blocked" in result.stderr
