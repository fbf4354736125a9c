"""The office view in the centre of the window.

`make_office_view` is the one place that picks it: the 3D office (`app.panels.live_office`) when
a scene is given and Panda3D opens a graphics pipe, else `FloorPlan`, a plain 2D floor plan that
says on screen why it is shown.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from app.forms import EmployeeRow
from app.theme import ACCENT, BORDER, MUTED, status_style

if TYPE_CHECKING:
    from app.office.state import OfficeState as SceneState

DESK_W, DESK_H, GAP = 176.0, 112.0, 22.0
log = logging.getLogger(__name__)


class OfficeView(Protocol):
    """What the window needs from any office view."""

    def set_rows(self, rows: Sequence[EmployeeRow]) -> None: ...

    def is_placeholder(self) -> bool: ...


def desk_rects(count: int, width: float) -> list[QRectF]:
    """Desks in rows that fit the width, centred. Plain geometry: tested without painting."""
    per_row = max(1, int((width - GAP) // (DESK_W + GAP)))
    rows = math.ceil(count / per_row) if count else 0
    used = min(count, per_row) * (DESK_W + GAP) - GAP
    left = max(GAP, (width - used) / 2)
    return [
        QRectF(left + (i % per_row) * (DESK_W + GAP), 56 + (i // per_row) * (DESK_H + GAP), DESK_W, DESK_H)
        for i in range(min(count, rows * per_row))
    ]


class FloorPlan(QWidget):
    """A 2D floor plan: one desk per employee, coloured by status. Placeholder for the 3D office."""

    def __init__(self, on_open: Callable[[str], object], reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_open = on_open
        self.reason = reason or "the 3D office is not shown here"
        self.rows: list[EmployeeRow] = []
        self.setMinimumSize(360, 260)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def is_placeholder(self) -> bool:
        return True

    def set_rows(self, rows: Sequence[EmployeeRow]) -> None:
        snapshot = [(r.id, r.name, r.status, r.color, r.detail, r.current_task) for r in rows]
        if snapshot != [(r.id, r.name, r.status, r.color, r.detail, r.current_task) for r in self.rows]:
            self.rows = [EmployeeRow(**{s: getattr(r, s) for s in EmployeeRow.__slots__}) for r in rows]
            self.update()

    def desk_at(self, x: float, y: float) -> str | None:
        for emp, rect in zip(self.rows, desk_rects(len(self.rows), self.width()), strict=False):
            if rect.contains(QPointF(x, y)):
                return emp.id
        return None

    def desk_center(self, employee_id: str) -> QPointF:
        i = next(i for i, r in enumerate(self.rows) if r.id == employee_id)
        return desk_rects(len(self.rows), self.width())[i].center()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        hit = self.desk_at(event.position().x(), event.position().y())
        if hit is not None and event.button() == Qt.MouseButton.LeftButton:
            self._on_open(hit)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#eef0f5"))
        # floor tiles
        p.setPen(QPen(QColor("#e4e7ef"), 1))
        for x in range(0, self.width(), 40):
            p.drawLine(x, 0, x, self.height())
        for y in range(0, self.height(), 40):
            p.drawLine(0, y, self.width(), y)
        p.setPen(QColor(MUTED))
        font = p.font()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        p.setFont(font)
        p.drawText(QRectF(16, 12, self.width() - 32, 24), Qt.AlignmentFlag.AlignLeft, "Office — 2D floor plan")
        p.drawText(
            QRectF(16, 12, self.width() - 32, 24),
            Qt.AlignmentFlag.AlignRight,
            self.reason,
        )
        if not self.rows:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "The office is empty. Hire someone to get started.")
            return
        for emp, rect in zip(self.rows, desk_rects(len(self.rows), self.width()), strict=False):
            self._desk(p, emp, rect)

    def _desk(self, p: QPainter, emp: EmployeeRow, rect: QRectF) -> None:
        label, color_hex = status_style(emp.status)
        status_color = QColor(color_hex)
        p.setPen(QPen(QColor(BORDER), 1))
        p.setBrush(QColor("white"))
        p.drawRoundedRect(rect, 10, 10)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(status_color)
        p.drawRoundedRect(QRectF(rect.left(), rect.top(), 5, rect.height()), 2.5, 2.5)
        avatar = QRectF(rect.left() + 16, rect.top() + 14, 32, 32)
        p.setBrush(QColor(emp.color or ACCENT))
        p.drawEllipse(avatar)
        p.setPen(QColor("white"))
        font = p.font()
        font.setBold(True)
        p.setFont(font)
        p.drawText(avatar, Qt.AlignmentFlag.AlignCenter, emp.name[:1].upper())
        p.setPen(QColor("#1d2433"))
        name_rect = QRectF(avatar.right() + 10, rect.top() + 12, rect.width() - 70, 18)
        p.drawText(
            name_rect,
            Qt.AlignmentFlag.AlignLeft,
            p.fontMetrics().elidedText(emp.name, Qt.TextElideMode.ElideRight, int(name_rect.width())),
        )
        font.setBold(False)
        p.setFont(font)
        p.setPen(status_color.darker(120))
        state_rect = QRectF(avatar.right() + 10, rect.top() + 30, rect.width() - 70, 18)
        p.drawText(state_rect, Qt.AlignmentFlag.AlignLeft, label)
        p.setPen(QColor(MUTED))
        doing = emp.current_task or emp.detail or emp.title
        text_rect = QRectF(rect.left() + 16, rect.top() + 58, rect.width() - 28, rect.height() - 66)
        lines = max(1, int(text_rect.height() // p.fontMetrics().lineSpacing()))
        p.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap),
            p.fontMetrics().elidedText(doing, Qt.TextElideMode.ElideRight, int(text_rect.width() * lines * 0.9)),
        )


def make_office_view(on_open: Callable[[str], object], scene: SceneState | None = None) -> QWidget:
    """The centre of the window: the 3D office over `scene`, or the 2D plan when it cannot render."""
    if scene is None:
        return FloorPlan(on_open, "no 3D scene attached")
    try:  # Panda3D is imported only here: a window without a scene never pays for it
        from app.office.renderer import shared_renderer
        from app.panels.live_office import LiveOffice
        from app.timing import mark

        mark("panda3d import")
        renderer = shared_renderer(size=(960, 480))
        mark("renderer")
    except Exception as exc:
        log.warning("the 3D office cannot render, showing the 2D floor plan: %s", exc)
        return FloorPlan(on_open, f"3D office unavailable: {exc}")
    return LiveOffice(renderer, scene, on_open)
