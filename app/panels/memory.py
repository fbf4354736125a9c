"""The employee panel's Memory tab: what the employee remembers, by layer, and what each model step was given.

Takes data (`set_view`) and callbacks; the owner searches, edits, pins, unpins and forgets (after a
confirmation). Every action goes out as a callback and the engine answers with a fresh view.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.memory_rows import LAYER_TITLES, LAYERS, MemoryCommands, MemoryRow, MemoryView, by_layer
from app.panels.common import group_item, muted, plain_tip, row, tree
from app.theme import ACCENT, MUTED

ID_ROLE = Qt.ItemDataRole.UserRole


REREAD_MS = 5000  # how often an open Memory tab reads the memories again


class MemoryTab(QWidget):
    """Memories grouped into facts, decisions, journal and team (pinned first), and the per-step given list."""

    def __init__(
        self,
        *,
        on_search: Callable[[str], None],
        on_edit: Callable[[str, str], None],
        on_pin: Callable[[str, bool], None],
        on_forget: Callable[[str], None],
        on_show: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_search, self._on_edit, self._on_pin, self._on_forget = on_search, on_edit, on_pin, on_forget
        self._on_show = on_show
        self._latest_step: tuple[str, str] | None = None
        self._rows: dict[str, MemoryRow] = {}
        self._view: MemoryView | None = None
        self.loaded = False  # a view has arrived at least once
        # While on screen, read again every few seconds: `remember` or `forget` in a terminal, or another
        # window, changes the memories with no event reaching this process. An unchanged view is not redrawn.
        self.reread = QTimer(self)
        self.reread.setInterval(REREAD_MS)
        self.reread.timeout.connect(lambda: self._on_show() if self._on_show is not None else None)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search memories (words, a customer, a decision)…")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self._search)
        self.search.textChanged.connect(lambda text: self._search() if not text else None)  # cleared: list all
        self.count = muted("", wrap=False)
        self.crowded = muted("")  # more pinned than a task is given (the command line says the same)
        self.crowded.setObjectName("error")
        self.crowded.hide()

        self.memories = tree("MEMORY", "KIND", "SINCE")
        self.memories.itemSelectionChanged.connect(self._selection_changed)

        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(self._ask_edit)
        self.pin_button = QPushButton("Pin")
        self.pin_button.setToolTip("A pinned memory is given with every task, whatever it is about")
        self.pin_button.clicked.connect(self._toggle_pin)
        self.forget_button = QPushButton("Forget…")
        self.forget_button.setObjectName("danger")
        self.forget_button.setToolTip("Removes the text for good: the memory, its search entry and its copies")
        self.forget_button.clicked.connect(self._confirm_forget)

        self.given = tree("MODEL STEP", "WHEN")

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(row(self.search, self.count, stretch_after=False))
        top_layout.addWidget(self.crowded)
        top_layout.addWidget(self.memories, 1)
        top_layout.addLayout(row(self.edit_button, self.pin_button, self.forget_button))
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 6, 0, 0)
        bottom_layout.addWidget(muted("What the model was given, step by step (newest first)", wrap=False))
        bottom_layout.addWidget(self.given, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.addWidget(split)
        self._selection_changed()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._on_show is not None:
            self._on_show()  # each visit reads the memories again: another process may have changed them
        self.reread.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.reread.stop()

    def follow(self, latest_step: tuple[str, str] | None) -> None:
        """The employee's latest step (id, status): when it changes and the tab is on screen, read again, so
        what the employee learns and what each model step was given appear as it works."""
        if latest_step == self._latest_step:
            return
        self._latest_step = latest_step
        if self.isVisible() and self._on_show is not None:
            self._on_show()

    # --- data in ---------------------------------------------------------------------------------

    def set_view(self, view: MemoryView) -> None:
        self.loaded = True
        if view == self._view:
            return  # as shown: the list keeps its scroll position and selection
        self._view = view
        chosen = self.selected_id()
        self._rows = {r.id: r for r in view.rows}
        self.memories.clear()
        grouped = by_layer(view.rows)
        for layer in LAYERS:
            found = grouped[layer]
            top = group_item(f"{LAYER_TITLES[layer]} ({len(found)})", 3)
            self.memories.addTopLevelItem(top)
            for r in found:
                subject = f"{r.subject}: " if r.subject else ""
                kind = f"{r.kind} · pinned" if r.pinned else r.kind
                item = QTreeWidgetItem([subject + r.text, kind, r.day])
                item.setData(0, ID_ROLE, r.id)
                item.setToolTip(0, plain_tip(_tooltip(r)))
                if r.pinned:
                    for column in (0, 1):
                        item.setForeground(column, QBrush(QColor(ACCENT)))
                top.addChild(item)
                if r.id == chosen:
                    item.setSelected(True)
            top.setExpanded(bool(found))
        shown = f"{len(view.rows)} found for “{view.query}”" if view.query else f"{len(view.rows)} remembered"
        if view.more:
            shown = f"the {len(view.rows)} newest shown: search for older ones"
        self.count.setText(shown)
        self.crowded.setText(view.crowded)
        self.crowded.setVisible(bool(view.crowded))
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance(shown) + 8)
        self._set_given(view)
        self._selection_changed()

    def _set_given(self, view: MemoryView) -> None:
        self.given.clear()
        for step in view.given:
            count = len(step.memories)
            given = f"{count} memor{'y' if count == 1 else 'ies'}" if count else "no memories"
            top = QTreeWidgetItem([f"{step.summary or 'model call'} · {given}", step.when[:16].replace("T", " ")])
            top.setToolTip(0, plain_tip(step.summary))
            if not step.memories:
                top.setForeground(0, QBrush(QColor(MUTED)))
            for line in step.memories:
                child = QTreeWidgetItem([line, ""])
                child.setToolTip(0, plain_tip(line))
                top.addChild(child)
            self.given.addTopLevelItem(top)
        for top in _tops(self.given)[:1]:
            top.setExpanded(True)

    # --- reading (tests and the buttons) ---------------------------------------------------------

    def layer_ids(self, layer: str) -> list[str]:
        """The memory ids listed under `layer`, in the order shown."""
        top = _tops(self.memories)[[str(x) for x in LAYERS].index(layer)]
        return [str(item.data(0, ID_ROLE)) for item in _children(top)]

    def given_lines(self) -> list[tuple[str, list[str]]]:
        return [(top.text(0), [item.text(0) for item in _children(top)]) for top in _tops(self.given)]

    def select(self, memory_id: str) -> None:
        for top in _tops(self.memories):
            for item in _children(top):
                item.setSelected(item.data(0, ID_ROLE) == memory_id)
        self._selection_changed()

    def selected_id(self) -> str | None:
        items = self.memories.selectedItems()
        return str(items[0].data(0, ID_ROLE)) if items and items[0].data(0, ID_ROLE) else None

    def selected(self) -> MemoryRow | None:
        memory_id = self.selected_id()
        return self._rows.get(memory_id) if memory_id else None

    # --- actions ---------------------------------------------------------------------------------

    def _selection_changed(self) -> None:
        memory = self.selected()
        self.edit_button.setEnabled(memory is not None and memory.editable)
        self.edit_button.setToolTip(
            "Journal entries are written by the end-of-day consolidation"
            if memory is not None and not memory.editable
            else "Reword it; the old wording is kept, marked superseded"
        )
        self.pin_button.setEnabled(memory is not None and memory.layer != "journal")
        self.pin_button.setText("Unpin" if memory is not None and memory.pinned else "Pin")
        self.forget_button.setEnabled(memory is not None)

    def _search(self) -> None:
        self._on_search(self.search.text().strip())

    def _ask_edit(self) -> None:
        memory = self.selected()
        if memory is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, "Edit memory", "What the employee should remember:", memory.text)
        if ok:
            self.edit_selected(text)

    def edit_selected(self, text: str) -> None:
        """Reword the selected memory (what the dialog does once the owner confirms)."""
        memory = self.selected()
        text = " ".join(text.split())
        if memory is not None and text and text != memory.text:
            self._on_edit(memory.id, text)

    def _toggle_pin(self) -> None:
        memory = self.selected()
        if memory is not None:
            self._on_pin(memory.id, not memory.pinned)

    def _confirm_forget(self) -> None:
        memory = self.selected()
        if memory is None:
            return
        answer = QMessageBox.question(
            self,
            "Forget",
            f"Forget this for good?\n\n“{memory.text[:300]}”\n\n"
            "Its text is removed from memory, the search index and the journal's and log's copies.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._on_forget(memory.id)


def _tops(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    return [t for t in map(tree.topLevelItem, range(tree.topLevelItemCount())) if t is not None]


def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [c for c in map(item.child, range(item.childCount())) if c is not None]


def _tooltip(memory: MemoryRow) -> str:
    source = {"owner": "you", "task": "a task", "consolidation": "the end-of-day journal"}.get(
        memory.source, memory.source
    )
    why = f"\nWhy: {memory.why}" if memory.why else ""
    pinned = "\nPinned: given with every task" if memory.pinned else ""
    return f"{memory.id} · {memory.kind} · from {source}, {memory.when}{why}{pinned}"


def memory_tab(commands: MemoryCommands) -> MemoryTab:
    """A Memory tab wired to one employee's commands; each answer arrives as a fresh view."""
    tab: MemoryTab

    def query() -> str:
        return tab.search.text().strip()

    def deliver(view: MemoryView) -> None:
        tab.set_view(view)

    reload = commands.reloader(query, deliver)  # a search, a visit, a step: one read at a time, the last query
    tab = MemoryTab(
        on_search=lambda _text: reload.ask(),
        on_edit=lambda memory_id, text: commands.edit(memory_id, text, query(), tab.set_view),
        on_pin=lambda memory_id, pinned: commands.pin(memory_id, pinned, query(), tab.set_view),
        on_forget=lambda memory_id: commands.forget(memory_id, query(), tab.set_view),
        on_show=reload.ask,
    )
    return tab
