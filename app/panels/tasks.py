"""The task list: running, waiting, queued and done, for everyone or one employee."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.forms import TaskRow
from app.panels.common import row
from app.theme import MUTED, task_style

# group title -> task statuses in it, in the order the owner cares about
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Running", ("running",)),
    ("Waiting on you or stuck", ("waiting", "review", "parked", "uncertain")),
    ("Queued", ("queued",)),
    ("Done", ("done", "failed", "cancelled")),
)
DONE_SHOWN = 200  # the journal keeps the rest


def group_of(status: str) -> str:
    return next((title for title, members in GROUPS if status in members), "Queued")


class TasksPanel(QWidget):
    """`set_tasks(rows, names)`; `on_open(task_id)` on double-click (e.g. to open its employee)."""

    def __init__(self, on_open: Callable[[TaskRow], object] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_open = on_open
        self._rows: list[TaskRow] = []
        self._names: dict[str, str] = {}
        self.employee_filter = QComboBox()
        self.employee_filter.addItem("Everyone", None)
        self._counts: dict[str, int] = {}
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["TASK", "WHO", "STATUS"])
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(0)
        self.tree.setUniformRowHeights(True)
        self.tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 0)
        layout.addLayout(row(self.employee_filter))
        layout.addWidget(self.tree)
        self.employee_filter.currentIndexChanged.connect(self._rebuild)

    def set_tasks(self, rows: Sequence[TaskRow], names: dict[str, str]) -> None:
        self._rows = list(rows)
        self._names = dict(names)
        current = self.employee_filter.currentData()
        self.employee_filter.blockSignals(True)
        self.employee_filter.clear()
        self.employee_filter.addItem("Everyone", None)
        for eid, name in sorted(names.items(), key=lambda kv: kv[1]):
            self.employee_filter.addItem(name, eid)
        index = self.employee_filter.findData(current)
        self.employee_filter.setCurrentIndex(max(0, index))
        self.employee_filter.blockSignals(False)
        self._rebuild()

    def show_employee(self, employee_id: str | None) -> None:
        self.employee_filter.setCurrentIndex(max(0, self.employee_filter.findData(employee_id)))

    def counts(self) -> dict[str, int]:
        """Visible tasks per group (what the owner sees; also what tests check)."""
        return dict(self._counts)

    def _visible(self) -> list[TaskRow]:
        eid = self.employee_filter.currentData()
        return [t for t in self._rows if eid is None or t.employee_id == eid]

    def _rebuild(self) -> None:
        self.tree.setUpdatesEnabled(False)
        self.tree.clear()
        self._counts = {}
        visible = self._visible()
        for title, members in GROUPS:
            tasks = [t for t in visible if t.status in members]
            self._counts[title] = len(tasks)
            if not tasks:
                continue
            if title == "Done":
                tasks = tasks[-DONE_SHOWN:][::-1]
            group = QTreeWidgetItem([f"{title}  ·  {len(tasks)}"])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setForeground(0, QBrush(QColor(MUTED)))
            group.setFirstColumnSpanned(True)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(group)
            group.setFirstColumnSpanned(True)
            for t in tasks:
                label, color = task_style(t.status)
                item = QTreeWidgetItem(["   " + t.title, self._names.get(t.employee_id, t.employee_id), label])
                item.setForeground(2, QBrush(QColor(color)))
                tip = t.title + (f"\n{t.reason}" if t.reason else "")
                for col in range(3):
                    item.setToolTip(col, tip)
                item.setData(0, Qt.ItemDataRole.UserRole, t.id)
                self.tree.addTopLevelItem(item)
        self.tree.setUpdatesEnabled(True)

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        task_id = item.data(0, Qt.ItemDataRole.UserRole)
        task = next((t for t in self._rows if t.id == task_id), None)
        if task is not None and self._on_open is not None:
            self._on_open(task)
