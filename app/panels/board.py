"""A team's board: backlog, in progress, in review, waiting for the owner, done; and "Plan a sprint".

The panel takes data and one `BoardCommands` (the bridge's board routes in the app, a recorder in
tests); it never reaches the engine. Planning shows the lead's plan as JSON to edit, then approve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.panels.common import Reader, group_item, heading, muted, plain_label, tree

COLUMNS = (
    ("backlog", "Backlog"),
    ("in_progress", "In progress"),
    ("in_review", "In review"),
    ("waiting_owner", "Waiting for you"),
    ("done", "Done"),
)


@dataclass(frozen=True, slots=True)
class BoardCard:
    """One card as the board shows it."""

    id: str
    title: str
    owner: str
    column: str
    escalated: bool = False
    due: str | None = None


NO_TEAMS = "No teams yet: hire a team to plan sprints."


class BoardCommands(Protocol):
    def teams(self) -> list[str]: ...
    def load(self, team: str) -> None: ...
    def plan(self, team: str, goal: str, days: int) -> None: ...
    def edit(self, sprint_id: str, plan_json: str) -> None: ...
    def approve(self, sprint_id: str) -> None: ...
    def reject(self, sprint_id: str) -> None: ...


class BoardPanel(QWidget):
    def __init__(self, commands: BoardCommands, notify: Callable[[str, str], None] = lambda t, m: None) -> None:
        super().__init__()
        self._commands = commands
        self._notify = notify
        self.sprint_id: str | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.team = QComboBox()
        self.team.currentTextChanged.connect(lambda t: commands.load(t) if t else None)
        self.plan_button = QPushButton("Plan a sprint")
        self.plan_button.clicked.connect(self._toggle_form)
        top.addWidget(plain_label("Team"))
        top.addWidget(self.team, 1)
        top.addWidget(self.plan_button)
        layout.addLayout(top)

        self.form = QWidget()
        form = QHBoxLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        self.goal = QLineEdit()
        self.goal.setPlaceholderText("The sprint's goal, e.g. Launch the spring newsletter")
        self.days = QSpinBox()
        self.days.setRange(1, 30)
        self.days.setValue(5)
        self.days.setSuffix(" days")
        self.ask = QPushButton("Ask the lead")
        self.ask.clicked.connect(self._plan)
        form.addWidget(self.goal, 1)
        form.addWidget(self.days)
        form.addWidget(self.ask)
        self.form.hide()
        layout.addWidget(self.form)
        self.message = muted("")
        layout.addWidget(self.message)

        # The board's columns as groups of one list, each card a row: five side-by-side columns in a side panel
        # left each a tenth of its width (titles wrapped a word a line, most columns empty).
        self.cards = tree("CARD", "OWNER", "DUE")
        self.columns: dict[str, QTreeWidgetItem] = {}
        for key, title in COLUMNS:
            group = group_item(f"{title} (0)", 3)
            self.cards.addTopLevelItem(group)
            self.columns[key] = group
        layout.addWidget(self.cards, 2)

        self.plan_box = QWidget()
        plan = QVBoxLayout(self.plan_box)
        plan.setContentsMargins(0, 0, 0, 0)
        self.plan_title = heading("", "h3")
        self.plan_text = QPlainTextEdit()
        buttons = QHBoxLayout()
        self.save = QPushButton("Save edits")
        self.save.clicked.connect(lambda: commands.edit(self.sprint_id or "", self.plan_text.toPlainText()))
        self.approve = QPushButton("Approve and start")
        self.approve.clicked.connect(lambda: commands.approve(self.sprint_id or ""))
        self.reject = QPushButton("Reject")
        self.reject.setToolTip("Turn the plan down: its cards leave the board")
        self.reject.clicked.connect(lambda: commands.reject(self.sprint_id or ""))
        buttons.addWidget(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(self.save)
        buttons.addWidget(self.approve)
        plan.addWidget(self.plan_title)
        plan.addWidget(self.plan_text, 1)
        plan.addLayout(buttons)
        self.plan_box.hide()
        layout.addWidget(self.plan_box, 2)

        layout.addWidget(heading("Weekly summary", "h3"))
        self.summary = Reader()
        self.summary.set_markdown("*The lead writes it at the end of each week.*")
        layout.addWidget(self.summary, 1)

    # --- data in ---------------------------------------------------------------------------------------

    def set_teams(self, teams: list[str]) -> None:
        current = self.team.currentText()
        self.team.blockSignals(True)
        self.team.clear()
        self.team.addItems(teams)
        self.team.blockSignals(False)
        if teams:
            if self.message.text() == NO_TEAMS:  # said before the first team was hired
                self.message.setText("")
            self.team.setCurrentText(current if current in teams else teams[0])
            self._commands.load(self.team.currentText())
        else:
            self.message.setText(NO_TEAMS)

    def show_board(self, team: str, cards: list[BoardCard]) -> None:
        if team != self.team.currentText():
            return
        for key, title in COLUMNS:
            group = self.columns[key]
            group.takeChildren()
            mine = [c for c in cards if c.column == key]
            for card in mine:
                item = QTreeWidgetItem([("⚑ " if card.escalated else "") + card.title, card.owner, card.due or ""])
                item.setToolTip(0, card.title + ("\nEscalated: it waits for you" if card.escalated else ""))
                group.addChild(item)
            group.setText(0, f"{title} ({len(mine)})")
            group.setExpanded(True)

    def column_cards(self, column: str) -> list[tuple[str, str, str]]:
        """The cards shown in `column`, as (title, owner, due) (an escalated title starts with ⚑)."""
        group = self.columns[column]
        return [(c.text(0), c.text(1), c.text(2)) for c in map(group.child, range(group.childCount())) if c]

    def show_plan(self, sprint_id: str, title: str, plan_json: str, status: str) -> None:
        """A proposed sprint's plan, to edit and approve (an approved one is shown read-only)."""
        self.sprint_id = sprint_id
        self.plan_title.setText(title)
        self.plan_text.setPlainText(plan_json)
        proposed = status == "proposed"
        self.plan_text.setReadOnly(not proposed)
        self.save.setEnabled(proposed)
        self.approve.setEnabled(proposed)
        self.reject.setEnabled(proposed)
        self.plan_box.show()
        self.form.hide()
        self.message.setText(
            "Edit the plan if you like, then approve or reject it." if proposed else f"The sprint is {status}."
        )

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def show_summary(self, team: str, text: str, *, sent: bool = False) -> None:
        """The team's newest weekly summary; `sent`: it was just written (the owner is notified)."""
        self.summary.set_markdown(text)
        if sent:
            first = next((line for line in text.splitlines() if line.strip()), "")
            self._notify(f"Weekly summary: {team}", first.lstrip("# "))

    # --- owner actions ---------------------------------------------------------------------------------

    def _toggle_form(self) -> None:
        self.form.setVisible(not self.form.isVisible())
        if self.form.isVisible():
            self.goal.setFocus()

    def _plan(self) -> None:
        goal = self.goal.text().strip()
        if not goal:
            self.message.setText("Say what the sprint is for.")
            return
        self.message.setText("The lead is planning…")
        self._commands.plan(self.team.currentText(), goal, self.days.value())
