"""Hiring: pick a role from the catalog, or describe a custom employee in a few answers."""

from __future__ import annotations

import asyncio
import html
import inspect
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.forms import Answer, CustomRole, RoleInfo
from app.panels.common import gone, heading, muted, plain_label, plain_tip, row


class HireDialog(QDialog):
    """`on_hire(role_id, name or None)` and `on_create(answers)` return an error to show, or None on success, or
    an awaitable of either: the dialog stays open, saying why, until the office has hired (or refused)."""

    def __init__(
        self,
        roles: Sequence[RoleInfo],
        *,
        on_hire: Callable[[str, str | None], Answer],
        on_create: Callable[[CustomRole], Answer] | None = None,
        tools: Sequence[str] = (),
        functions: Sequence[str] = ("custom",),
        catalog_note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Hire")
        self.setMinimumSize(620, 480)
        self._on_hire = on_hire
        self._on_create = on_create
        self.tabs = QTabWidget()
        self.tabs.addTab(self._catalog_tab(roles, catalog_note), "From the catalog")
        self.tabs.addTab(self._custom_tab(tools, functions), "Custom employee")
        self.error = plain_label()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)

    def _catalog_tab(self, roles: Sequence[RoleInfo], note: str) -> QWidget:
        self.roles = QListWidget()
        for team in sorted({r.team or "" for r in roles}):
            header = QListWidgetItem((team or "other").upper())
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            self.roles.addItem(header)
            for r in sorted((r for r in roles if (r.team or "") == team), key=lambda r: r.title):
                item = QListWidgetItem(f"   {r.title}")
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                item.setToolTip(plain_tip(r.summary))
                self.roles.addItem(item)
        self._summaries = {r.id: r for r in roles}
        self.role_detail = muted(note or "Pick a role to see what it does.")
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name (optional: a first name is picked for you)")
        self.hire_button = QPushButton("Hire")
        self.hire_button.setObjectName("primary")
        self.hire_button.setEnabled(False)
        self.hire_button.clicked.connect(self._hire)
        self.roles.currentItemChanged.connect(self._role_changed)
        side = QVBoxLayout()
        side.addWidget(heading("Role", "h2"))
        side.addWidget(self.role_detail, 1, Qt.AlignmentFlag.AlignTop)
        side.addWidget(self.name)
        side.addWidget(self.hire_button)
        tab = QWidget()
        layout = row(stretch_after=False, spacing=14)
        layout.addWidget(self.roles, 3)
        layout.addLayout(side, 2)
        tab.setLayout(layout)
        return tab

    def _custom_tab(self, tools: Sequence[str], functions: Sequence[str]) -> QWidget:
        self.c_title = QLineEdit()
        self.c_title.setPlaceholderText("e.g. Wedding-venue scout")
        self.c_function = QComboBox()
        for f in functions:
            self.c_function.addItem(f.capitalize(), f)
        self.c_function.setCurrentIndex(max(0, self.c_function.findData("custom")))
        self.c_body = QPlainTextEdit()
        self.c_body.setPlaceholderText("The brief in your own words (optional)")
        self.c_body.setMaximumHeight(70)
        self.c_goals = QPlainTextEdit()
        self.c_goals.setPlaceholderText("One goal a line")
        self.c_goals.setMaximumHeight(90)
        self.c_tone = QLineEdit("friendly, concise")
        self.c_tools = QListWidget()
        for name in tools:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.c_tools.addItem(item)
        self.c_tools.setMaximumHeight(110)
        self.c_name = QLineEdit()
        self.c_name.setPlaceholderText("Optional")
        self.create_button = QPushButton("Create and hire")
        self.create_button.setObjectName("primary")
        self.create_button.clicked.connect(self._create)
        self.create_button.setEnabled(self._on_create is not None)
        form = QFormLayout()
        form.addRow("Role", self.c_title)
        form.addRow("Function", self.c_function)
        form.addRow("Goals", self.c_goals)
        form.addRow("Tone", self.c_tone)
        form.addRow("Brief", self.c_body)
        form.addRow("Tools", self.c_tools)
        form.addRow("Name", self.c_name)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        if self._on_create is None:
            layout.addWidget(
                muted("Custom employees need the briefs package's new-role support, which is not installed yet.")
            )
        layout.addLayout(row(self.create_button))
        return tab

    def _role_changed(self, item: QListWidgetItem | None) -> None:
        role_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        self.hire_button.setEnabled(role_id is not None)
        if role_id is not None:
            r = self._summaries[role_id]
            team = f"{r.team} team · " if r.team else ""
            self.role_detail.setTextFormat(Qt.TextFormat.RichText)
            title, where, summary = (html.escape(t) for t in (r.title, team + r.id, r.summary))
            self.role_detail.setText(f"<b>{title}</b><br><span>{where}</span><br><br>{summary}")

    def select_role(self, role_id: str) -> None:
        for i in range(self.roles.count()):
            if self.roles.item(i).data(Qt.ItemDataRole.UserRole) == role_id:
                self.roles.setCurrentRow(i)
                return

    def _show(self, answer: Answer) -> None:
        if inspect.isawaitable(answer):
            self.setEnabled(False)  # one hire at a time; the office answers in a moment
            self.error.setText("Hiring…")
            self.error.show()
            asyncio.ensure_future(answer).add_done_callback(self._answered)
            return
        error = answer
        self.error.setText(error or "")
        self.error.setVisible(bool(error))
        if not error:
            self.accept()

    def _answered(self, future: asyncio.Future[str | None]) -> None:
        if gone(self):  # closed meanwhile
            return
        self.setEnabled(True)
        if future.cancelled():
            self._show("The hire was cancelled.")
            return
        exc = future.exception()
        self._show(f"Could not hire: {exc}" if exc is not None else future.result())

    def _hire(self) -> None:
        item = self.roles.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole):
            self._show(self._on_hire(str(item.data(Qt.ItemDataRole.UserRole)), self.name.text().strip() or None))

    def _create(self) -> None:
        if self._on_create is None:
            return
        goals = tuple(g.strip() for g in self.c_goals.toPlainText().splitlines() if g.strip())
        if not self.c_title.text().strip() or not goals:
            self._show_error("A custom employee needs a role and at least one goal.")
            return
        tools = tuple(
            self.c_tools.item(i).text()
            for i in range(self.c_tools.count())
            if self.c_tools.item(i).checkState() == Qt.CheckState.Checked
        )
        answers = CustomRole(
            title=self.c_title.text().strip(),
            function=str(self.c_function.currentData()),
            goals=goals,
            tone=self.c_tone.text().strip(),
            tools=tools,
            name=self.c_name.text().strip(),
            body=self.c_body.toPlainText().strip(),
        )
        self._show(self._on_create(answers))

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
