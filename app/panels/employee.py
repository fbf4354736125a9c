"""One employee: chat (streaming replies), brief (live validation), budget (spend chart), step log."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QGridLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.forms import BriefProblem, ChatMessage, EmployeeRow, StepRow
from app.memory_rows import MemoryCommands
from app.panels.chart import SpendChart
from app.panels.common import (
    CEILING_MAX,
    MoneyBox,
    Pill,
    Reader,
    heading,
    money_box,
    muted,
    plain_label,
    plain_tip,
    rehearsal_pill,
    row,
)
from app.panels.memory import MemoryTab, memory_tab
from app.theme import ACCENT, BORDER, MUTED, REHEARSAL, REHEARSAL_SOFT, SURFACE_ALT, money, task_style

BriefValidator = Callable[[str], BriefProblem | None]


WORKING_ON_IT = "working on it…"
OFF_DUTY_WAIT = "starts when their hours begin (or call them in)"


def chat_html(messages: Sequence[ChatMessage], employee_name: str, waiting: str = WORKING_ON_IT) -> str:
    """The transcript as HTML bubbles; rehearsal output is always labelled as such. `waiting`: what a reply
    not begun yet says (an employee off duty has not started it)."""
    parts = ["<html><body style='margin:0; font-size:10pt; color:#1d2433'>"]
    if not messages:
        parts.append(
            f"<p style='color:{MUTED}'>Ask {html.escape(employee_name)} for anything. "
            "Each message becomes a task on their list; the reply streams in here.</p>"
        )
    for m in messages:
        text = html.escape(m.text).replace("\n", "<br>")
        if m.author == "owner":
            parts.append(
                "<table width='100%' cellspacing='0' cellpadding='0' style='margin:6px 0'><tr><td width='18%'></td>"
                f"<td style='background:{ACCENT}; color:white; padding:8px 11px; border-radius:10px'>{text}</td>"
                "</tr></table>"
            )
        elif m.author == "system":
            parts.append(f"<p style='color:{MUTED}; font-size:9pt; margin:6px 0'>{text}</p>")
        else:
            tag = (
                f"<span style='background:{REHEARSAL_SOFT}; color:{REHEARSAL}; font-size:8pt; font-weight:600'>"
                "&nbsp;REHEARSAL&nbsp;</span>&nbsp;"
                if m.rehearsal
                else ""
            )
            if not text:
                text = (
                    f"<i style='color:{MUTED}'>{html.escape(waiting)}</i>"
                    if m.streaming
                    else f"<i style='color:{MUTED}'>(no reply text)</i>"
                )
            elif m.streaming:
                text += f"<span style='color:{ACCENT}'>&nbsp;▍</span>"
            bg = REHEARSAL_SOFT if m.rehearsal else SURFACE_ALT
            parts.append(
                "<table width='100%' cellspacing='0' cellpadding='0' style='margin:6px 0'><tr>"
                f"<td style='background:{bg}; border:1px solid {BORDER}; padding:8px 11px'>"
                f"<div style='color:{MUTED}; font-size:8.5pt; margin-bottom:3px'>"
                f"{tag}<b>{html.escape(employee_name)}</b></div>"
                f"{text}</td><td width='12%'></td></tr></table>"
            )
    parts.append("</body></html>")
    return "".join(parts)


class EmployeePanel(QWidget):
    """Everything about one employee. Data comes in through the `set_*` methods; actions go out as callbacks."""

    def __init__(
        self,
        employee_id: str,
        *,
        on_send: Callable[[str], None],
        validate_brief: BriefValidator | None = None,
        on_save_brief: Callable[[str], None] | None = None,
        on_let_go: Callable[[], None] | None = None,
        on_ceiling: Callable[[float], None] | None = None,
        on_allow_more: Callable[[float], None] | None = None,
        memory: MemoryCommands | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.employee_id = employee_id
        self._on_let_go = on_let_go
        self._on_send = on_send
        self._validate = validate_brief
        self._on_save_brief = on_save_brief
        self._on_ceiling = on_ceiling
        self._on_allow_more = on_allow_more
        self._name = employee_id
        self._chat_messages: list[ChatMessage] | None = None  # None: nothing rendered yet
        self._waiting = WORKING_ON_IT

        self.name = heading("", "h1")
        self.title = muted("", wrap=False)
        self.status = Pill()
        self.rehearsal = rehearsal_pill()
        self.detail = muted("")
        self.let_go_button = QPushButton("Let go…")
        self.let_go_button.setToolTip("Their open tasks are cancelled; their log, files and audit trail stay")
        self.let_go_button.clicked.connect(self._confirm_let_go)
        self.let_go_button.setVisible(on_let_go is not None)
        header = QVBoxLayout()
        header.setSpacing(2)
        header.addLayout(row(self.name, self.status, self.rehearsal, self.let_go_button))
        header.addWidget(self.title)
        header.addWidget(self.detail)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._chat_tab(), "Chat")
        self.tabs.addTab(self._brief_tab(), "Brief")
        self.tabs.addTab(self._budget_tab(), "Budget")
        self.tabs.addTab(self._steps_tab(), "Steps")
        self.memory: MemoryTab | None = memory_tab(memory) if memory is not None else None  # memory hook
        if self.memory is not None:
            self.tabs.addTab(self.memory, "Memory")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 8)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)

    # --- tabs ------------------------------------------------------------------------------------

    def _confirm_let_go(self) -> None:
        answer = QMessageBox.question(
            self,
            "Let go",
            f"Let {self._name} go? Their open tasks are cancelled; their log, files and audit trail stay.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.let_go()

    def let_go(self) -> None:
        """Let the employee go (what the confirmed button does)."""
        if self._on_let_go is not None:
            self._on_let_go()

    def _chat_tab(self) -> QWidget:
        self.transcript = Reader()
        self.transcript.setStyleSheet(
            f"QTextBrowser {{ border: 1px solid {BORDER}; border-radius: 8px; padding: 4px; }}"
        )
        self.message = QLineEdit()
        self.message.setPlaceholderText("Message — it becomes a task for this employee")
        self.message.returnPressed.connect(self._send)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("primary")
        self.send_button.clicked.connect(self._send)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.addWidget(self.transcript, 1)
        send_row = row(self.message, stretch_after=False)
        send_row.addWidget(self.send_button)
        layout.addLayout(send_row)
        return tab

    def _brief_tab(self) -> QWidget:
        self.brief = QPlainTextEdit()
        self.brief.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.brief.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.brief.textChanged.connect(self._brief_edited)
        self.brief_error = plain_label()
        self.brief_error.setObjectName("error")
        self.brief_error.setWordWrap(True)
        self.brief_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.brief_note = muted("")
        self.save_brief = QPushButton("Save as new version")
        self.save_brief.setObjectName("primary")
        self.save_brief.setEnabled(False)
        self.save_brief.clicked.connect(self._save_brief)
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(250)  # validate after a pause in typing, not on every key
        self._validate_timer.timeout.connect(self.validate_now)
        self._brief_loaded = ""
        self._brief_before_save = ""
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.addWidget(self.brief, 1)
        layout.addWidget(self.brief_error)
        bottom = row(self.brief_note)
        bottom.addWidget(self.save_brief)
        layout.addLayout(bottom)
        return tab

    def _budget_tab(self) -> QWidget:
        self.spend_label = heading("", "h2")
        self.spend_bar = QProgressBar()
        self.spend_bar.setTextVisible(False)
        self.spend_bar.setMaximumHeight(8)
        self.spend_note = muted("")
        self.chart = SpendChart(days=14)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.addWidget(muted("Spent today", wrap=False))
        layout.addWidget(self.spend_label)
        layout.addWidget(self.spend_bar)
        layout.addWidget(self.spend_note)
        layout.addSpacing(8)
        layout.addWidget(muted("Last 14 days", wrap=False))
        layout.addWidget(self.chart, 1)
        # The owner's say over this one employee's money: a ceiling for good, or more for today only.
        self.ceiling_input = money_box(1.0, CEILING_MAX, minimum=MoneyBox.SMALLEST)
        self.set_ceiling_button = QPushButton("Set daily ceiling")
        self.set_ceiling_button.clicked.connect(self._set_ceiling)
        self.more_input = money_box(1.0, CEILING_MAX, minimum=MoneyBox.SMALLEST)
        self.allow_more_button = QPushButton("Allow today")
        self.allow_more_button.setToolTip("Only today's ceiling grows; tomorrow the daily ceiling applies again")
        self.allow_more_button.clicked.connect(self._allow_more)
        controls = QGridLayout()
        controls.setColumnStretch(3, 1)
        if self._on_ceiling is not None:
            for column, widget in enumerate((muted("Daily ceiling", wrap=False), self.ceiling_input)):
                controls.addWidget(widget, 0, column)
            controls.addWidget(self.set_ceiling_button, 0, 2)
        if self._on_allow_more is not None:
            for column, widget in enumerate((muted("Extra for today", wrap=False), self.more_input)):
                controls.addWidget(widget, 1, column)
            controls.addWidget(self.allow_more_button, 1, 2)
        layout.addLayout(controls)
        return tab

    def _set_ceiling(self) -> None:
        if self._on_ceiling is not None:
            self._on_ceiling(round(self.ceiling_input.value(), MoneyBox.DECIMALS))

    def _allow_more(self) -> None:
        if self._on_allow_more is not None:
            self._on_allow_more(round(self.more_input.value(), MoneyBox.DECIMALS))

    def _steps_tab(self) -> QWidget:
        self.steps = QTableWidget(0, 5)
        self.steps.setHorizontalHeaderLabels(["KIND", "WHAT", "STATUS", "COST", "RESULT"])
        self.steps.verticalHeader().hide()
        self.steps.setShowGrid(False)
        self.steps.setAlternatingRowColors(True)
        self.steps.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.steps.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.steps.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.addWidget(self.steps)
        return tab

    # --- data in ---------------------------------------------------------------------------------

    def set_employee(self, emp: EmployeeRow) -> None:
        self._name = emp.name
        waiting = OFF_DUTY_WAIT if emp.status == "off_duty" else WORKING_ON_IT
        if waiting != self._waiting:
            self._waiting, self._chat_messages = waiting, None  # the chat is drawn again with it
        self.name.setText(emp.name)
        team = f" · {emp.team} team" if emp.team else ""
        self.title.setText(f"{emp.title}{team}")
        self.status.set_status(emp.status)
        self.rehearsal.setVisible(emp.rehearsal)
        detail = emp.brief_error or emp.current_task or emp.detail
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))

    def set_chat(self, messages: Sequence[ChatMessage]) -> None:
        snapshot = [replace(m) for m in messages]  # the state mutates streaming messages in place
        if snapshot == self._chat_messages:
            return
        self._chat_messages = snapshot
        bar = self.transcript.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        self.transcript.setHtml(chat_html(messages, self._name, self._waiting))
        if at_bottom:
            bar.setValue(bar.maximum())

    def chat_text(self) -> str:
        return self.transcript.toPlainText()

    def set_brief(self, text: str, *, editable: bool = True, note: str = "") -> None:
        self._brief_loaded = text
        self.brief.blockSignals(True)
        self.brief.setPlainText(text)
        self.brief.blockSignals(False)
        self.brief.setReadOnly(not editable)
        self.brief_note.setText(note)
        self._show_problem(None)
        self.save_brief.setEnabled(False)

    def set_budget(
        self,
        per_day: Mapping[date, float],
        today: date,
        *,
        spend_today: float,
        ceiling: float | None,
        daily_ceiling: float | None = None,
        simulated: bool = False,
        rehearsal: bool = False,
    ) -> None:
        """`ceiling` is today's limit (with any extra allowed today); `daily_ceiling` is every day's, as set."""
        self.spend_label.setText(money(spend_today) + (f"  of  {money(ceiling)}" if ceiling else ""))
        if daily_ceiling and not self.ceiling_input.hasFocus():  # what the office holds, unless being typed
            self.ceiling_input.setValue(min(daily_ceiling, self.ceiling_input.maximum()))
        self.spend_bar.setVisible(bool(ceiling))
        if ceiling:
            self.spend_bar.setMaximum(1000)
            self.spend_bar.setValue(int(min(1.0, spend_today / ceiling) * 1000))
        notes = []
        if not ceiling:
            notes.append("No daily ceiling set.")
        elif daily_ceiling and ceiling > daily_ceiling + 0.005:
            notes.append(f"Today's limit includes {money(ceiling - daily_ceiling)} extra allowed today.")
        if simulated:
            notes.append("Simulated: rehearsal tokens priced at a real model's rates.")
        elif rehearsal:
            notes.append("Rehearsal costs nothing.")
        self.spend_note.setText(" ".join(notes))
        self.chart.set_data(per_day, today, daily_ceiling or ceiling, simulated)  # the line every day had

    def set_steps(self, steps: Sequence[StepRow]) -> None:
        shown = list(steps)[::-1]  # newest first
        self.steps.setUpdatesEnabled(False)
        self.steps.setRowCount(len(shown))
        for i, s in enumerate(shown):
            _label, color = task_style(
                "done" if s.status == "finished" else "running" if s.status == "started" else "failed"
            )
            values = (s.kind, s.tool or "model call", s.status, money(s.cost_usd), s.summary.replace("\n", " "))
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col == 2:
                    item.setForeground(QColor(color))
                if col == 4:
                    item.setToolTip(plain_tip(s.summary))
                self.steps.setItem(i, col, item)
        self.steps.setUpdatesEnabled(True)

    # --- actions ---------------------------------------------------------------------------------

    def _send(self) -> None:
        text = self.message.text().strip()
        if text:
            self.message.clear()
            self._on_send(text)

    def _brief_edited(self) -> None:
        self._validate_timer.start()
        self.save_brief.setEnabled(False)

    def validate_now(self) -> BriefProblem | None:
        """Check the edited brief now (the editor also does this after a pause in typing)."""
        self._validate_timer.stop()
        text = self.brief.toPlainText()
        problem = self._validate(text) if self._validate else None
        self._show_problem(problem)
        changed = text != self._brief_loaded
        self.save_brief.setEnabled(problem is None and changed and self._on_save_brief is not None)
        if problem is not None:
            self.brief_note.setText("Not valid: fix the line shown to save.")
        elif changed:
            self.brief_note.setText("Valid — saving creates a new version.")
        return problem

    def _show_problem(self, problem: BriefProblem | None) -> None:
        self.brief_error.setText(
            "" if problem is None else (f"Line {problem.line}: " if problem.line else "") + problem.message
        )
        self.brief_error.setVisible(problem is not None)
        self.brief.setObjectName("invalid" if problem else "")
        self.brief.setStyleSheet(self.brief.styleSheet())  # re-polish for the border colour
        selections: list[QTextEdit.ExtraSelection] = []
        if problem and problem.line:
            block = self.brief.document().findBlockByLineNumber(problem.line - 1)
            if block.isValid():
                sel = QTextEdit.ExtraSelection()
                sel.format.setBackground(QColor("#fde8e8"))
                sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                cursor = QTextCursor(block)
                sel.cursor = cursor
                selections.append(sel)
        self.brief.setExtraSelections(selections)

    def _save_brief(self) -> None:
        if self._on_save_brief is not None and self.validate_now() is None:
            self._brief_before_save = self._brief_loaded
            self._on_save_brief(self.brief.toPlainText())
            self._brief_loaded = self.brief.toPlainText()
            self.save_brief.setEnabled(False)
            self.brief_note.setText("Saving…")

    def show_saved_problem(self, problem: BriefProblem) -> None:
        """The engine refused the brief on save: show its exact problem beside the field; the edit stays."""
        self._brief_loaded = self._brief_before_save
        self._show_problem(problem)
        self.save_brief.setEnabled(False)
        self.brief_note.setText("Not saved.")
