"""Small building blocks shared by the panels: cards, pills, headers."""

from __future__ import annotations

import html
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QFont, QTextDocument
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

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


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows its text as typed: a name like `<b>Ada</b>` or a model's `<img src=...>` is not markup.

    Qt guesses rich text from a leading tag; every label that can show an owner's or a model's words is plain.
    """
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def mnemonic_safe(text: str) -> str:
    """A button or tab shows `&` as a shortcut marker: "Smith & Co" keeps its ampersand."""
    return text.replace("&", "&&")


def plain_tip(text: str) -> str:
    """A tooltip shows markup too: this one shows the text as it is, line breaks kept."""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"


def heading(text: str, level: str = "h2") -> QLabel:
    label = plain_label(text)
    label.setObjectName(level)
    return label


def muted(text: str, wrap: bool = True) -> QLabel:
    label = plain_label(text)
    label.setObjectName("muted")
    label.setWordWrap(wrap)
    return label


MARKDOWN = QTextDocument.MarkdownFeature.MarkdownDialectGitHub | QTextDocument.MarkdownFeature.MarkdownNoHTML
OPENS_OUTSIDE = frozenset({"http", "https", "mailto"})


class Reader(QTextBrowser):
    """Shows words a model wrote (a deliverable, a weekly summary, a chat) and fetches nothing because of them.

    Raw HTML in Markdown is shown as text; an image loads from nowhere, not even a file on this machine; a
    link does not navigate the reader to what it names: a web or mail link opens outside, any other does nothing.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._open)

    def set_markdown(self, text: str) -> None:
        self.document().setMarkdown(text, MARKDOWN)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        return None

    @staticmethod
    def _open(url: QUrl) -> None:
        if url.scheme().lower() in OPENS_OUTSIDE:
            QDesktopServices.openUrl(url)


CEILING_MAX = 10_000.0  # a day's ceiling set in the window (the command line takes up to $1M)


class MoneyBox(QDoubleSpinBox):
    """Dollars to a hundredth of a cent, shown with cents and only the further digits a value has: a
    $0.001 ceiling set at the command line read $0.00 here, and a $0.075 price was rounded to $0.08."""

    DECIMALS = 4
    SMALLEST = 10**-DECIMALS

    def textFromValue(self, value: float) -> str:
        text = f"{value:.{self.DECIMALS}f}".rstrip("0")
        whole, _, cents = text.partition(".")
        return f"{whole}.{cents.ljust(2, '0')}"


def money_box(value: float, maximum: float = 1000.0, *, minimum: float = 0.0) -> QDoubleSpinBox:
    box = MoneyBox()
    box.setPrefix("$ ")
    box.setDecimals(MoneyBox.DECIMALS)
    box.setRange(minimum, maximum)
    box.setValue(value)
    return box


class Pill(QLabel):
    """A rounded coloured label: a status, a risk level, "Rehearsal"."""

    def __init__(self, text: str = "", color: str = "#98a2b3", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
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


def tree(*headers: str) -> QTreeWidget:
    """A list with `headers` as its columns: the first takes the width left, the others fit their contents;
    long text wraps, so rows may differ in height."""
    view = QTreeWidget()
    view.setColumnCount(len(headers))
    view.setHeaderLabels(list(headers))
    view.setWordWrap(True)
    view.setUniformRowHeights(False)
    header = view.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return view


def group_item(title: str, columns: int) -> QTreeWidgetItem:
    """A group's heading row in a `tree`: bold, not selectable (its rows are its children)."""
    item = QTreeWidgetItem([title, *[""] * (columns - 1)])
    bold = QFont()
    bold.setBold(True)
    item.setFont(0, bold)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
    return item


def row(*widgets: QWidget, stretch_after: bool = True, spacing: int = 8) -> QHBoxLayout:
    layout = QHBoxLayout()
    layout.setSpacing(spacing)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w)
    if stretch_after:
        layout.addStretch(1)
    return layout
