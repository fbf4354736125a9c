"""Settings: model provider and key, connected apps, spending ceilings, working hours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.panels.common import muted, row

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Provider:
    id: str
    label: str
    default_model: str
    needs_key: bool
    local: bool = False


PROVIDERS: tuple[Provider, ...] = (
    Provider("rehearsal", "Rehearsal (offline, free, not real output)", "rehearsal/office-1", False),
    Provider("openai", "OpenAI", "gpt-4o-mini", True),
    Provider("anthropic", "Anthropic", "anthropic/claude-3-5-haiku-20241022", True),
    Provider("gemini", "Google Gemini", "gemini/gemini-1.5-flash", True),
    Provider("local", "Local server (Ollama, LM Studio, llama.cpp)", "ollama_chat/llama3.1", False, local=True),
)


@dataclass(frozen=True, slots=True)
class SettingsValues:
    provider: str = "rehearsal"
    model: str = "rehearsal/office-1"
    api_base: str = ""
    key: str = ""  # only ever travels to on_save, which hands it to the keyring; never kept
    key_stored: bool = False
    price_in_per_mtok: float = 0.0  # declared price for a local server (litellm cannot price it)
    price_out_per_mtok: float = 0.0
    office_ceiling_per_day: float = 0.0  # 0 = no ceiling
    employee_ceiling_per_day: float = 0.0
    always_on: bool = True
    start: str = "09:00"
    end: str = "17:00"
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    connected_apps: tuple[str, ...] = field(default=())


class SettingsDialog(QDialog):
    """`on_save(values)` returns an error message to show, or None when saved."""

    def __init__(
        self,
        values: SettingsValues,
        on_save: Callable[[SettingsValues], str | None],
        keyring_note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumSize(560, 460)
        self._values = values
        self._on_save = on_save
        self.tabs = QTabWidget()
        self.tabs.addTab(self._model_tab(keyring_note), "Model")
        self.tabs.addTab(self._apps_tab(values.connected_apps), "Connected apps")
        self.tabs.addTab(self._ceilings_tab(), "Ceilings")
        self.tabs.addTab(self._hours_tab(), "Working hours")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        save = QPushButton("Save")
        save.setObjectName("primary")
        save.clicked.connect(self._save)
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
        self.price_in = _money_box(v.price_in_per_mtok)
        self.price_out = _money_box(v.price_out_per_mtok)
        form = QFormLayout()
        form.addRow("Provider", self.provider)
        form.addRow("Model", self.model)
        form.addRow("Server URL", self.api_base)
        form.addRow("API key", self.key)
        form.addRow("Price in / 1M tokens", self.price_in)
        form.addRow("Price out / 1M tokens", self.price_out)
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
        self.office_ceiling = _money_box(v.office_ceiling_per_day, 10_000)
        self.employee_ceiling = _money_box(v.employee_ceiling_per_day, 10_000)
        form = QFormLayout()
        form.addRow("Whole office, per day", self.office_ceiling)
        form.addRow("Each employee, per day", self.employee_ceiling)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addWidget(
            muted(
                "$0 means no ceiling. A call that could cross a ceiling is not made: the employee stops and asks you."
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
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.always_on)
        form = QFormLayout()
        form.addRow("Starts", self.start)
        form.addRow("Ends", self.end)
        layout.addLayout(form)
        layout.addLayout(row(*self.days))
        layout.addWidget(
            muted("Outside these hours employees finish their current step and wait; queued work waits too.")
        )
        layout.addStretch(1)
        self._hours_enabled(v.always_on)
        return tab

    def _hours_enabled(self, always: bool) -> None:
        for w in (self.start, self.end, *self.days):
            w.setEnabled(not always)

    def _provider_changed(self) -> None:
        provider = next(p for p in PROVIDERS if p.id == self.provider.currentData())
        if provider.id != self._values.provider or not self.model.text():
            self.model.setText(provider.default_model)
        for widget, shown in (
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
        return replace(
            self._values,
            provider=str(self.provider.currentData()),
            model=self.model.text().strip(),
            api_base=self.api_base.text().strip(),
            key=self.key.text().strip(),
            price_in_per_mtok=self.price_in.value(),
            price_out_per_mtok=self.price_out.value(),
            office_ceiling_per_day=self.office_ceiling.value(),
            employee_ceiling_per_day=self.employee_ceiling.value(),
            always_on=self.always_on.isChecked(),
            start=self.start.time().toString("HH:mm"),
            end=self.end.time().toString("HH:mm"),
            days=tuple(i for i, box in enumerate(self.days) if box.isChecked()),
        )

    def _save(self) -> None:
        error = self._on_save(self.values())
        self.key.clear()  # the key never lingers in the widget
        if error:
            self.error.setText(error)
            self.error.show()
            return
        self.accept()


def _money_box(value: float, maximum: float = 1000.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setPrefix("$ ")
    box.setDecimals(2)
    box.setMaximum(maximum)
    box.setValue(value)
    return box
