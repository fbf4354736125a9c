"""The doctor page: what `headcount doctor` checks (graphics, keyring, data folder, database, backup,
model, connected apps, run lock), one card per line, with the fix under each problem.

`on_check(online)` returns the rows, or an awaitable of them (the window runs the engine's checks on a
thread); the page shows "Checking…" meanwhile and can check again, optionally trying addresses.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.forms import DoctorRow
from app.panels.common import Card, Pill, gone, heading, muted, plain_label, row
from app.theme import DANGER, MUTED, OK, WARN

CheckResult = list[DoctorRow] | Awaitable[list[DoctorRow]]
STATUS = {"ok": ("OK", OK), "warn": ("Warning", WARN), "problem": ("Problem", DANGER), "skip": ("Not checked", MUTED)}
TITLES = {"apps": "connected app"}


class DoctorDialog(QDialog):
    checked = Signal()  # rows shown (tests wait on this)

    def __init__(self, on_check: Callable[[bool], CheckResult], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Doctor")
        self.setMinimumSize(680, 560)
        self._on_check = on_check
        self._pending: asyncio.Future[list[DoctorRow]] | None = None
        self.rows: list[DoctorRow] = []
        self.summary = heading("Checking…", "h2")
        self.list = QWidget()
        self.cards = QVBoxLayout(self.list)
        self.cards.setContentsMargins(0, 0, 0, 0)
        self.cards.setSpacing(8)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.list)
        self.online = QCheckBox("Also try the addresses of model servers and connected apps")
        self.again = QPushButton("Check again")
        self.again.clicked.connect(self.check)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(
            muted("The same checks as `headcount doctor` in a terminal. Nothing here changes your office.")
        )
        layout.addWidget(scroll, 1)
        layout.addWidget(self.online)
        buttons = row(self.again)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.check()

    def check(self) -> None:
        if self._pending is not None:
            return
        self.summary.setText("Checking…")
        self.again.setEnabled(False)
        result = self._on_check(self.online.isChecked())
        if inspect.isawaitable(result):
            self._pending = asyncio.ensure_future(result)
            self._pending.add_done_callback(self._done)
            return
        self.set_rows(list(result))

    def _done(self, future: asyncio.Future[list[DoctorRow]]) -> None:
        self._pending = None
        if future.cancelled() or gone(self):  # closed meanwhile: nobody to show the checks to
            return
        exc = future.exception()
        if exc is not None:
            self.set_rows([DoctorRow("doctor", "problem", f"the checks could not run: {exc}", "see the log in logs/")])
            return
        self.set_rows(list(future.result()))

    def set_rows(self, rows: list[DoctorRow]) -> None:
        self.rows = rows
        while (item := self.cards.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        for r in rows:
            self.cards.addWidget(_card(r))
        self.cards.addStretch(1)
        problems = sum(r.status == "problem" for r in rows)
        warnings = sum(r.status == "warn" for r in rows)
        if problems:
            self.summary.setText(f"{problems} problem{'s' if problems != 1 else ''} found; each says how to fix it")
        elif warnings:
            self.summary.setText(f"No problems; {warnings} warning{'s' if warnings != 1 else ''} to look at")
        else:
            self.summary.setText("No problems found")
        self.again.setEnabled(True)
        self.checked.emit()


def _card(r: DoctorRow) -> Card:
    card = Card()
    text, color = STATUS.get(r.status, (r.status, MUTED))
    pill = Pill(text, color)
    pill.setFixedWidth(96)
    title = QLabel(f"<b>{TITLES.get(r.name, r.name).capitalize()}</b>")
    card.body.addLayout(row(pill, title))
    summary = plain_label(r.summary)
    summary.setWordWrap(True)
    summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    card.body.addWidget(summary)
    if r.fix:
        fix = QLabel(f"<b>Fix:</b> {_escape(r.fix)}")
        fix.setWordWrap(True)
        fix.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # a command to copy
        fix.setObjectName("fix")
        card.body.addWidget(fix)
    card.setObjectName("card")
    card.setProperty("status", r.status)
    return card


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
