"""The main window: office view in the centre, roster below it, inbox / tasks / audit / employees on the right.

The window reads `OfficeState` and sends the owner's actions to `Commands` (the bridge in the app, a
recorder in tests). State changes are coalesced and applied at most every `REFRESH_MS`, so a
streaming reply or fifty busy employees never flood the event loop with repaints.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QPaintEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabBar,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.doctor_data import graphics_in_use
from app.forms import AuditRow, BriefProblem, Commands
from app.memory_rows import MemoryCommands
from app.panels.audit import AuditPanel
from app.panels.board import BoardPanel
from app.panels.common import Card, heading, mnemonic_safe, muted, plain_label, plain_tip
from app.panels.inbox import InboxCallbacks, InboxPanel
from app.panels.notify import Notifier
from app.panels.office_view import make_office_view
from app.panels.roster import RosterPanel
from app.panels.tasks import TasksPanel
from app.panels.welcome import WelcomeBanner
from app.state import OfficeState
from app.theme import REHEARSAL, app_icon, badge_icon, money

if TYPE_CHECKING:  # the dialogs and the employee panel are imported when first opened (start-up time)
    from app.office.state import OfficeState as SceneState
    from app.panels.doctor import DoctorDialog
    from app.panels.employee import EmployeePanel
    from app.panels.hire import HireDialog
    from app.panels.settings import SettingsDialog

REFRESH_MS = 80


WORKING = frozenset({"thinking", "typing", "tool", "reading"})  # at work on a task
HELD = frozenset({"awaiting_approval", "blocked", "over_budget"})  # a task waits on the owner or a budget


class MainWindow(QMainWindow):
    firstPainted = Signal()
    closed = Signal()
    refreshed = Signal()  # the widgets caught up with the state (tests wait on this, not on time)

    def __init__(
        self,
        state: OfficeState,
        commands: Commands,
        today: Callable[[], date] = date.today,
        *,
        scene: SceneState | None = None,
    ) -> None:
        super().__init__()
        self.state = state
        self.commands = commands
        self._today = today
        self._dirty: set[str] = set()
        self._stale: set[str] = set()  # parts changed while their tab was hidden
        self._painted = False
        self.setWindowTitle("Headcount")
        self.setWindowIcon(app_icon())
        self.resize(1440, 900)
        self._build_toolbar()

        self.office_view = make_office_view(self.open_employee, scene)
        self.roster = RosterPanel(on_open=self.open_employee)
        self.inbox = InboxPanel(
            InboxCallbacks(
                on_approve=commands.approve,
                on_reject=commands.reject,
                on_edit_approve=commands.edit_approve,
                on_accept=commands.accept,
                on_revise=commands.revise,
                on_dismiss=commands.dismiss,
                on_resume=commands.resume,
                on_open_employee=self.open_employee,
                on_resolve=commands.resolve,
            )
        )
        self.tasks = TasksPanel(on_open=lambda t: self.open_employee(t.employee_id))
        self.audit = AuditPanel(
            on_export=self._export_audit, on_filter=commands.audit_filter, on_verify=commands.audit_verify
        )
        self.employee_panels: dict[str, EmployeePanel] = {}

        self.side = QTabWidget()
        self.side.currentChanged.connect(self._side_changed)
        for widget, title in ((self.inbox, "Inbox"), (self.tasks, "Tasks"), (self.audit, "Audit log")):
            self.side.addTab(widget, title)

        office_card = Card()
        office_card.body.setContentsMargins(1, 1, 1, 1)
        office_card.body.addWidget(self.office_view)
        roster_card = Card()
        roster_card.body.setContentsMargins(0, 10, 0, 0)
        title_row = heading("Team", "h2")
        title_row.setContentsMargins(14, 0, 0, 4)
        roster_card.body.addWidget(title_row)
        roster_card.body.addWidget(self.roster)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(office_card)
        left.addWidget(roster_card)
        left.setSizes([520, 300])
        side_card = Card()
        side_card.body.setContentsMargins(0, 4, 0, 0)
        side_card.body.addWidget(self.side)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(side_card)
        split.setSizes([900, 520])
        split.setChildrenCollapsible(False)
        self.welcome = WelcomeBanner(on_connect=self.open_settings, on_dismiss=commands.dismiss_welcome)
        self.welcome.hide()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.setSpacing(10)
        layout.addWidget(self.welcome)
        layout.addWidget(split, 1)
        self.setCentralWidget(central)
        self._build_status_bar()

        self.notifier = Notifier(self, self._bring_to_front)
        self.board: BoardPanel | None = None
        routes = getattr(commands, "board", None)  # the bridge's board routes (app/board_routes.py)
        if routes is not None:
            self.board = BoardPanel(routes, notify=self.notifier.notify)
            self.side.addTab(self.board, "Board")
            routes.attach(self.board)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._unlisten = state.listen(self._state_changed)
        self._dirty.update({"roster", "tasks", "inbox", "status", "welcome", "audit"})
        self.refresh()

    # --- chrome ------------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setMovable(False)
        bar.setFloatable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(26, 26))
        bar.addWidget(logo)
        bar.addWidget(heading("Headcount", "h1"))
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.hire_button = QPushButton("Hire")
        self.hire_button.setObjectName("primary")
        self.hire_button.clicked.connect(self.open_hire)
        self.settings_button = QPushButton("Settings")
        self.settings_button.clicked.connect(self.open_settings)
        self.doctor_button = QPushButton("Doctor")
        self.doctor_button.setToolTip("Check this machine: graphics, keyring, data, backups, model, connected apps")
        self.doctor_button.clicked.connect(self.open_doctor)
        bar.addWidget(self.doctor_button)
        bar.addWidget(self.settings_button)
        bar.addWidget(self.hire_button)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.mode_label = QLabel()
        self.spend_label = plain_label()
        self.people_label = muted("", wrap=False)
        self.engine_label = muted("", wrap=False)
        bar.addPermanentWidget(self.engine_label)
        bar.addPermanentWidget(self.people_label)
        bar.addPermanentWidget(self.spend_label)
        bar.addPermanentWidget(self.mode_label)

    # --- state -> widgets --------------------------------------------------------------------------

    def _state_changed(self, parts: frozenset[str]) -> None:
        self._dirty |= parts
        if not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        """Apply every pending state change to the widgets (called on a short timer)."""
        dirty, self._dirty = self._dirty, set()
        state = self.state
        names = {e.id: e.name for e in state.employees.values()}
        if "roster" in dirty:
            rows = list(state.employees.values())
            self.roster.set_rows(rows)
            self.office_view.set_rows(rows)  # type: ignore[attr-defined]
        if "tasks" in dirty:
            if self.side.currentWidget() is self.tasks:
                self.tasks.set_tasks(list(state.tasks.values()), names)
            else:  # rebuilt when the tab is shown: a busy office changes tasks many times a second
                self._stale.add("tasks")
        if "inbox" in dirty:
            self._refresh_inbox(names)
        if dirty & {"roster", "status"}:
            self._refresh_status()
        if "welcome" in dirty:
            self.welcome.set_first_day(state.first_day)
            self.welcome.setVisible(state.show_welcome)
        if "audit" in dirty:
            if state.audit_choices is not None:
                self.audit.set_choices(*state.audit_choices)
            self.audit.set_rows(state.audit)
            self.audit.set_source(state.audit_source)
            if state.audit_verified is not None:
                self.audit.set_verified(*state.audit_verified)
        if "notice" in dirty and state.notice:
            self.statusBar().showMessage(state.notice, 8000)
        if "roster" in dirty:
            for eid in [e for e in self.employee_panels if e not in state.employees]:
                self.close_employee(eid)  # let go, maybe from the terminal: nobody is left to talk to
        for eid, panel in self.employee_panels.items():
            if f"employee:{eid}" in dirty or "roster" in dirty:
                self._refresh_employee(panel)
            if f"brief:{eid}" in dirty:
                problem = state.brief_problems.get(eid)
                if isinstance(problem, BriefProblem):
                    panel.show_saved_problem(problem)
                elif eid in state.briefs:
                    text, note = state.briefs[eid]
                    panel.set_brief(text, note=note)
        self.refreshed.emit()

    def _refresh_inbox(self, names: dict[str, str]) -> None:
        items = list(self.state.inbox.values())
        self.inbox.set_items(items, names)
        count = len(items)
        self.side.setTabIcon(0, badge_icon(count))
        self.side.setTabText(0, f"Inbox ({count})" if count else "Inbox")
        self.setWindowTitle(f"({count}) Headcount" if count else "Headcount")
        self.notifier.update(count, items[-1] if items else None, self.state.name_of)

    def _refresh_status(self) -> None:
        state = self.state
        rehearsal = state.model_label == "Rehearsal"
        color = REHEARSAL if rehearsal else "#16a34a"
        label = html.escape(state.model_label)
        self.mode_label.setText(f"<span style='color:{color}; font-weight:600'>● {label}</span>")
        self.mode_label.setToolTip(
            "Built-in offline practice model: free, private, not real output." if rehearsal else "Connected model"
        )
        simulated = state.simulating is not None or any(e.simulated for e in state.employees.values())
        ceiling = f" of {money(state.office_ceiling)}" if state.office_ceiling else ""
        self.spend_label.setText(
            f"Today {money(state.total_spend_today())}{ceiling}" + (" (simulated)" if simulated else "")
        )
        self.spend_label.setToolTip(
            f"Rehearsal is charged at {state.simulating} prices to preview costs; nothing is billed."
            if state.simulating
            else "Spend today across the office"
        )
        busy = sum(1 for e in state.employees.values() if e.status in WORKING)
        held = sum(1 for e in state.employees.values() if e.status in HELD)
        count = len(state.employees)
        self.people_label.setText(
            f"{count} employee{'' if count == 1 else 's'} · {busy} working" + (f" · {held} held up" if held else "")
        )
        self.engine_label.setText(state.engine_status if state.engine_status != "Ready" else "")
        self.engine_label.setToolTip(plain_tip(state.engine_status))

    def _refresh_employee(self, panel: EmployeePanel) -> None:
        eid = panel.employee_id
        emp = self.state.employees.get(eid)
        if emp is None:
            return
        panel.set_employee(emp)
        panel.set_chat(self.state.chat(eid))
        steps = self.state.step_log(eid)
        panel.set_steps(steps)
        if panel.memory is not None:
            panel.memory.follow((steps[-1].step_id, steps[-1].status) if steps else None)
        panel.set_budget(
            self.state.spend_history.get(eid, {}),
            emp.spend_day or self._today(),
            spend_today=emp.spend_today,
            ceiling=emp.ceiling,
            daily_ceiling=emp.daily_ceiling,
            simulated=emp.simulated,
            rehearsal=emp.rehearsal,
        )

    # --- owner actions -----------------------------------------------------------------------------

    def open_employee(self, employee_id: str) -> EmployeePanel | None:
        """Show (or focus) the employee's panel in the side area."""
        emp = self.state.employees.get(employee_id)
        if emp is None:
            return None
        panel = self.employee_panels.get(employee_id)
        if panel is None:
            from app.panels.employee import EmployeePanel

            panel = EmployeePanel(
                employee_id,
                on_send=lambda text: self.commands.assign(employee_id, text),
                validate_brief=lambda text: self.commands.validate_brief(employee_id, text),
                on_save_brief=lambda text: self.commands.save_brief(employee_id, text),
                on_let_go=lambda: self._let_go(employee_id),
                on_ceiling=lambda usd: self.commands.set_daily_ceiling(employee_id, usd),
                on_allow_more=lambda usd: self.commands.allow_more_today(employee_id, usd),
                memory=self._memory_commands(employee_id),
            )
            self.employee_panels[employee_id] = panel
            index = self.side.addTab(panel, mnemonic_safe(emp.name))
            close = QToolButton()
            close.setText("×")
            close.setAutoRaise(True)
            close.setToolTip(plain_tip(f"Close {emp.name}'s panel"))
            close.setStyleSheet(
                "QToolButton { border: none; color: #98a2b3; font-size: 12pt; padding: 0 2px; }"
                "QToolButton:hover { color: #1d2433; }"
            )
            close.clicked.connect(lambda: self.close_employee(employee_id))
            self.side.tabBar().setTabButton(index, QTabBar.ButtonPosition.RightSide, close)
            self._refresh_employee(panel)
            if employee_id in self.state.briefs:
                text, note = self.state.briefs[employee_id]
                panel.set_brief(text, note=note)
            self.commands.employee_opened(employee_id)
        self.side.setCurrentWidget(panel)
        return panel

    def _memory_commands(self, employee_id: str) -> MemoryCommands | None:
        memory = getattr(self.commands, "memory", None)  # the bridge has it; a window without an engine does not
        return memory(employee_id) if callable(memory) else None

    def _let_go(self, employee_id: str) -> None:
        # The panel closes once they have left (EmployeeLeft): a refusal (mid-task) leaves it open, saying why.
        self.commands.let_go(employee_id)

    def close_employee(self, employee_id: str) -> None:
        panel = self.employee_panels.pop(employee_id, None)
        if panel is not None:
            self.side.removeTab(self.side.indexOf(panel))
            panel.deleteLater()

    def _side_changed(self, index: int) -> None:
        if self.side.widget(index) is self.audit:
            self.commands.audit_refresh()
        if self.side.widget(index) is self.tasks and "tasks" in self._stale:
            self._stale.discard("tasks")
            self._state_changed(frozenset({"tasks"}))

    def open_hire(self) -> HireDialog:
        from app.panels.hire import HireDialog

        dialog = HireDialog(
            self.commands.roles(),
            on_hire=self.commands.hire,
            on_create=self.commands.create_custom if self.commands.custom_supported else None,
            tools=self.commands.tools(),
            functions=self.commands.functions(),
            parent=self,
        )
        dialog.finished.connect(dialog.deleteLater)  # a new one each time: the closed one goes
        dialog.open()
        return dialog

    def open_settings(self) -> SettingsDialog:
        from app.panels.settings import SettingsDialog

        opened = self.commands.settings  # what the owner changes is told from this, not from the office's latest
        dialog = SettingsDialog(
            opened,
            lambda values: self.commands.save_settings(values, opened),
            self.commands.keyring_note(),
            parent=self,
            employees=self.commands.employees(),
            on_call_in=self.commands.call_in,
            on_send_home=self.commands.end_call_in,
            connections=self.commands.connections() if hasattr(self.commands, "connections") else None,
        )
        dialog.finished.connect(dialog.deleteLater)  # a new one each time: the closed one goes
        dialog.open()
        return dialog

    def open_doctor(self) -> DoctorDialog:
        """The same checks as `headcount doctor`, the graphics line from the pipe this window draws with."""
        from app.panels.doctor import DoctorDialog

        graphics = graphics_in_use(self.office_view) or str(getattr(self.office_view, "reason", "no 3D office"))
        dialog = DoctorDialog(lambda online: self.commands.doctor(online, graphics), parent=self)
        dialog.finished.connect(dialog.deleteLater)  # a new one each time: the closed one goes
        dialog.open()
        return dialog

    def _export_audit(self, fmt: str, rows: list[AuditRow]) -> None:
        """Export the whole log as the engine writes it: every line re-hashes with the documented formula."""
        suffix = ".jsonl" if fmt == "jsonl" else ".csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export the audit log", f"headcount-audit{suffix}")
        if path:
            self.commands.audit_export(path, fmt)

    # --- the 3D office -----------------------------------------------------------------------------

    def show_problem(self, title: str, text: str) -> QMessageBox:
        """A problem the owner must read in full (the status bar cuts long text); does not block the loop."""
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # a path or command to copy
        box.open()
        self._problem = box  # keep it alive while shown
        return box

    def start_office(self) -> None:
        """Start the office's frame task on the running loop (a 2D plan has none)."""
        start = getattr(self.office_view, "start", None)
        if callable(start):
            start()

    def settle_office(self) -> None:
        """Seat everyone at once (after opening: people already hired are at their desks, not walking in)."""
        scene = getattr(self.office_view, "scene", None)
        if scene is not None:
            scene.settle()

    async def stop_office(self) -> None:
        stop = getattr(self.office_view, "stop", None)
        if callable(stop):
            result = stop()
            if asyncio.iscoroutine(result):
                await result

    def _bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        self.side.setCurrentIndex(0)

    # --- Qt events ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.firstPainted.emit)

    def event(self, event: QEvent) -> bool:
        # QMainWindow paints little itself; the first UpdateRequest after show marks the first frame.
        if not self._painted and event.type() == QEvent.Type.UpdateRequest:
            result = super().event(event)
            self._painted = True
            QTimer.singleShot(0, self.firstPainted.emit)
            return result
        return super().event(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._unlisten()
        self.closed.emit()
        super().closeEvent(event)
