"""Settings: model provider and key, connected apps, spending ceilings, working hours and call-in.

`on_save(values)` returns an error to show, None when done, or an awaitable of either (the engine
validates a model asynchronously): the dialog then waits, and stays open with the error if any.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app import autostart
from app.forms import PROVIDERS, SettingsValues
from app.panels.common import CEILING_MAX, gone, money_box, muted, plain_label, row
from app.panels.connections import ConnectionsCallbacks, ConnectionsTab

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


SaveResult = str | None | Awaitable[str | None]


class SettingsDialog(QDialog):
    """`on_save(values)`: see the module docstring. `on_call_in(employee_id or None for everyone, hours)`;
    `on_send_home(employee_id or None)` ends a call-in."""

    def __init__(
        self,
        values: SettingsValues,
        on_save: Callable[[SettingsValues], SaveResult],
        keyring_note: str = "",
        parent: QWidget | None = None,
        *,
        employees: Sequence[tuple[str, str]] = (),
        on_call_in: Callable[[str | None, float], None] | None = None,
        on_send_home: Callable[[str | None], None] | None = None,
        connections: ConnectionsCallbacks | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumSize(560, 460)
        self._values = values
        self._on_save = on_save
        self._employees = list(employees)
        self._on_call_in = on_call_in
        self._on_send_home = on_send_home
        self._pending: asyncio.Future[str | None] | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._model_tab(keyring_note), "Model")
        if connections is not None:  # the owner's apps: connect, test, grant, revoke (app/panels/connections.py)
            self.connections = ConnectionsTab(connections, self._employees)
            self.tabs.addTab(self.connections, "Connections")
        else:
            self.tabs.addTab(self._apps_tab(values.connected_apps), "Connected apps")
        self.tabs.addTab(self._ceilings_tab(), "Ceilings")
        self.tabs.addTab(self._hours_tab(), "Working hours")
        self.error = plain_label()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        save = QPushButton("Save")
        save.setObjectName("primary")
        save.clicked.connect(self._save)
        self.save_button = save
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = row()
        buttons.addWidget(cancel)
        buttons.addWidget(save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.provider.setCurrentIndex(max(0, self.provider.findData(values.provider)))
        self._provider_changed()
        self.model.setText(values.model)

    def _model_tab(self, keyring_note: str) -> QWidget:
        v = self._values
        self.provider = QComboBox()
        for p in PROVIDERS:
            self.provider.addItem(p.label, p.id)
        self.provider.currentIndexChanged.connect(self._provider_changed)
        self.model = QLineEdit(v.model)
        self.api_base = QLineEdit(v.api_base)
        self.api_base.setPlaceholderText("http://localhost:11434")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("stored in your OS keyring" if v.key_stored else "paste your API key")
        self.price_in = money_box(v.price_in_per_mtok)
        self.price_out = money_box(v.price_out_per_mtok)
        self.simulate = QLineEdit(v.simulate_model)
        self.simulate.setPlaceholderText("e.g. gpt-4o-mini — empty: rehearsal costs $0")
        self.simulate.setToolTip("Charge rehearsal at this real model's prices (marked simulated) to preview costs")
        form = QFormLayout()
        form.addRow("Provider", self.provider)
        form.addRow("Model", self.model)
        form.addRow("Server URL", self.api_base)
        form.addRow("API key", self.key)
        form.addRow("Price in / 1M tokens", self.price_in)
        form.addRow("Price out / 1M tokens", self.price_out)
        form.addRow("Simulate spend at", self.simulate)
        self._form = form
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addWidget(
            muted(keyring_note or "Keys go to your operating system's keyring, never to Headcount's database or logs.")
        )
        layout.addStretch(1)
        return tab

    def _apps_tab(self, apps: Sequence[str]) -> QWidget:
        self.apps = QListWidget()
        self.apps.addItems(list(apps))
        tab = QWidget()
        layout = QVBoxLayout(tab)
        if not apps:
            layout.addWidget(
                muted("No apps connected yet. Email, calendar and other connectors arrive with the tools update.")
            )
        layout.addWidget(self.apps, 1)
        return tab

    def _ceilings_tab(self) -> QWidget:
        v = self._values
        self.office_ceiling = money_box(v.office_ceiling_per_day, CEILING_MAX)
        self.employee_ceiling = money_box(v.employee_ceiling_per_day, CEILING_MAX)
        form = QFormLayout()
        form.addRow("Whole office, per day", self.office_ceiling)
        form.addRow("Each employee, per day", self.employee_ceiling)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addWidget(
            muted(
                "$0 leaves the current ceiling as it is. A call that could cross a ceiling is not made: "
                "the employee stops and asks you."
            )
        )
        layout.addStretch(1)
        return tab

    def _hours_tab(self) -> QWidget:
        v = self._values
        self.always_on = QCheckBox("Work around the clock (24/7)")
        self.always_on.setChecked(v.always_on)
        self.start = QTimeEdit(QTime.fromString(v.start, "HH:mm"))
        self.end = QTimeEdit(QTime.fromString(v.end, "HH:mm"))
        self.days = [QCheckBox(d) for d in DAYS]
        for i, box in enumerate(self.days):
            box.setChecked(i in v.days)
        self.always_on.toggled.connect(self._hours_enabled)
        self.office_hours = QCheckBox("One schedule for the whole office (instead of each brief's hours)")
        self.office_hours.setChecked(v.office_hours)
        self.timezone = QLineEdit(v.timezone)
        self.timezone.setPlaceholderText("e.g. Europe/London")
        self.schedule = QWidget()
        schedule = QVBoxLayout(self.schedule)
        schedule.setContentsMargins(0, 0, 0, 0)
        schedule.addWidget(self.always_on)
        form = QFormLayout()
        form.addRow("Starts", self.start)
        form.addRow("Ends", self.end)
        form.addRow("Time zone", self.timezone)
        schedule.addLayout(form)
        schedule.addLayout(row(*self.days))
        self.schedule.setVisible(v.office_hours)
        self.office_hours.toggled.connect(self.schedule.setVisible)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.office_hours)
        layout.addWidget(self.schedule)
        layout.addWidget(
            muted(
                "Otherwise each employee keeps the hours in their brief (Brief tab, `hours:`). Outside their "
                "hours they finish the current step and wait. To have someone work now, call them in:"
            )
        )
        self.call_who = QComboBox()
        self.call_who.addItem("Everyone", None)
        for employee_id, name in self._employees:
            self.call_who.addItem(name, employee_id)
        self.call_hours = QDoubleSpinBox()
        self.call_hours.setSuffix(" h")
        self.call_hours.setRange(0.5, 24.0)
        self.call_hours.setSingleStep(0.5)
        self.call_hours.setValue(2.0)
        self.call_button = QPushButton("Call in")
        self.call_button.clicked.connect(self._call_in)
        self.call_button.setEnabled(self._on_call_in is not None)
        self.send_home_button = QPushButton("Send home")
        self.send_home_button.setToolTip("End a call-in now: back to their own working hours")
        self.send_home_button.clicked.connect(self._send_home)
        self.send_home_button.setEnabled(self._on_send_home is not None)
        layout.addLayout(row(self.call_who, self.call_hours, self.call_button, self.send_home_button))
        self.start_at_login = QCheckBox("Start Headcount in the tray when I log in, so work goes on")
        self.start_at_login.setChecked(v.start_at_login)
        self.start_at_login.setVisible(autostart.supported())  # Windows, macOS: the installer's login item
        layout.addWidget(self.start_at_login)
        layout.addStretch(1)
        self._hours_enabled(v.always_on)
        return tab

    def _call_in(self) -> None:
        if self._on_call_in is not None:
            who = self.call_who.currentData()
            self._on_call_in(None if who is None else str(who), self.call_hours.value())

    def _send_home(self) -> None:
        if self._on_send_home is not None:
            who = self.call_who.currentData()
            self._on_send_home(None if who is None else str(who))

    def _hours_enabled(self, always: bool) -> None:
        for w in (self.start, self.end, self.timezone, *self.days):
            w.setEnabled(not always)

    def _provider_changed(self) -> None:
        provider = next(p for p in PROVIDERS if p.id == self.provider.currentData())
        if provider.id != self._values.provider or not self.model.text():
            self.model.setText(provider.default_model)
        for widget, shown in (
            (self.simulate, provider.id == "rehearsal"),
            (self.api_base, provider.local),
            (self.key, provider.needs_key),
            (self.price_in, provider.local),
            (self.price_out, provider.local),
        ):
            widget.setVisible(shown)
            label = self._form.labelForField(widget)
            if label is not None:
                label.setVisible(shown)
        self.model.setEnabled(provider.id != "rehearsal")

    def values(self) -> SettingsValues:
        return self._values.model_copy(
            update=dict(
                provider=str(self.provider.currentData()),
                model=self.model.text().strip(),
                api_base=self.api_base.text().strip(),
                key=self.key.text().strip(),
                price_in_per_mtok=self.price_in.value(),
                price_out_per_mtok=self.price_out.value(),
                simulate_model=self.simulate.text().strip() if self.provider.currentData() == "rehearsal" else "",
                office_ceiling_per_day=self.office_ceiling.value(),
                employee_ceiling_per_day=self.employee_ceiling.value(),
                office_hours=self.office_hours.isChecked(),
                timezone=self.timezone.text().strip(),  # blank is said to be, not taken for UTC
                always_on=self.always_on.isChecked(),
                start=self.start.time().toString("HH:mm"),
                end=self.end.time().toString("HH:mm"),
                days=tuple(i for i, box in enumerate(self.days) if box.isChecked()),
                start_at_login=self.start_at_login.isChecked(),
            )
        )

    def _save(self) -> None:
        if self._pending is not None:
            return
        result = self._on_save(self.values())
        self.key.clear()  # the key never lingers in the widget
        if inspect.isawaitable(result):
            self._pending = asyncio.ensure_future(result)
            self.save_button.setEnabled(False)
            self.save_button.setText("Applying…")
            self._pending.add_done_callback(self._saved)
            return
        self._finish(result)

    def _saved(self, future: asyncio.Future[str | None]) -> None:
        self._pending = None
        if gone(self):  # closed while applying: the office applied it (or logged why not)
            return
        self.save_button.setEnabled(True)
        self.save_button.setText("Save")
        if future.cancelled():
            return
        exc = future.exception()
        self._finish(str(exc) if exc is not None else future.result())

    def _finish(self, error: str | None) -> None:
        if error:
            self.error.setText(error)
            self.error.show()
            return
        self.error.hide()
        self.accept()
