"""Screenshots of the window with synthetic data: `python -m tests.app.screens OUTDIR`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.state import OfficeState
from app.theme import apply_theme
from app.window import MainWindow
from tests.app.fakes import TODAY, Recorder, populate


def shoot(out: Path) -> list[Path]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)
    state = OfficeState(today=lambda: TODAY)
    window = MainWindow(state, Recorder(), today=lambda: TODAY)
    window.resize(1440, 900)
    populate(state)
    state.set_welcome(True)
    state.set_engine_status("Ready")
    window.show()
    window.refresh()
    out.mkdir(parents=True, exist_ok=True)
    saved = []

    def grab(name: str) -> None:
        for _ in range(5):
            app.processEvents()
        path = out / f"{name}.png"
        window.grab().save(str(path))
        saved.append(path)

    grab("main-window")
    window.side.setCurrentIndex(0)
    grab("inbox")
    panel = window.open_employee("emp-ada")
    assert panel is not None
    state.set_brief("emp-ada", "---\nid: assistant\ntitle: Personal assistant\n---\nYou help the owner.\n", "Version 1")
    window.refresh()
    grab("employee-chat")
    panel.tabs.setCurrentIndex(2)
    grab("employee-budget")
    panel.tabs.setCurrentIndex(3)
    grab("employee-steps")
    window.side.setCurrentIndex(1)
    grab("tasks")
    window.side.setCurrentIndex(2)
    grab("audit")
    return saved


def shoot_live(out: Path, seconds: float = 0.6) -> list[Path]:
    """The real window over a real office on a fresh home: the starter team hired in rehearsal (the real
    rehearsal model through litellm), called in for their first day, the 3D office in the centre.
    """
    import asyncio

    import qasync

    from app.bridge import Bridge
    from app.main import prewarm_in_background
    from app.office.state import OfficeState as SceneState
    from engine.office import Office
    from engine.paths import Home

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    state = OfficeState()
    scene = SceneState()
    out.mkdir(parents=True, exist_ok=True)

    async def run() -> list[Path]:
        warm = prewarm_in_background()
        if warm is not None:
            await asyncio.to_thread(warm.join)
        office = await Office.open(Home.resolve(), colocate_writer=False)
        bridge = Bridge(state, office, scene=scene.apply)
        window = MainWindow(state, bridge, scene=scene)
        window.resize(1440, 900)
        window.show()
        window.start_office()
        await bridge.open(starter_team=True)
        window.settle_office()
        await asyncio.sleep(seconds)  # let the team work: this is a screenshot, not a test
        window.refresh()
        saved = [out / "main-window.png", out / "employee-panel.png", out / "inbox.png"]
        window.grab().save(str(saved[0]))
        staff = sorted(state.employees.values(), key=lambda e: e.role != "assistant")  # the assistant, if hired
        first = staff[0].id
        # Its history loads in the background (steps, chat, spend, then the brief last): wait for the brief.
        loaded = asyncio.Event()
        stop = state.listen(lambda parts: loaded.set() if f"brief:{first}" in parts else None)
        window.open_employee(first)
        await loaded.wait()
        stop()
        await _settle(window)
        window.grab().save(str(saved[1]))
        window.side.setCurrentIndex(0)
        await _settle(window)
        window.grab().save(str(saved[2]))
        window.close()
        await window.stop_office()
        await bridge.close()
        return saved

    with loop:
        return loop.run_until_complete(run())


async def _settle(window: MainWindow) -> None:
    """Until the window has caught up with the state once more (a refresh after this point)."""
    caught_up = asyncio.Event()
    window.refreshed.connect(caught_up.set)
    window.refresh()
    await caught_up.wait()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots")
    if "--live" in sys.argv:
        for p in shoot_live(target):
            print(p)
    else:
        for p in shoot(target):
            print(p)
