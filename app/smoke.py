"""`headcount --smoke-test REPORT.json`: start the real app, draw the office, click someone, report, exit.

Used by CI on the built bundle (tests/packaging/test_bundle.py) and by hand on an owner's machine
to see that an install works. It runs the window exactly as `headcount` does (same bridge, same
starter team, same 3D office) on the data folder it is given, and writes one JSON report whatever
happens; the exit status is 0 only when every step worked. Times are seconds since the process
started (the bundle's loader included), so `first_frame_s` is what an owner waits for.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

STEP_LIMIT_S = 60.0  # per step: a busy 2-core CI machine is slow, a hung one is not
_T0 = time.monotonic()


def process_age() -> float:
    """Seconds since this process started (Linux: from /proc, so the loader counts); else since import."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _T0


def folder_size(root: Path) -> int:
    """Bytes in every file under `root` (symlinks not followed)."""
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def bundle_root() -> Path | None:
    """The installed bundle's folder when running frozen (PyInstaller), else None."""
    return Path(sys.executable).resolve().parent if getattr(sys, "frozen", False) else None


class Report:
    """What the smoke test saw; written as JSON even when a step fails."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {
            "ok": False,
            "frozen": bool(getattr(sys, "frozen", False)),
            "python": platform.python_version(),
            "platform": sys.platform,
            "steps": {},
            "errors": [],
        }

    def step(self, name: str) -> None:
        self.data["steps"][name] = round(process_age(), 3)

    def fail(self, message: str) -> None:
        self.data["errors"].append(message)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


async def _until(condition: Callable[[], bool], what: str, limit_s: float = STEP_LIMIT_S) -> None:
    """Wait (polling the UI state every 20 ms, the loop stays free) until `condition` holds."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {limit_s:.0f} s waiting for {what}")
        await asyncio.sleep(0.02)


async def _exercise(window: Any, bridge: Any, report: Report) -> None:
    """Paint, open the office, draw a 3D frame, click an employee, see a rehearsal deliverable."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from app.panels.live_office import LiveOffice

    await _until(lambda: bool(window._painted), "the window's first paint")
    report.step("window_painted_s")
    from app.main import show_when_seeded

    show_when_seeded(window, bridge)  # as the app does: the first frame shows the office as stored
    window.start_office()
    await bridge.open(starter_team=True)
    window.settle_office()
    report.step("office_open_s")
    view = window.office_view
    if not isinstance(view, LiveOffice):
        raise RuntimeError(f"the 3D office did not open; the window shows {getattr(view, 'reason', type(view))}")
    report.data["pipe"] = view.renderer.pipe_name
    report.data["pipe_type"] = view.renderer.base.pipe.getType().getName()
    await _until(lambda: view.image is not None and view._first_painted, "the first 3D frame on screen")
    report.step("first_frame_s")
    report.data["first_frame_s"] = report.data["steps"]["first_frame_s"]
    report.data["frame_size"] = list(view.renderer.size)

    await _until(lambda: bool(view.scene.actors), "an employee in the 3D office")
    view.scene.settle()  # everyone at their desk, so the click lands where the projection says
    view.render_once()
    employee_id = sorted(view.scene.actors)[0]
    point = view.renderer.project(employee_id)
    if point is None:
        raise RuntimeError(f"{employee_id} is off screen")
    where = QPointF(point[0], point[1])
    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
        buttons = Qt.MouseButton.LeftButton if kind == QEvent.Type.MouseButtonPress else Qt.MouseButton.NoButton
        event = QMouseEvent(
            kind, where, view.mapToGlobal(where), Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(view, event)
    await _until(lambda: employee_id in window.employee_panels, "the clicked employee's panel")
    report.step("picked_s")
    report.data["picked"] = {
        "employee_id": employee_id,
        "name": window.state.name_of(employee_id),
        "x": round(point[0], 1),
        "y": round(point[1], 1),
    }
    report.data["employees"] = len(window.state.employees)

    # The model layer (litellm and the rehearsal provider) loads its modules lazily: a deliverable proves them.
    def delivered() -> bool:
        tasks = window.state.tasks.values()
        parked = [t for t in tasks if t.status in ("parked", "failed", "uncertain")]
        if parked:
            raise RuntimeError(f"a task stopped instead of delivering: {parked[0].reason}")
        return any(t.status in ("review", "done") for t in tasks)

    await _until(delivered, "a first rehearsal deliverable")
    report.step("first_deliverable_s")


async def _run(window: Any, bridge: Any, report: Report) -> None:
    try:
        await _exercise(window, bridge, report)
        report.data["ok"] = True
    except Exception as exc:
        report.fail(f"{type(exc).__name__}: {exc}")
        report.data["traceback"] = traceback.format_exc()
    finally:
        window.close()  # a programmatic close quits, also where the tray would keep the app
        await window.stop_office()
        await bridge.close()


def main(argv: list[str] | None = None) -> int:
    """`--smoke-test REPORT [--home DIR]`; exit 0 when the app drew, picked and worked."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-"):
        print("usage: headcount --smoke-test REPORT.json [--home DIR]", file=sys.stderr)
        return 2
    out = Path(args[0]).expanduser().resolve()
    if "--home" in args[1:]:
        os.environ["HEADCOUNT_HOME"] = str(Path(args[args.index("--home") + 1]).expanduser().resolve())
    os.environ.setdefault("HEADCOUNT_REHEARSAL_PACE", "0")  # deliverables at once: the test is of the install
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    report = Report()
    report.step("started_s")
    try:
        return _smoke(out, report)
    except Exception as exc:  # even a failed import (a file missing from the bundle) leaves a report
        report.fail(f"{type(exc).__name__}: {exc}")
        report.data["traceback"] = traceback.format_exc()
        return 1
    finally:
        root = bundle_root()
        if root is not None:
            report.data["bundle_bytes"] = folder_size(root)
        report.write(out)


def _smoke(out: Path, report: Report) -> int:
    import qasync
    from panda3d.core import PandaSystem
    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication

    from app.bridge import Bridge
    from app.office.state import OfficeState as SceneState
    from app.state import OfficeState
    from app.window import MainWindow
    from engine.logs import setup_logging
    from engine.paths import Home

    home = Home.resolve()
    report.data.update(home=str(home.root), panda3d=PandaSystem.getVersionString(), pyside6=pyside_version)
    logging.basicConfig(level=logging.WARNING)
    setup_logging(home.logs)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    report.data["qt_platform"] = app.platformName()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    state, scene = OfficeState(), SceneState()
    bridge = Bridge(state, scene=scene.apply)
    window = MainWindow(state, bridge, scene=scene)
    window.show()
    with loop:
        loop.run_until_complete(_run(window, bridge, report))
    report.step("closed_s")
    return 0 if report.data["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
