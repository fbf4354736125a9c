"""Start-up: once the bridge has the office as stored, the window shows it in one frame, roster and 3D office."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pytestqt.qtbot import QtBot

from app.main import show_when_seeded
from app.office.state import OfficeState as SceneState
from app.panels.live_office import LiveOffice
from app.state import OfficeState
from app.window import MainWindow
from engine.events import EmployeeHired, StatusChanged
from tests.app.fakes import TODAY, Recorder


def test_the_office_as_stored_is_shown_at_once_and_its_frame_is_the_first(qtbot: QtBot) -> None:
    state, scene = OfficeState(today=lambda: TODAY), SceneState()
    window = MainWindow(state, Recorder(), today=lambda: TODAY, scene=scene)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    view = window.office_view
    assert isinstance(view, LiveOffice)
    firsts: list[int] = []
    view.firstFrame.connect(lambda: firsts.append(view.frames))
    bridge: Any = SimpleNamespace(on_seeded=None)
    show_when_seeded(window, bridge)
    for i, name in enumerate(("Ada", "Ben", "Chloe")):  # the snapshot, fanned out as the bridge does
        for event in (
            EmployeeHired(employee_id=f"e{i}", name=name, role="assistant", title="Assistant", team="ops"),
            StatusChanged(employee_id=f"e{i}", status="typing"),
        ):
            state.apply(event)
            scene.apply(event)
    frames = view.frames
    bridge.on_seeded()
    assert window.roster.row_count() == 3  # not left to the refresh timer
    assert view.frames == frames + 1  # the office drawn now, everyone at their desk
    assert all((a.x, a.y) == scene.desk(eid).seat for eid, a in scene.actors.items())
    qtbot.waitUntil(lambda: firsts == [frames + 1])
