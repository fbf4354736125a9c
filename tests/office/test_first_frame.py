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


def test_the_office_opening_seats_everyone_and_draws_them_at_once(qtbot: Any, renderer: Any) -> None:
    scene = OfficeState()
    view, firsts = live(qtbot, renderer, scene)
    scene.apply_all(three_teams(2))  # hired earlier: without settling they would walk in from the door
    door = scene.plan.door
    assert all((a.x, a.y) == (door.x, door.y) for a in scene.actors.values())
    frames = view.frames
    view.office_opened()
    assert view.frames == frames + 1  # drawn now, not at the frame task's next turn
    for eid, actor in scene.actors.items():
        assert (actor.x, actor.y) == scene.desk(eid).seat and actor.arrived
    qtbot.waitUntil(lambda: len(firsts) == 1)  # painted at Qt's next turn
