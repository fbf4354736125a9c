"""The audit log viewer: every step and decision, filtered by employee, kind and date, exportable."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.forms import AuditRow
from app.panels.common import muted, plain_label, row
from app.theme import DANGER, OK, money

ANY = "__any__"


def export_text(rows: Sequence[AuditRow], fmt: str) -> str:
    """The rows as JSON lines or CSV, for the owner to keep."""
    if fmt == "jsonl":
        return "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[f for f in AuditRow.__dataclass_fields__])
    writer.writeheader()
    for r in rows:
        writer.writerow(asdict(r))
    return out.getvalue()


class AuditPanel(QWidget):
    """`set_rows(rows)`; `on_export(fmt, visible_rows)` with fmt "csv" or "jsonl".

    With `on_filter(employee_id, kind, day)` the filters also go to the log itself (rows older than
    the loaded page are found); `on_verify()` asks for the hash chain to be checked, and
    `set_verified(ok, text)` shows the answer.
    """

    def __init__(
        self,
        on_export: Callable[[str, list[AuditRow]], None],
        parent: QWidget | None = None,
        *,
        on_filter: Callable[[str | None, str | None, str | None], None] | None = None,
        on_verify: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_export = on_export
        self._on_filter = on_filter
        self._rows: list[AuditRow] = []
        self._choices: tuple[list[tuple[str, str]], list[str]] | None = None
        self.employee = QComboBox()
        self.kind = QComboBox()
        self.day = QComboBox()
        for combo in (self.employee, self.kind, self.day):
            combo.currentIndexChanged.connect(self._filter_changed)
            combo.setMinimumContentsLength(8)
        self.verify_button = QPushButton("Verify")
        self.verify_button.setToolTip("Recompute the hash chain: finds any edited, deleted or reordered row")
        self.verify_button.setVisible(on_verify is not None)
        if on_verify is not None:
            self.verify_button.clicked.connect(lambda: self._verifying(on_verify))
        self.verified = plain_label()
        self.verified.setWordWrap(True)
        self.verified.hide()
        self.format = QComboBox()
        self.format.addItem("CSV", "csv")
        self.format.addItem("JSON lines", "jsonl")
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(lambda: self._on_export(self.format.currentData(), self.visible_rows()))
        self.source = muted("")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["WHEN", "WHO", "KIND", "WHAT", "COST"])
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col in (0, 1, 2, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(row(self.employee, self.kind, self.day, self.verify_button))
        layout.addWidget(self.verified)
        layout.addWidget(self.table)
        bottom = row(self.source, stretch_after=True)
        bottom.addWidget(self.format)
        bottom.addWidget(self.export_button)
        layout.addLayout(bottom)
        self._refill_filters()

    def set_source(self, text: str) -> None:
        """Say where the rows come from (e.g. the journal until the tamper-evident log lands)."""
        self.source.setText(text)

    def set_choices(self, people: list[tuple[str, str]], kinds: list[str]) -> None:
        """Offer every employee and kind in the filters, not only those on the loaded page."""
        if self._choices != (people, kinds):
            self._choices = (people, kinds)
            self._refill_filters()

    def set_verified(self, ok: bool, text: str) -> None:
        self.verify_button.setEnabled(True)
        color = OK if ok else DANGER
        self.verified.setText(f"<span style='color:{color}; font-weight:600'>{'✓' if ok else '✗'} {text}</span>")
        self.verified.show()

    def _verifying(self, on_verify: Callable[[], None]) -> None:
        self.verify_button.setEnabled(False)
        self.verified.setText("Verifying the hash chain…")
        self.verified.show()
        on_verify()

    def _filter_changed(self) -> None:
        self._apply()
        if self._on_filter is not None:
            employee, kind, day = (c.currentData() for c in (self.employee, self.kind, self.day))
            self._on_filter(*(None if v in (None, ANY) else str(v) for v in (employee, kind, day)))

    def set_rows(self, rows: Sequence[AuditRow]) -> None:
        self._rows = sorted(rows, key=lambda r: r.when, reverse=True)
        self._refill_filters()
        self._apply()

    def visible_rows(self) -> list[AuditRow]:
        employee, kind, day = (c.currentData() for c in (self.employee, self.kind, self.day))
        return [
            r
            for r in self._rows
            if employee in (None, ANY, r.employee_id) and kind in (None, ANY, r.kind) and day in (None, ANY, r.day)
        ]

    def set_filter(self, *, employee_id: str | None = None, kind: str | None = None, day: str | None = None) -> None:
        for combo, value in ((self.employee, employee_id), (self.kind, kind), (self.day, day)):
            combo.setCurrentIndex(max(0, combo.findData(value if value is not None else ANY)))

    def _refill_filters(self) -> None:
        names = {r.employee_id: r.employee for r in self._rows}
        kinds = {r.kind for r in self._rows}
        if self._choices is not None:
            names.update(dict(self._choices[0]))
            kinds.update(self._choices[1])
        days = {r.day for r in self._rows}
        current_day = self.day.currentData()
        if current_day not in (None, ANY):
            days.add(str(current_day))
        options = (
            (self.employee, "Everyone", sorted(names.items(), key=lambda kv: kv[1])),
            (self.kind, "Every kind", [(k, k.replace("_", " ")) for k in sorted(kinds)]),
            (self.day, "Any day", [(d, d) for d in sorted(days, reverse=True)]),
        )
        for combo, any_label, items in options:
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(any_label, ANY)
            for data, label in items:
                combo.addItem(label, data)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def _apply(self) -> None:
        rows = self.visible_rows()
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = (r.when[:19].replace("T", " "), r.employee, r.kind.replace("_", " "), r.summary, money(r.cost_usd))
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col == 3:
                    item.setToolTip(r.summary)
                self.table.setItem(i, col, item)
        self.table.setUpdatesEnabled(True)
        self.export_button.setEnabled(bool(rows))

    def row_count(self) -> int:
        return self.table.rowCount()
