"""The roster: who works here, what they are doing, and today's spend against the ceiling."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.forms import EmployeeRow
from app.theme import ACCENT, BORDER, DANGER, MUTED, REHEARSAL, WARN, money, status_style

COLUMNS = ("Name", "Role", "Status", "Current task", "Today")
ROW_KEY = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class RosterModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[EmployeeRow] = []

    def set_rows(self, rows: Sequence[EmployeeRow]) -> None:
        rows = [replace(r) for r in rows]  # a snapshot: the state mutates its rows in place
        if [r.id for r in rows] != [r.id for r in self.rows]:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
            return
        for i, (old, new) in enumerate(zip(self.rows, rows, strict=True)):
            if old != new:
                self.rows[i] = new
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].upper()
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == ROW_KEY:
            return r
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return r.name
            if col == 1:
                return r.title
            if col == 2:
                return status_style(r.status)[0]
            if col == 3:
                return r.current_task or r.detail or "—"
            return money(r.spend_today) + (f" / {money(r.ceiling)}" if r.ceiling else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 0 and r.brief_error:
                return f"Brief error: {r.brief_error}"
            if col == 2 and r.detail:
                return r.detail
            if col == 3:
                return r.current_task or r.detail or None
        return None


class _Delegate(QStyledItemDelegate):
    """Paints the name with its desk colour, the status as a dot + label, spend as a gauge."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 16, 40)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row: EmployeeRow = index.data(ROW_KEY)
        col = index.column()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect
        state = option.state
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, option.palette.color(QPalette.ColorRole.Highlight))
        painter.setPen(QColor(BORDER))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        inner = rect.adjusted(10, 0, -10, 0)
        metrics = painter.fontMetrics()
        if col == 0:
            color = QColor(row.color or ACCENT)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            d = 24
            circle = QRectF(inner.left(), inner.center().y() - d / 2 + 1, d, d)
            painter.drawEllipse(circle)
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(QColor("white"))
            painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, row.name[:1].upper())
            painter.setPen(QColor(DANGER) if row.brief_error else option.palette.color(QPalette.ColorRole.Text))
            text_rect = inner.adjusted(d + 10, 0, 0, 0)
            painter.drawText(
                text_rect,
                Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(row.name, Qt.TextElideMode.ElideRight, text_rect.width()),
            )
        elif col == 2:
            label, color_hex = status_style(row.status)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(color_hex))
            painter.drawEllipse(QRectF(inner.left(), inner.center().y() - 3, 8, 8))
            painter.setPen(QColor(color_hex).darker(115))
            text_rect = inner.adjusted(16, 0, 0, 0)
            painter.drawText(
                text_rect,
                Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(label, Qt.TextElideMode.ElideRight, text_rect.width()),
            )
        elif col == 4:
            self._paint_spend(painter, inner, row)
        else:
            text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
            painter.setPen(QColor(MUTED) if col == 1 or text == "—" else option.palette.color(QPalette.ColorRole.Text))
            painter.drawText(
                inner,
                Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width()),
            )
        painter.restore()

    def _paint_spend(self, painter: QPainter, rect: QRect, row: EmployeeRow) -> None:
        text = money(row.spend_today) + (f" / {money(row.ceiling)}" if row.ceiling else "")
        if row.rehearsal and not row.simulated:
            text += "  ·  rehearsal"
        painter.setPen(QColor(REHEARSAL) if row.rehearsal else QColor(MUTED))
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        painter.setFont(font)
        top = rect.adjusted(0, 4, 0, -16)
        painter.drawText(
            top,
            Qt.AlignmentFlag.AlignBottom,
            painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.width()),
        )
        bar = QRectF(rect.left(), rect.bottom() - 13, rect.width(), 5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#eceef4"))
        painter.drawRoundedRect(bar, 2.5, 2.5)
        if row.ceiling:
            share = min(1.0, row.spend_today / row.ceiling)
            color = DANGER if share >= 1 else WARN if share >= 0.8 else ACCENT
            painter.setBrush(QColor(color))
            painter.drawRoundedRect(QRectF(bar.left(), bar.top(), bar.width() * share, bar.height()), 2.5, 2.5)


class RosterPanel(QWidget):
    """The roster table. `on_open(employee_id)` when the owner clicks an employee."""

    def __init__(self, on_open: Callable[[str], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_open = on_open
        self.model = RosterModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(_Delegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setShowGrid(False)
        self.view.setMouseTracking(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(44)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.view.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        for col, width in enumerate((150, 170, 140, 0, 170)):
            if width:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(col, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.view.clicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def set_rows(self, rows: Sequence[EmployeeRow]) -> None:
        self.model.set_rows(rows)

    def row_count(self) -> int:
        return self.model.rowCount()

    def row_of(self, employee_id: str) -> EmployeeRow | None:
        return next((r for r in self.model.rows if r.id == employee_id), None)

    def cell_rect(self, employee_id: str, column: int = 0) -> QRect:
        """Where an employee's row is on screen (for tests that click it)."""
        i = next(i for i, r in enumerate(self.model.rows) if r.id == employee_id)
        return self.view.visualRect(self.model.index(i, column))

    def _clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self._on_open(self.model.rows[index.row()].id)
