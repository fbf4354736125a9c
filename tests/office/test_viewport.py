"""OfficeViewport under QT_QPA_PLATFORM=offscreen: painting, clicks, follow, the frame task."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from app.viewport import OfficeViewport
from tests.office.conftest import office, three_teams


@pytest.fixture
def viewport(qtbot: Any, renderer: Any) -> OfficeViewport:
    renderer.attach(office(three_teams(2)))
    clicks: list[str] = []
    vp = OfficeViewport(renderer, on_employee_clicked=clicks.append)
    vp.clicks = clicks  # type: ignore[attr-defined]
    vp.setFixedSize(480, 320)
    qtbot.addWidget(vp)
    vp.show()
    qtbot.waitExposed(vp)
    vp.render_once()
    return vp


def test_click_on_an_employee_calls_back(viewport: OfficeViewport, qtbot: Any) -> None:
    x, y = viewport.renderer.project("eng0", 1.0)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=QPoint(int(x), int(y)))
    qtbot.waitUntil(lambda: viewport.clicks == ["eng0"])  # type: ignore[attr-defined]


def test_click_on_empty_floor_calls_nothing(viewport: OfficeViewport, qtbot: Any) -> None:
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert viewport.clicks == []  # type: ignore[attr-defined]


def test_double_click_follows_and_escape_stops(viewport: OfficeViewport, qtbot: Any) -> None:
    x, y = viewport.renderer.project("sal1", 1.0)
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=QPoint(int(x), int(y)))
    assert viewport.renderer.camera.follow == "sal1"
    qtbot.keyClick(viewport, Qt.Key.Key_Escape)
    assert viewport.renderer.camera.follow is None


def test_wheel_and_keys_move_the_camera(viewport: OfficeViewport, qtbot: Any) -> None:
    cam = viewport.renderer.camera
    d, h = cam.distance, cam.heading
    qtbot.keyClick(viewport, Qt.Key.Key_Plus)
    qtbot.keyClick(viewport, Qt.Key.Key_E)
    assert cam.distance < d and cam.heading != h


def test_painted_widget_shows_the_frame(viewport: OfficeViewport) -> None:
    image = viewport.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, 480, 16) for y in range(0, 320, 16)}
    assert len(colours) > 20


def test_frame_task_runs_under_qasync_and_pauses_when_hidden(viewport: OfficeViewport, qapp: Any) -> None:
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=False)

    three_frames = asyncio.Event()
    render_once = viewport.render_once
    start = viewport.frames

    def counting() -> None:
        render_once()
        if viewport.frames >= start + 3:
            three_frames.set()

    viewport.render_once = counting  # type: ignore[method-assign]

    async def main() -> None:
        viewport.start()
        await three_frames.wait()  # wait on state, not on time
        viewport.hide()
        paused_at = viewport.frames
        for _ in range(20):
            await asyncio.sleep(0)
        assert viewport.frames <= paused_at + 1
        await viewport.stop()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


def test_a_still_office_is_not_redrawn_until_something_changes(qtbot: Any, renderer: Any, qapp: Any) -> None:
    import qasync

    from engine.events import StatusChanged
    from tests.office.conftest import hire

    scene = office([hire("ada"), StatusChanged(employee_id="ada", status="off_duty")])  # gone home
    renderer.attach(scene)
    assert renderer.motion() == "still"
    vp = OfficeViewport(renderer)
    vp.setFixedSize(320, 240)
    qtbot.addWidget(vp)
    vp.show()
    qtbot.waitExposed(vp)
    loop = qasync.QEventLoop(qapp, already_running=False)

    ticked: list[asyncio.Event] = []
    draw, advance = vp.render_once, renderer.advance

    def drawn_once() -> None:
        draw()
        ticked[0].set()

    def advanced(dt: float) -> None:
        advance(dt)
        ticked[0].set()

    vp.render_once = drawn_once  # type: ignore[method-assign]
    renderer.advance = advanced

    async def until(condition: Any) -> None:  # wait on state: each drawn frame or still tick
        while not condition():
            ticked[0].clear()
            await ticked[0].wait()

    async def main() -> None:
        ticked.append(asyncio.Event())
        vp.start()
        await until(lambda: vp.frames >= 1)  # the first frame, once shown
        drawn, simulated = vp.frames, scene.time
        await until(lambda: scene.time >= simulated + 0.5)  # the simulation goes on...
        assert vp.frames == drawn  # ...but nothing is drawn
        qtbot.keyClick(vp, Qt.Key.Key_Q)  # the owner turns the camera: drawn at once
        await until(lambda: vp.frames > drawn)
        scene.apply(StatusChanged(employee_id="ada", status="typing"))  # called in: walks to work
        await until(lambda: vp.frames > drawn + 5)
        await vp.stop()

    try:
        loop.run_until_complete(asyncio.wait_for(main(), 60))
    finally:
        del renderer.advance  # the renderer is shared by the module's tests
        loop.close()
