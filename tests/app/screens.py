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


if __name__ == "__main__":
    for p in shoot(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots")):
        print(p)
