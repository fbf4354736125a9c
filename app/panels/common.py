"""Small building blocks shared by the panels: cards, pills, headers."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.theme import status_style


class Card(QFrame):
    """A white rounded surface with an optional title row."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 12, 14, 12)
        self.body.setSpacing(8)
        if title:
            self.body.addWidget(heading(title, "h2"))


def gone(widget: QWidget) -> bool:
    """Whether Qt has deleted the widget (a dialog closed while an answer for it was on its way)."""
    return not shiboken6.isValid(widget)


def heading(text: str, level: str = "h2") -> QLabel:
    label = QLabel(text)
    label.setObjectName(level)
    return label


def muted(text: str, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(wrap)
    return label


class Pill(QLabel):
    """A rounded coloured label: a status, a risk level, "Rehearsal"."""

    def __init__(self, text: str = "", color: str = "#98a2b3", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("pill")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.set(text, color)

    def set(self, text: str, color: str) -> None:
        self.setText(text)
        c = QColor(color)
        tint = f"rgba({c.red()}, {c.green()}, {c.blue()}, 30)"  # Qt reads #hex8 as ARGB, so spell it out
        self.setStyleSheet(f"QLabel#pill {{ color: {c.darker(115).name()}; background: {tint}; }}")

    def set_status(self, status: str) -> None:
        self.set(*status_style(status))


def rehearsal_pill(parent: QWidget | None = None) -> QLabel:
    label = QLabel("Rehearsal", parent)
    label.setObjectName("rehearsal")
    label.setToolTip("Built-in offline practice model: no key, no network, no cost. Not real output.")
    return label


def row(*widgets: QWidget, stretch_after: bool = True, spacing: int = 8) -> QHBoxLayout:
    layout = QHBoxLayout()
    layout.setSpacing(spacing)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w)
    if stretch_after:
        layout.addStretch(1)
    return layout
