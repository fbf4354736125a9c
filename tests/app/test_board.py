"""The board tab: a team's columns, "Plan a sprint", the plan to edit and approve, the weekly summary."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.board_routes import BoardRoutes
from app.panels.board import BoardCard, BoardPanel
from engine.clock import FakeClock
from engine.events import SummarySent
from engine.llm import rehearsal
from engine.llm.types import Message, ModelReply, ToolSchema
from engine.office import Office
from engine.paths import Home
from engine.testing import FunctionModel


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def teams(self) -> list[str]:
        return ["studio"]

    def attach(self, panel: BoardPanel) -> None:
        panel.set_teams(self.teams())

    def load(self, team: str) -> None:
        self.calls.append(("load", team))

    def plan(self, team: str, goal: str, days: int) -> None:
        self.calls.append(("plan", team, goal, days))

    def edit(self, sprint_id: str, plan_json: str) -> None:
        self.calls.append(("edit", sprint_id, plan_json))

    def approve(self, sprint_id: str) -> None:
        self.calls.append(("approve", sprint_id))

    def reject(self, sprint_id: str) -> None:
        self.calls.append(("reject", sprint_id))


def _items(panel: BoardPanel, column: str) -> list[str]:
    return [title for title, _, _ in panel.column_cards(column)]


def test_the_board_shows_columns_and_plans_a_sprint_with_clicks(qtbot: QtBot) -> None:
    commands = Recorder()
    told: list[tuple[str, str]] = []
    panel = BoardPanel(commands, notify=lambda t, m: told.append((t, m)))
    qtbot.addWidget(panel)
    panel.set_teams([])  # the window opened before the starter team was hired
    assert panel.message.text().startswith("No teams yet")
    panel.set_teams(["studio"])
    assert commands.calls == [("load", "studio")] and panel.message.text() == ""
    panel.show_board(
        "studio",
        [
            BoardCard("c1", "Write the brief", "Lead", "done"),
            BoardCard("c2", "Draw the banner", "Designer", "in_progress", due="2026-01-06"),
            BoardCard("c3", "Which colour?", "Writer", "waiting_owner", escalated=True),
        ],
    )
    assert panel.column_cards("done") == [("Write the brief", "Lead", "")]
    assert panel.column_cards("in_progress") == [("Draw the banner", "Designer", "2026-01-06")]
    assert _items(panel, "waiting_owner")[0].startswith("⚑ ") and _items(panel, "backlog") == []
    assert panel.columns["in_progress"].text(0) == "In progress (1)"
    assert panel.columns["backlog"].text(0) == "Backlog (0)"

    qtbot.mouseClick(panel.plan_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.ask, Qt.MouseButton.LeftButton)
    assert "Say what the sprint is for" in panel.message.text()  # nothing asked of the lead
    panel.goal.setText("Launch the newsletter")
    panel.days.setValue(3)
    qtbot.mouseClick(panel.ask, Qt.MouseButton.LeftButton)
    assert commands.calls[-1] == ("plan", "studio", "Launch the newsletter", 3)

    panel.show_plan("sprint_1", "Sprint of studio", '{"tasks": []}', "proposed")
    panel.plan_text.setPlainText('{"tasks": [1]}')
    qtbot.mouseClick(panel.save, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.approve, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.reject, Qt.MouseButton.LeftButton)
    assert commands.calls[-3:] == [
        ("edit", "sprint_1", '{"tasks": [1]}'),
        ("approve", "sprint_1"),
        ("reject", "sprint_1"),
    ]
    panel.show_plan("sprint_1", "Sprint of studio", '{"tasks": []}', "active")
    assert not panel.approve.isEnabled() and not panel.reject.isEnabled() and panel.plan_text.isReadOnly()

    panel.show_summary("studio", "# Week of studio, to 2026-01-09\n\n## Shipped\n- the brief\n", sent=True)
    assert told == [("Weekly summary: studio", "Week of studio, to 2026-01-09")]
    assert "Shipped" in panel.summary.toPlainText()


def _rehearse(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
    text, calls = rehearsal.decide(messages, tools)
    return ModelReply(text=text, tool_calls=calls, model="rehearsal", finish_reason="tool_calls" if calls else "stop")


async def test_the_board_plans_edits_and_approves_a_real_sprint(
    qtbot: QtBot, headcount_home: Path, tmp_path: Path
) -> None:
    office = await Office.open(
        Home.resolve(headcount_home),
        model=FunctionModel(_rehearse),
        clock=FakeClock(datetime(2026, 1, 5, 9, tzinfo=UTC)),
    )
    for role, title in (("lead", "Team Lead"), ("writer", "Writer"), ("designer", "Designer")):
        front = {"id": role, "title": title, "function": "ops", "goals": ["Ship"], "tone": "Plain",
                 "tools": ["read_file", "write_file"], "hours": "24/7", "probation": 0}  # fmt: skip
        path = tmp_path / f"{role}.md"
        path.write_text(f"---\n{yaml.safe_dump(front)}---\nWorks.\n")
        await office.hire(office.brief_for(str(path)), name=title.split()[-1], team="studio")
    pending: set[asyncio.Task[Any]] = set()

    def spawn(coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        pending.add(task)
        return task

    async def settle() -> None:
        while pending:
            await pending.pop()

    told: list[tuple[str, str]] = []
    routes = BoardRoutes(lambda: office, spawn)
    panel = BoardPanel(routes, notify=lambda t, m: told.append((t, m)))
    qtbot.addWidget(panel)
    panel.resize(900, 900)
    routes.attach(panel)
    office.bus.subscribe(routes.on_event)
    await settle()
    assert panel.team.currentText() == "studio" and all(not _items(panel, c) for c in panel.columns)
    try:
        # Planned from a terminal (`headcount sprint studio GOAL`): the board offers it to approve or reject here.
        elsewhere = await office.teams.plan_sprint("studio", "Plan from the terminal", days=2)
        routes.load("studio")  # what showing the tab, or the office's next event, does
        await settle()
        assert panel.sprint_id == elsewhere.sprint.id and panel.approve.isEnabled() and not panel.plan_box.isHidden()
        qtbot.mouseClick(panel.reject, Qt.MouseButton.LeftButton)
        await settle()
        assert (await office.teams.sprint(elsewhere.sprint.id)).status == "rejected"  # type: ignore[union-attr]
        qtbot.mouseClick(panel.plan_button, Qt.MouseButton.LeftButton)
        panel.goal.setText("Launch the newsletter")
        panel.days.setValue(2)
        qtbot.mouseClick(panel.ask, Qt.MouseButton.LeftButton)
        await settle()
        assert len(_items(panel, "backlog")) == 4
        turned_down = panel.sprint_id
        qtbot.mouseClick(panel.reject, Qt.MouseButton.LeftButton)
        await settle()
        assert "Rejected" in panel.message.text() and not _items(panel, "backlog")
        assert turned_down and (await office.teams.sprint(turned_down)).status == "rejected"  # type: ignore[union-attr]
        qtbot.mouseClick(panel.ask, Qt.MouseButton.LeftButton)  # the owner asks again
        await settle()
        assert not panel.plan_box.isHidden() and panel.sprint_id != turned_down
        plan = json.loads(panel.plan_text.toPlainText())
        assert [t["key"] for t in plan["tasks"]] == ["brief", "part1", "part2", "ship"]
        assert len(_items(panel, "backlog")) == 4

        plan["tasks"] = [t for t in plan["tasks"] if t["key"] != "part2"]
        plan["tasks"][-1]["depends_on"] = ["part1"]
        plan["tasks"][0]["title"] = "Write the brief, short"
        panel.plan_text.setPlainText(json.dumps({"tasks": [{**plan["tasks"][0], "owner": "Nobody"}]}))
        qtbot.mouseClick(panel.save, Qt.MouseButton.LeftButton)
        await settle()
        assert "'Nobody' is not on the team" in panel.message.text()
        panel.plan_text.setPlainText(json.dumps(plan))
        qtbot.mouseClick(panel.save, Qt.MouseButton.LeftButton)
        await settle()
        assert "Saved" in panel.message.text() and len(_items(panel, "backlog")) == 3
        assert _items(panel, "backlog")[0].startswith("Write the brief, short")

        qtbot.mouseClick(panel.approve, Qt.MouseButton.LeftButton)
        await settle()
        assert "Approved" in panel.message.text() and not panel.approve.isEnabled()
        assert [t.title for t in await office.journal.tasks()] == ["Write the brief, short"]
        await office.run(until_idle=True)
        await settle()
        assert len(_items(panel, "done")) == 3  # the board followed the work to the end

        office.bus.publish(SummarySent(team="studio", week="2026-W02", path="x.md", text="# Week of studio\n"))
        assert told == [("Weekly summary: studio", "Week of studio")]
        panel.grab().save(str(Path("/tmp") / "board-panel.png"))
    finally:
        await settle()
        await office.close()


def test_the_window_has_a_board_tab_when_the_commands_route_one(qtbot: QtBot) -> None:
    from app.state import OfficeState
    from app.window import MainWindow
    from tests.app.fakes import TODAY, populate
    from tests.app.fakes import Recorder as WindowCommands

    state = OfficeState()
    populate(state)
    commands = WindowCommands()
    commands.board = Recorder()  # type: ignore[attr-defined]
    window = MainWindow(state, commands, today=lambda: TODAY)
    qtbot.addWidget(window)
    titles = [window.side.tabText(i) for i in range(window.side.count())]
    assert "Board" in titles and window.board is not None
    assert commands.board.calls == [("load", "studio")]  # type: ignore[attr-defined]
    window.board.show_board("studio", [BoardCard("c1", "Draw the banner", "Designer", "in_progress")])
    window.side.setCurrentIndex(titles.index("Board"))
    window.show()
    qtbot.waitExposed(window)
    window.grab().save("/tmp/board-window.png")
    plain = MainWindow(state, WindowCommands(), today=lambda: TODAY)  # no board routes: no tab
    qtbot.addWidget(plain)
    assert "Board" not in [plain.side.tabText(i) for i in range(plain.side.count())]
