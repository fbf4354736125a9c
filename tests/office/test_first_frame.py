"""The window's first office frame: the one that shows the office as stored, never an empty floor before it."""

from __future__ import annotations

from typing import Any

from app.office.state import OfficeState
from app.panels.live_office import LiveOffice
from tests.office.conftest import three_teams


def live(qtbot: Any, renderer: Any, scene: OfficeState) -> tuple[LiveOffice, list[int]]:
    view = LiveOffice(renderer, scene, lambda _id: None)
    view.setFixedSize(480, 320)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    firsts: list[int] = []
    view.firstFrame.connect(lambda: firsts.append(view.frames))
    return view, firsts


def test_frames_painted_before_the_office_opened_are_not_the_first_office_frame(qtbot: Any, renderer: Any) -> None:
    scene = OfficeState()  # the scene before the bridge fed it the office's snapshot: an empty floor
    view, firsts = live(qtbot, renderer, scene)
    view.render_once()
    view.grab()  # paints the widget now, as the screen would
    assert view.frames >= 1 and firsts == []
    scene.apply_all(three_teams(2))  # the snapshot arrives
    view.office_opened()
    view.render_once()
    view.grab()  # paints the widget now, as the screen would
    assert len(firsts) == 1 and firsts[0] >= 2  # timed at a frame rendered after the office opened
    view.render_once()
    view.grab()  # paints the widget now, as the screen would
    assert len(firsts) == 1  # once only
