"""The 3D office in the window: the shared OfficeRenderer painted by an OfficeViewport.

The scene (`app.office.OfficeState`) is fed engine events by the bridge; this widget only paces
frames. Pacing shares qasync's one loop with the engine, so it watches how late its own sleeps
wake up: a late wake-up means the loop is busy, and the frame rate steps down until it is not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPaintEvent, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QWidget

from app.forms import EmployeeRow
from app.office.renderer import OfficeRenderer
from app.office.state import OfficeState as SceneState
from app.viewport import OfficeViewport

MAX_FPS = 30.0  # the office is ambient: 30 fps looks smooth and leaves the loop for the engine
MIN_FPS = 6.0
LATE_S = 0.012  # a sleep that wakes this late means other work waits on the loop


def next_interval(interval: float, took: float, late: float, max_fps: float) -> float:
    """The pause before the next frame: longer when frames are slow or the loop is busy, back up slowly."""
    budget = 1.0 / max_fps
    if took > budget * 0.7 or late > LATE_S:
        return min(1.0 / MIN_FPS, max(interval * 1.25, took * 1.6))
    return max(budget, interval * 0.95)


class LiveOffice(OfficeViewport):
    """The office view for the window: reframes as the team grows until the owner moves the camera.

    `firstFrame` is emitted once, when the first frame that shows the office as stored is painted:
    one rendered after `office_opened()` (the scene holds everyone), never an earlier empty floor.
    """

    firstFrame = Signal()

    def __init__(
        self,
        renderer: OfficeRenderer,
        scene: SceneState,
        on_open: Callable[[str], object],
        *,
        max_fps: float = MAX_FPS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(renderer, on_employee_clicked=self._clicked, max_fps=max_fps, parent=parent)
        self._on_open = on_open
        self.scene = scene
        renderer.attach(scene)
        self._layout_seen = scene.layout_version
        self._camera_moved = False
        self._first_painted = False
        self._opened = False  # the scene holds the office's snapshot
        self._shows_office = False  # the image on screen was rendered after that
        self.frame_ms: list[float] = []  # recent frame costs, for the benchmark and the tooltip

    def _clicked(self, employee_id: str) -> None:
        self._on_open(employee_id)

    def is_placeholder(self) -> bool:
        return False

    def set_rows(self, rows: Sequence[EmployeeRow]) -> None:
        """Nothing to do: the scene follows engine events itself."""

    def render_once(self) -> None:
        if self.renderer.state is not self.scene:  # someone else (a snapshot) borrowed the renderer
            self.renderer.attach(self.scene)
        if self.scene.layout_version != self._layout_seen:
            self._layout_seen = self.scene.layout_version
            if not self._camera_moved:
                self.renderer.frame_all()
        started = time.perf_counter()
        super().render_once()
        self._shows_office = self._opened
        self.frame_ms = [*self.frame_ms[-119:], (time.perf_counter() - started) * 1000]

    async def _run(self) -> None:
        late = 0.0
        while True:
            await self._visible.wait()
            started = time.perf_counter()
            if self.renderer.state is not self.scene or self.scene.layout_version != self._layout_seen:
                self._changed()  # a borrowed renderer or a new layout: draw (and reframe) now
            motion = self.renderer.motion()
            if await self._still_tick(motion, started):
                late = 0.0
                continue
            self.render_once()
            took = time.perf_counter() - started
            fps = self.fps_for(motion)
            self.interval = next_interval(min(self.interval, 1.0 / fps), took, late, fps)
            pause = max(0.001, self.interval - took)
            woke = time.perf_counter()
            await self._pause(motion, pause)
            late = time.perf_counter() - woke - pause if motion == "busy" else 0.0

    def office_opened(self) -> None:
        """The scene now holds the office as stored: seat everyone and draw it now, ahead of the engine's
        first tasks (the first frame the owner sees, and the one the start-up time is logged at)."""
        self._opened = True
        self.scene.settle()  # people already hired are at their desks, not walking in from the door
        if self.isVisible():
            self.render_once()  # painted at Qt's next turn of the loop
        else:
            self._changed()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._shows_office and not self._first_painted:
            self._first_painted = True
            self.firstFrame.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._camera_moved:  # the framing depends on the aspect ratio
            self.renderer.frame_all()

    # The owner took the camera: stop reframing on new hires (Home frames everything again).
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons():
            self._camera_moved = True
        super().mouseMoveEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self._camera_moved = True
        super().wheelEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._camera_moved = True  # following someone: reframing would stop it
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self._camera_moved = event.key() != Qt.Key.Key_Home  # Home frames everything and resumes reframing
        super().keyPressEvent(event)
