"""OfficeViewport: the Qt widget that paints OfficeRenderer frames and forwards input.

Frames are stepped by an asyncio task (qasync's loop on Qt's thread) at a capped rate that backs
off when frames are slow and pauses while the widget is hidden. Never `base.run()`. The rate follows
what moves: full while someone walks or types, a few frames a second for a slow sway, none while the
office is still (the simulation still ticks, and input or a change wakes the frames at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import (
    QHideEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from app.office.renderer import OfficeRenderer
from app.office.state import Motion

DRAG_THRESHOLD = 4.0  # pixels: less than this between press and release is a click
ORBIT_DEG_PER_PX = 0.3
KEY_PAN_M = 1.0
CALM_FPS = 7.0  # a sway, a bobbing marker, an idle stroll: ambient; at 7 a still-ish office stays under 5% of a core
STILL_TICK_S = 0.1  # a still office: the simulation ticks this often, nothing is drawn


class OfficeViewport(QWidget):
    """Paints the office and turns mouse and keys into camera moves, clicks and hovers."""

    def __init__(
        self,
        renderer: OfficeRenderer,
        on_employee_clicked: Callable[[str], None] | None = None,
        *,
        max_fps: float = 60.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.renderer = renderer
        self.on_employee_clicked = on_employee_clicked
        self.max_fps = max_fps
        self.image: QImage | None = None
        self.frames = 0
        self.interval = 1.0 / max_fps
        self._last_step = time.perf_counter()
        self._press: QPointF | None = None
        self._last_mouse: QPointF | None = None
        self._dragged = False
        self._visible = asyncio.Event()
        self._wake = asyncio.Event()  # input or a resize: draw now, whatever the rate
        self._task: asyncio.Task[None] | None = None
        self.setMinimumSize(320, 240)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    # ------------------------------------------------------------------ frames
    def render_once(self) -> None:
        """Step the office by the wall time since the last frame and show the result."""
        now = time.perf_counter()
        dt = min(now - self._last_step, 0.25)  # the scene caps it too; slow frames must not mean slow motion
        self._last_step = now
        frame = self.renderer.render_frame(dt)
        image = QImage(frame.bgra, frame.width, frame.height, 4 * frame.width, QImage.Format.Format_RGB32)
        self.image = image.flipped(Qt.Orientation.Vertical)  # an owned copy, rows top-down
        self.frames += 1
        self.update()

    def start(self) -> asyncio.Task[None]:
        """Start the frame task on the running loop (qasync's); `stop()` ends it."""
        if self._task is None or self._task.done():
            if self.isVisible():
                self._visible.set()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="office-frames")
        return self._task

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await self._visible.wait()
            started = time.perf_counter()
            motion = self.renderer.motion()
            if await self._still_tick(motion, started):
                continue
            self.render_once()
            took = time.perf_counter() - started
            # Back off when frames are slow so the loop keeps slack for the engine's tasks.
            budget = 1.0 / self.fps_for(motion)
            self.interval = budget if took < budget * 0.7 else min(0.25, took * 1.6)
            await self._pause(motion, max(0.001, self.interval - took))

    def fps_for(self, motion: Motion) -> float:
        """The frame rate a scene in this state needs: full while busy, a few frames a second when calm."""
        return self.max_fps if motion == "busy" else min(self.max_fps, CALM_FPS)

    async def _still_tick(self, motion: Motion, now: float) -> bool:
        """For a still office: move the simulation on without drawing, nap, and say so (True)."""
        if motion != "still" or self._wake.is_set():
            self._wake.clear()
            return False
        self.renderer.advance(min(now - self._last_step, 0.25))
        self._last_step = now
        await self._nap(STILL_TICK_S)
        return True

    async def _pause(self, motion: Motion, seconds: float) -> None:
        """Wait for the next frame: a busy scene's pace is fixed; a calm one wakes for input."""
        if motion == "busy":
            await asyncio.sleep(seconds)
        else:
            await self._nap(seconds)

    async def _nap(self, seconds: float) -> None:
        """Sleep, unless input wakes the frames first."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()

    def _changed(self) -> None:
        """Something on screen changed outside the simulation (camera, hover, size): draw it."""
        self._wake.set()

    # ------------------------------------------------------------------ Qt events
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self.image is not None:
            painter.drawImage(self.rect(), self.image)
        else:
            painter.fillRect(self.rect(), Qt.GlobalColor.lightGray)
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.renderer.resize(event.size().width(), event.size().height())
        self._changed()

    def showEvent(self, event: QShowEvent) -> None:
        self._visible.set()
        self._changed()

    def hideEvent(self, event: QHideEvent) -> None:
        self._visible.clear()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = self._last_mouse = event.position()
        self._dragged = False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._changed()
        pos = event.position()
        if self._last_mouse is not None and event.buttons() != Qt.MouseButton.NoButton:
            dx, dy = pos.x() - self._last_mouse.x(), pos.y() - self._last_mouse.y()
            if self._press is not None and (pos - self._press).manhattanLength() > DRAG_THRESHOLD:
                self._dragged = True
            if event.buttons() & Qt.MouseButton.LeftButton:
                self.renderer.pan(dx, dy)
            elif event.buttons() & (Qt.MouseButton.RightButton | Qt.MouseButton.MiddleButton):
                self.renderer.orbit(-dx * ORBIT_DEG_PER_PX, dy * ORBIT_DEG_PER_PX)
            self._last_mouse = pos
        else:
            self.renderer.hover(pos.x(), pos.y())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._changed()
        if event.button() == Qt.MouseButton.LeftButton and not self._dragged:
            pos = event.position()
            employee_id = self.renderer.pick(pos.x(), pos.y())
            if employee_id is not None and self.on_employee_clicked is not None:
                self.on_employee_clicked(employee_id)
        self._press = self._last_mouse = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._changed()
        pos = event.position()
        self.renderer.follow(self.renderer.pick(pos.x(), pos.y()))

    def wheelEvent(self, event: QWheelEvent) -> None:
        self._changed()
        steps = event.angleDelta().y() / 120.0
        self.renderer.zoom(0.88**steps)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        k = Qt.Key
        moves: dict[int, Callable[[], None]] = {
            k.Key_Left: lambda: self.renderer.camera.pan(-KEY_PAN_M, 0),
            k.Key_A: lambda: self.renderer.camera.pan(-KEY_PAN_M, 0),
            k.Key_Right: lambda: self.renderer.camera.pan(KEY_PAN_M, 0),
            k.Key_D: lambda: self.renderer.camera.pan(KEY_PAN_M, 0),
            k.Key_Up: lambda: self.renderer.camera.pan(0, KEY_PAN_M),
            k.Key_W: lambda: self.renderer.camera.pan(0, KEY_PAN_M),
            k.Key_Down: lambda: self.renderer.camera.pan(0, -KEY_PAN_M),
            k.Key_S: lambda: self.renderer.camera.pan(0, -KEY_PAN_M),
            k.Key_Q: lambda: self.renderer.orbit(-5, 0),
            k.Key_E: lambda: self.renderer.orbit(5, 0),
            k.Key_R: lambda: self.renderer.orbit(0, 3),
            k.Key_F: lambda: self.renderer.orbit(0, -3),
            k.Key_Plus: lambda: self.renderer.zoom(0.88),
            k.Key_Equal: lambda: self.renderer.zoom(0.88),
            k.Key_Minus: lambda: self.renderer.zoom(1 / 0.88),
            k.Key_Home: self.renderer.frame_all,
            k.Key_Escape: lambda: self.renderer.follow(None),
        }
        action = moves.get(key)
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        self._changed()
