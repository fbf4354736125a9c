"""Screenshots of the window with synthetic data: `python -m tests.app.screens OUTDIR`."""

from __future__ import annotations

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


def shoot_live(out: Path, seconds: float = 0.9) -> Path:
    """The real window over a real office on a fresh home: starter team hired, working for `seconds`.

    Uses the engine's rehearsal model when the model layer is installed, else a fixed streamed reply.
    """
    import asyncio

    import qasync

    from app.bridge import Bridge
    from engine.orchestrator import Office
    from engine.paths import Home

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    state = OfficeState()

    async def run() -> Path:
        try:
            import engine.llm.provider as provider

            model = provider.LiteLLMClient() if hasattr(provider, "LiteLLMClient") else None
        except ImportError:
            model = None
        if model is None:
            from tests.app.models import StreamingReplyModel

            class Paced(StreamingReplyModel):
                async def complete(self, request):  # type: ignore[no-untyped-def]
                    await asyncio.sleep(0.8)
                    return await super().complete(request)

            model = Paced("Here is a first draft; I saved it as draft.md for your review.")
        office = await Office.open(Home.resolve(), model=model, colocate_writer=False)
        bridge = Bridge(state, office)
        window = MainWindow(state, bridge)
        window.resize(1440, 900)
        window.show()
        await bridge.open(starter_team=True)
        await asyncio.sleep(seconds)  # let the team work: this is a screenshot, not a test
        window.refresh()
        path = out / "live-main-window.png"
        window.grab().save(str(path))
        first = next(iter(state.employees))
        window.open_employee(first)
        await asyncio.sleep(0.5)
        window.refresh()
        window.grab().save(str(out / "live-employee.png"))
        window.side.setCurrentIndex(0)
        window.refresh()
        window.grab().save(str(out / "live-inbox.png"))
        window.close()
        await bridge.close()
        return path

    with loop:
        return loop.run_until_complete(run())


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots")
    if "--live" in sys.argv:
        print(shoot_live(target))
    else:
        for p in shoot(target):
            print(p)
