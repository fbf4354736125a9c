"""The settings' Connections tab: the owner's connected apps, connect a calendar, test, grant, revoke.

Takes data and callbacks only (`ConnectionsCallbacks`); each callback returns its answer or an awaitable
of it (the engine works asynchronously), and the tab shows the answer when it comes.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.panels.common import muted, row

T = TypeVar("T")
Maybe: TypeAlias = T | Awaitable[T]
COLUMNS = ("Name", "App", "Where", "Granted to", "Status")


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    name: str
    kind: str
    where: str
    granted: tuple[str, ...]  # employee names
    status: str = "not checked"


@dataclass(frozen=True, slots=True)
class ConnectionsCallbacks:
    rows: Callable[[], Maybe[list[ConnectionRow]]]
    connect_calendar: Callable[[str, str, str, str], Maybe[str | None]]  # name, url, user, password -> error
    test: Callable[[str], Maybe[str]]  # -> what happened, in words
    grant: Callable[[str, str, bool], Maybe[str | None]]  # app, employee id, allow -> error
    disconnect: Callable[[str], Maybe[str | None]]


class ConnectionsTab(QWidget):
    def __init__(
        self, callbacks: ConnectionsCallbacks, employees: Sequence[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._cb = callbacks
        self._rows: list[ConnectionRow] = []
        self._tasks: set[asyncio.Future[Any]] = set()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.employee = QComboBox()
        for eid, name in employees:
            self.employee.addItem(name, eid)
        self.test_button = QPushButton("Test")
        self.grant_button = QPushButton("Grant")
        self.revoke_button = QPushButton("Revoke")
        self.disconnect_button = QPushButton("Disconnect")
        self.test_button.clicked.connect(self._test)
        self.grant_button.clicked.connect(lambda: self._grant(True))
        self.revoke_button.clicked.connect(lambda: self._grant(False))
        self.disconnect_button.clicked.connect(self._disconnect)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("status")

        self.cal_name = QLineEdit()
        self.cal_name.setPlaceholderText("work")
        self.cal_url = QLineEdit()
        self.cal_url.setPlaceholderText("https://caldav.example.com/you/calendar/")
        self.cal_user = QLineEdit()
        self.cal_password = QLineEdit()
        self.cal_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.cal_password.setPlaceholderText("kept in your keyring")
        self.connect_button = QPushButton("Connect calendar")
        self.connect_button.clicked.connect(self._connect)
        form = QFormLayout()
        form.addRow("Name", self.cal_name)
        form.addRow("CalDAV address", self.cal_url)
        form.addRow("User", self.cal_user)
        form.addRow("Password", self.cal_password)
        form.addRow("", self.connect_button)
        box = QGroupBox("Connect a calendar")
        box.setLayout(form)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row(self.test_button, self.disconnect_button))
        layout.addLayout(row(QLabel("Employee"), self.employee, self.grant_button, self.revoke_button))
        layout.addWidget(self.status)
        layout.addWidget(box)
        layout.addWidget(
            muted(
                "GitHub, Google and Microsoft sign in through their own pages: run `headcount connect github NAME`, "
                "`headcount connect google NAME` or `headcount connect microsoft NAME` in a terminal. MCP servers: "
                "`headcount connect mcp NAME -- COMMAND`."
            )
        )
        self.refresh()

    # --- data in ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._when(self._cb.rows(), self.show_rows)

    def show_rows(self, rows: list[ConnectionRow]) -> None:
        self._rows = list(rows)
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = (r.name, r.kind, r.where, ", ".join(r.granted) or "nobody yet", r.status)
            for j, text in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if rows and self.table.currentRow() < 0:
            self.table.selectRow(0)
        has = bool(rows)
        for button in (self.test_button, self.grant_button, self.revoke_button, self.disconnect_button):
            button.setEnabled(has)
        if not rows:
            self.status.setText("No apps connected yet.")

    def names(self) -> list[str]:
        return [r.name for r in self._rows]

    def selected(self) -> str | None:
        i = self.table.currentRow()
        return self._rows[i].name if 0 <= i < len(self._rows) else None

    # --- commands out ----------------------------------------------------------------------------

    def _connect(self) -> None:
        fields = (self.cal_name.text().strip(), self.cal_url.text().strip(), self.cal_user.text().strip())
        password = self.cal_password.text()
        if not all(fields) or not password:
            self.status.setText("Fill in the name, the CalDAV address, the user and the password.")
            return
        self.status.setText(f"Connecting {fields[0]}…")
        self.connect_button.setEnabled(False)

        def done(error: str | None) -> None:
            self.connect_button.setEnabled(True)
            if error:
                self.status.setText(error)  # the form keeps what was typed: nothing is lost
                return
            self.cal_password.clear()
            self.status.setText(f"Connected {fields[0]}. Grant it to an employee below.")
            self.refresh()

        self._when(self._cb.connect_calendar(*fields, password), done)

    def _test(self) -> None:
        name = self.selected()
        if name:
            self.status.setText(f"Testing {name}…")
            self._when(self._cb.test(name), lambda said: self.status.setText(f"{name}: {said}"))

    def _grant(self, allow: bool) -> None:
        name, eid = self.selected(), self.employee.currentData()
        if not name or not eid:
            self.status.setText("Choose a connection and an employee.")
            return
        who = self.employee.currentText()

        def done(error: str | None) -> None:
            verb = "Granted" if allow else "Revoked"
            self.status.setText(error or f"{verb} {name} {'to' if allow else 'from'} {who}.")
            self.refresh()

        self._when(self._cb.grant(name, eid, allow), done)

    def _disconnect(self) -> None:
        name = self.selected()
        if name:

            def done(error: str | None) -> None:
                self.status.setText(error or f"Disconnected {name}; its credential left the keyring.")
                self.refresh()

            self._when(self._cb.disconnect(name), done)

    def _when(self, answer: Maybe[T], then: Callable[[T], None]) -> None:
        if not inspect.isawaitable(answer):
            then(answer)
            return
        future: asyncio.Future[Any] = asyncio.ensure_future(answer)
        self._tasks.add(future)

        def finished(f: asyncio.Future[Any]) -> None:
            self._tasks.discard(f)
            if f.cancelled():
                return
            if f.exception() is not None:
                self.status.setText(f"That did not work: {f.exception()}")
                return
            then(f.result())

        future.add_done_callback(finished)
