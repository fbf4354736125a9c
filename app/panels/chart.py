"""A spend-per-day bar chart painted with QPainter (no chart library)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.theme import ACCENT, BORDER, DANGER, MUTED, REHEARSAL, money


def day_series(per_day: Mapping[date, float], today: date, days: int) -> list[tuple[date, float]]:
    """The last `days` days ending today, zero where nothing was spent."""
    start = today - timedelta(days=days - 1)
    return [(start + timedelta(days=i), per_day.get(start + timedelta(days=i), 0.0)) for i in range(days)]


class SpendChart(QWidget):
    def __init__(self, days: int = 14, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.days = days
        self.series: list[tuple[date, float]] = []
        self.ceiling: float | None = None
        self.simulated = False
        self.setMinimumHeight(170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(380, 200)

    def set_data(
        self, per_day: Mapping[date, float], today: date, ceiling: float | None = None, simulated: bool = False
    ) -> None:
        self.series = day_series(per_day, today, self.days)
        self.ceiling = ceiling
        self.simulated = simulated
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        plot = QRectF(self.rect()).adjusted(52, 12, -10, -26)
        top_value = max([v for _, v in self.series] + [self.ceiling or 0.0, 0.01])
        top_value *= 1.15
        p.setPen(QColor(MUTED))
        font = p.font()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        p.setFont(font)
        for i in range(3):  # gridlines at 0, 1/2, 1
            value = top_value * i / 2
            y = plot.bottom() - plot.height() * i / 2
            p.setPen(QPen(QColor(BORDER), 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor(MUTED))
            p.drawText(
                QRectF(0, y - 8, plot.left() - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                money(value),
            )
        if not self.series:
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No spend yet")
            return
        slot = plot.width() / len(self.series)
        bar_w = max(3.0, slot * 0.6)
        color = QColor(REHEARSAL if self.simulated else ACCENT)
        for i, (day, value) in enumerate(self.series):
            h = plot.height() * value / top_value
            x = plot.left() + slot * i + (slot - bar_w) / 2
            over = self.ceiling is not None and value > self.ceiling
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(DANGER) if over else color)
            if h > 0:
                p.drawRoundedRect(QRectF(x, plot.bottom() - h, bar_w, h), 2, 2)
            if (len(self.series) - 1 - i) % max(1, len(self.series) // 7) == 0:  # always label today
                p.setPen(QColor(MUTED))
                p.drawText(
                    QRectF(x - 20, plot.bottom() + 4, bar_w + 40, 18),
                    Qt.AlignmentFlag.AlignHCenter,
                    day.strftime("%d %b"),
                )
        if self.ceiling:
            y = plot.bottom() - plot.height() * self.ceiling / top_value
            p.setPen(QPen(QColor(DANGER), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.drawText(
                QRectF(plot.left() + 4, y - 18, 160, 16),
                Qt.AlignmentFlag.AlignLeft,
                f"ceiling {money(self.ceiling)}/day",
            )
