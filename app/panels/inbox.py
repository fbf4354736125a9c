"""The inbox: what waits on the owner. Approvals, deliverables to review, escalations."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.forms import InboxItem
from app.panels.common import Card, Pill, Reader, heading, mnemonic_safe, muted, plain_label, row
from app.theme import DANGER, WARN

RISK_COLORS = {
    "read_only": "#0d9488",
    "internal_write": "#3b82f6",
    "external_comm": WARN,
    "external_communication": WARN,
    "spends_money": "#be123c",
    "destructive": DANGER,
}
KIND_LABELS = {"approval": "Approval", "review": "Review", "escalation": "Escalation"}


@dataclass(frozen=True, slots=True)
class InboxCallbacks:
    on_approve: Callable[[str], None]
    on_reject: Callable[[str, str], None]
    on_edit_approve: Callable[[str, str], None]
    on_accept: Callable[[str], None]
    on_revise: Callable[[str, str], None]
    on_dismiss: Callable[[str], None]
    on_resume: Callable[[str], None]
    on_open_employee: Callable[[str], object]
    on_resolve: Callable[[str, bool], None] | None = None  # (item id, happened) for uncertain tasks


def _card_sized(markdown: str) -> str:
    """Headings no larger than a card's title: a draft's `# Title` becomes `#### Title`."""
    return re.sub(r"^#{1,3}(?=\s)", "####", markdown, flags=re.MULTILINE)


def pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (json.JSONDecodeError, TypeError):
        return text


def arguments_error(text: str) -> str | None:
    """Why edited arguments cannot be sent, or None when they are a JSON object."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    return None if isinstance(value, dict) else "The arguments must be a JSON object: { ... }"


class InboxCard(Card):
    """One item. Reject / send back / edit reveal an inline field instead of opening a dialog."""

    def __init__(self, item: InboxItem, employee_name: str, callbacks: InboxCallbacks) -> None:
        super().__init__()
        self.item = item
        self._cb = callbacks
        kind = Pill(KIND_LABELS[item.kind], {"approval": WARN, "review": "#3b82f6", "escalation": DANGER}[item.kind])
        header_widgets: list[QWidget] = [kind]
        if item.risk:
            header_widgets.append(Pill(item.risk.replace("_", " "), RISK_COLORS.get(item.risk, WARN)))
        who = QPushButton(mnemonic_safe(employee_name))
        who.setObjectName("flat")
        who.setCursor(Qt.CursorShape.PointingHandCursor)
        who.clicked.connect(lambda: callbacks.on_open_employee(item.employee_id))
        top = row(*header_widgets)
        top.addWidget(who)
        self.body.addLayout(top)
        title = heading(item.title, "h2")
        title.setWordWrap(True)
        self.body.addWidget(title)
        self.document: Reader | None = None
        if item.kind == "review" and item.body:
            # The deliverable itself (its report and the files it wrote), as Markdown: what is to be accepted.
            self.document = Reader()
            self.document.set_markdown(_card_sized(item.body))
            self.document.setMinimumHeight(160)
            self.document.setMaximumHeight(320)
            self.body.addWidget(self.document)
        elif item.body:
            self.body.addWidget(muted(item.body))
        self.arguments: QPlainTextEdit | None = None
        self.arguments_error = plain_label()
        self.arguments_error.setObjectName("error")
        self.arguments_error.setWordWrap(True)
        self.arguments_error.hide()
        if item.kind == "approval":
            self.arguments = QPlainTextEdit(pretty_json(item.arguments_json))
            self.arguments.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            self.arguments.setReadOnly(True)
            self.arguments.setMaximumHeight(120)
            self.arguments.textChanged.connect(self._check_arguments)
            self.body.addWidget(self.arguments)
            self.body.addWidget(self.arguments_error)
        self.note = QLineEdit()
        self.note.hide()
        self.body.addWidget(self.note)
        self.buttons: dict[str, QPushButton] = {}
        self._mode = ""
        self._build_buttons()

    def _button(self, key: str, text: str, slot: Callable[[], object], style: str = "") -> QPushButton:
        button = QPushButton(text)
        if style:
            button.setObjectName(style)
        button.clicked.connect(slot)
        self.buttons[key] = button
        return button

    def _build_buttons(self) -> None:
        item = self.item
        if item.kind == "approval":
            actions = row(
                self._button("approve", "Approve", self._approve, "primary"),
                self._button("edit", "Edit arguments", self._edit),
                self._button("reject", "Reject…", self._reject, "danger"),
            )
        elif item.kind == "review":
            actions = row(
                self._button("accept", "Accept", lambda: self._cb.on_accept(item.id), "primary"),
                self._button("revise", "Send back…", self._revise),
            )
        elif item.uncertain and self._cb.on_resolve is not None:
            resolve = self._cb.on_resolve
            actions = row(
                self._button("happened", "It happened", lambda: resolve(item.id, True), "primary"),
                self._button("retry", "Run it again", lambda: resolve(item.id, False)),
                self._button("open", "Open employee", lambda: self._cb.on_open_employee(item.employee_id), "flat"),
            )
            self.buttons["happened"].setToolTip("It was done before Headcount stopped: record it and go on")
            self.buttons["retry"].setToolTip("It did not happen: run the action again")
        else:
            actions = row(
                self._button("open", "Open employee", lambda: self._cb.on_open_employee(item.employee_id), "primary"),
                self._button("resume", "Let it continue", lambda: self._cb.on_resume(item.id)),
                self._button("dismiss", "Dismiss", lambda: self._cb.on_dismiss(item.id)),
            )
            self.buttons["resume"].setToolTip("Resume the parked task (after raising a budget, fixing a provider, ...)")
        self.body.addLayout(actions)

    # --- actions ---------------------------------------------------------------------------------

    def _approve(self) -> None:
        if self._mode == "edit" and self.arguments is not None:
            text = self.arguments.toPlainText()
            if arguments_error(text) is None:
                self._cb.on_edit_approve(self.item.id, json.dumps(json.loads(text), separators=(",", ":")))
            return
        self._cb.on_approve(self.item.id)

    def _edit(self) -> None:
        assert self.arguments is not None
        self._mode = "edit"
        self.arguments.setReadOnly(False)
        self.arguments.setMaximumHeight(200)
        self.arguments.setFocus()
        self.buttons["approve"].setText("Approve with edits")
        self.buttons["edit"].hide()

    def _check_arguments(self) -> None:
        if self.arguments is None or self._mode != "edit":
            return
        error = arguments_error(self.arguments.toPlainText())
        self.arguments_error.setText(error or "")
        self.arguments_error.setVisible(error is not None)
        self.buttons["approve"].setEnabled(error is None)

    def _reject(self) -> None:
        self._ask_note("reject", "Why not? The employee reads this.", "Send rejection", self._cb.on_reject)

    def _revise(self) -> None:
        self._ask_note("revise", "What should change?", "Send back", self._cb.on_revise)

    def _ask_note(self, key: str, placeholder: str, confirm: str, send: Callable[[str, str], None]) -> None:
        if self._mode == key:
            reason = self.note.text().strip()
            if reason:
                send(self.item.id, reason)
            else:
                self.note.setPlaceholderText(placeholder + " (required)")
                self.note.setFocus()
            return
        self._mode = key
        self.note.setPlaceholderText(placeholder)
        self.note.show()
        self.note.setFocus()
        self.note.returnPressed.connect(self.buttons[key].click)
        self.buttons[key].setText(confirm)


class InboxPanel(QWidget):
    """A scrolling list of inbox cards, newest last. `count()` feeds the badge."""

    def __init__(self, callbacks: InboxCallbacks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cb = callbacks
        self.cards: dict[str, InboxCard] = {}
        self._list = QVBoxLayout()
        self._list.setSpacing(10)
        self._list.setContentsMargins(12, 12, 12, 12)
        self._empty = QLabel("Nothing waits on you.\nApprovals, deliverables to review and escalations show up here.")
        self._empty.setObjectName("muted")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._list.addWidget(self._empty)
        self._list.addStretch(1)
        inner = QWidget()
        inner.setLayout(self._list)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def set_items(self, items: Sequence[InboxItem], names: dict[str, str]) -> None:
        """Show exactly these items; cards being edited keep their state."""
        wanted = {i.id for i in items}
        for item_id in [k for k in self.cards if k not in wanted]:
            card = self.cards.pop(item_id)
            self._list.removeWidget(card)
            card.deleteLater()
        for item in items:
            if item.id not in self.cards:
                card = InboxCard(item, names.get(item.employee_id, item.employee_id), self._cb)
                self.cards[item.id] = card
                self._list.insertWidget(self._list.count() - 1, card)
        self._empty.setVisible(not self.cards)

    def count(self) -> int:
        return len(self.cards)
