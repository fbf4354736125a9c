"""The employee panel's Memory tab: layers, pinned first, search, edit, pin, forget, and what each step was given.

The first test drives the tab with data and clicks; the second runs it against a real office (the
engine's scripted model) and checks that every owner action is a row in the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.memory_rows import GivenStep, MemoryCommands, MemoryRow, MemoryView, to_row
from app.panels.employee import EmployeePanel
from app.panels.memory import MemoryTab
from engine.clock import FakeClock, SequentialIds
from engine.memory import MemoryRecord
from engine.office import Office
from engine.paths import Home
from engine.testing import ScriptedModel, say

MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _row(memory_id: str, layer: Any, text: str, *, pinned: bool = False, kind: str = "facts") -> MemoryRow:
    return MemoryRow(memory_id, layer, kind, "", text, pinned, "owner", "2026-01-05", "2026-01-05 09:00")


def test_the_tab_groups_by_layer_pinned_first_and_sends_the_owners_actions(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[tuple[str, ...]] = []
    tab = MemoryTab(
        on_search=lambda text: said.append(("search", text)),
        on_edit=lambda mid, text: said.append(("edit", mid, text)),
        on_pin=lambda mid, pinned: said.append(("pin", mid, str(pinned))),
        on_forget=lambda mid: said.append(("forget", mid)),
    )
    qtbot.addWidget(tab)
    rows = (
        _row("mem_1", "facts", "Acme likes Tuesdays"),
        _row("mem_2", "facts", "Tone: warm", pinned=True, kind="tone"),
        _row("mem_3", "decisions", "Sale at 15%", kind="decisions"),
        _row("mem_4", "journal", "Monday: drafted the newsletter", kind="journal"),
        _row("mem_5", "team", "The team signs off as 'The Bakery'"),
    )
    given = (GivenStep("step_2", "2026-01-05T09:01:00", "Done.", ("[mem_2] tone: Tone: warm",)),)
    tab.set_view(MemoryView(rows, given))
    assert tab.layer_ids("facts") == ["mem_2", "mem_1"]  # pinned first
    assert tab.layer_ids("decisions") == ["mem_3"] and tab.layer_ids("journal") == ["mem_4"]
    assert tab.layer_ids("team") == ["mem_5"]
    assert tab.given_lines() == [("Done. · 1 memory", ["[mem_2] tone: Tone: warm"])]

    tab.select("mem_4")
    assert not tab.edit_button.isEnabled() and not tab.pin_button.isEnabled()  # journal: consolidation's
    tab.select("mem_2")
    assert tab.pin_button.text() == "Unpin"
    tab.pin_button.click()
    tab.select("mem_1")
    tab.edit_selected("Acme likes   Wednesdays")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    tab.forget_button.click()  # declined: nothing sent
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    tab.forget_button.click()
    tab.search.setText("acme")
    tab.search.returnPressed.emit()
    assert said == [
        ("pin", "mem_2", "False"),
        ("edit", "mem_1", "Acme likes Wednesdays"),
        ("forget", "mem_1"),
        ("search", "acme"),
    ]


class _Loop:
    """Runs what the tab spawns on an asyncio loop of the test's own (the app uses qasync)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.pending: list[Coroutine[Any, Any, Any]] = []
        self.failed: list[str] = []

    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        self.pending.append(coro)

    def drain(self) -> None:
        while self.pending:
            try:
                self.loop.run_until_complete(self.pending.pop(0))
            except Exception as exc:  # the bridge tells the owner; here the test reads it
                self.failed.append(str(exc))

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coro)


@pytest.fixture
def loop() -> Iterator[_Loop]:
    runner = _Loop()
    yield runner
    runner.loop.close()


def _brief(tmp_path: Path) -> Path:
    front = {
        "id": "marketer",
        "title": "Marketer",
        "function": "marketing",
        "goals": ["Grow the mailing list"],
        "tone": "Friendly",
        "tools": ["write_file", "remember", "recall", "correct"],
        "memory": {"remember": ["tone", "preferences", "customers", "decisions", "facts"]},
    }
    path = tmp_path / "marketer.md"
    path.write_text(f"---\n{yaml.safe_dump(front, sort_keys=False)}---\nWrites the newsletter.\n")
    return path


def test_the_tab_on_a_real_office_edits_pins_and_forgets_for_good(
    qtbot: QtBot, tmp_path: Path, loop: _Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ScriptedModel(say("Drafted."), say("Sent the sale email."))
    office: Office = loop.run(
        Office.open(Home.resolve(tmp_path / "home"), model=model, clock=FakeClock(MONDAY), ids=SequentialIds())
    )
    try:
        record = loop.run(office.hire(office.brief_for(str(_brief(tmp_path))), name="Mia", team="marketing"))
        mia = office.memory_profile("Mia")
        tone = loop.run(office.memory.remember(mia, "tone", "Warm and playful, never corporate.", pinned=True))
        acme = loop.run(office.memory.remember(mia, "preferences", "Acme Bakery wants emails on Tuesday mornings."))
        sale = loop.run(
            office.memory.remember(mia, "decisions", "The spring sale runs at 15% off.", decided_by="owner")
        )
        crew = loop.run(office.memory.remember(mia, "facts", "The team signs off as The Bakery.", team=True))
        loop.run(office.assign("Mia", "Write the Acme Bakery newsletter for Tuesday"))
        loop.run(office.run(until_idle=True))

        panel = EmployeePanel(
            record.id, on_send=lambda text: None, memory=MemoryCommands(record.id, lambda: office, loop.spawn)
        )
        qtbot.addWidget(panel)
        panel.resize(760, 720)
        panel.show()
        tab = panel.memory
        assert tab is not None and panel.tabs.tabText(panel.tabs.count() - 1) == "Memory"
        panel.tabs.setCurrentWidget(tab)  # showing the tab reads the memories
        loop.drain()
        assert tab.loaded
        assert tab.layer_ids("facts") == [tone.memory.id, acme.memory.id]
        assert tab.layer_ids("decisions") == [sale.memory.id] and tab.layer_ids("team") == [crew.memory.id]
        ((step, lines),) = tab.given_lines()  # one model request, and what it was given
        assert "Drafted." in step and any("Acme Bakery wants emails" in line for line in lines)
        assert any("Warm and playful" in line for line in lines)
        QApplication.processEvents()  # lay out the new rows before the screenshot
        panel.grab().save(str(tmp_path / "memory-tab.png"))
        Path("/tmp/memory-tab.png").write_bytes((tmp_path / "memory-tab.png").read_bytes())

        assert tab.crowded.isHidden()
        tab.select(acme.memory.id)
        tab.pin_button.click()
        loop.drain()
        assert loop.run(office.memory.get(acme.memory.id)).pinned  # durable: a row in the database
        assert tab.crowded.isHidden()  # two pinned: both given with every task
        extra = [loop.run(office.memory.remember(mia, "facts", f"Branch {n} opens at {n + 7}", pinned=True))
                 for n in range(5)]  # fmt: skip
        tab.search.returnPressed.emit()  # a fresh read (what any change brings)
        loop.drain()
        assert not tab.crowded.isHidden() and "7 memories are meant for every task" in tab.crowded.text()
        assert "select one, Unpin" in tab.crowded.text()
        for kept in extra:
            loop.run(office.memory.set_pinned(mia, kept.memory.id, False))
        tab.select(acme.memory.id)
        tab.edit_selected("Acme Bakery wants emails on Wednesday afternoons.")
        loop.drain()
        (new,) = [m for m in loop.run(office.memory.listing(mia)) if "Wednesday" in m.text]
        old = loop.run(office.memory.get(acme.memory.id))
        assert new.source == "owner" and new.pinned and old.superseded_by == new.id
        assert new.id in tab.layer_ids("facts") and acme.memory.id not in tab.layer_ids("facts")

        tab.search.setText("signs off")
        tab.search.returnPressed.emit()
        loop.drain()
        assert tab.layer_ids("team") == [crew.memory.id] and tab.layer_ids("facts") == []
        tab.select(crew.memory.id)
        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        tab.forget_button.click()
        loop.drain()
        assert loop.run(office.memory.get(crew.memory.id)) is None  # gone for good
        assert tab.layer_ids("team") == [] and "0 found" in tab.count.text()
        tab.search.clear()  # cleared: everything again
        loop.drain()
        assert tab.layer_ids("decisions") == [sale.memory.id]
        (_, lines), *_ = tab.given_lines()
        assert f"[{crew.memory.id}] (forgotten since)" in lines  # the step was given it; its text is gone

        monkeypatch.setattr("app.memory_rows.LIST_LIMIT", 2)  # a long memory: the newest (pinned first) only
        tab.follow(("step_a", "finished"))
        loop.drain()
        assert sum(len(tab.layer_ids(layer)) for layer in ("facts", "decisions", "journal", "team")) == 2
        assert set(tab.layer_ids("facts")) == {tone.memory.id, new.id}  # both pinned: always among the shown
        assert tab.count.text() == "the 2 newest shown: search for older ones"
        monkeypatch.undo()

        # She works on while the tab is open: her next step shows what it was given, without a visit.
        loop.run(office.assign("Mia", "Email the spring sale to Acme Bakery"))
        loop.run(office.run(until_idle=True))
        model.assert_complete()
        (latest,) = loop.run(office.history.steps(record.id, latest=1))
        tab.follow((latest.id, latest.status))  # what the window passes on each of her events
        tab.follow((latest.id, latest.status))  # the same step again (streamed text, a status): no new read
        assert len(loop.pending) == 1
        loop.drain()
        assert [step.split(" · ")[0] for step, _ in tab.given_lines()] == ["Sent the sale email.", "Drafted."]
        # `headcount remember` in a terminal: no event reaches this process; the open tab reads again on its own.
        assert tab.reread.isActive()
        terminal = loop.run(office.memory.remember(mia, "facts", "The shop opens at eight on Saturdays."))
        tab.reread.timeout.emit()  # what its timer does every few seconds
        loop.drain()
        assert terminal.memory.id in tab.layer_ids("facts")
        panel.tabs.setCurrentIndex(0)  # another tab in front: the Memory tab reads nothing
        assert not tab.reread.isActive()
        tab.follow(("step_later", "finished"))
        assert loop.pending == []
        assert loop.failed == []
    finally:
        loop.run(office.close())


def test_a_row_is_dated_where_its_employee_works() -> None:
    def made(kind: str, created_at: str, day: str | None = None) -> MemoryRecord:
        return MemoryRecord(
            "mem_1", "emp_1", None, kind, "", "Some words", "", "", "owner", None, day, 0.5, False, None, created_at
        )

    evening = to_row(made("decisions", "2026-01-06T03:30:00+00:00"), "America/Los_Angeles")
    assert (evening.day, evening.when) == ("2026-01-05", "2026-01-05 19:30")  # Monday evening there, not Tuesday
    assert to_row(made("decisions", "2026-01-06T03:30:00+00:00"), "UTC").day == "2026-01-06"
    # a journal entry is written in its day's last second there, which is the next day in UTC: it keeps its own
    entry = to_row(made("journal", "2026-01-06T07:59:59+00:00", day="2026-01-05"), "America/Los_Angeles")
    assert entry.day == "2026-01-05"
