"""The team commands end to end, each in its own process: sprint, approve, board, reassign, summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.engine.test_cli import headcount


def test_a_sprint_from_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    headcount(home, "hire-team", "legal")
    planned = headcount(home, "sprint", "legal", "Review the supplier NDA", "--days", "2").stdout
    sprint_id = re.search(r"Sprint (\S+) of legal", planned)
    assert sprint_id is not None and "proposed" in planned and "headcount sprint approve" in planned
    assert json.loads(headcount(home, "tasks", "--json").stdout) == []  # nothing before approval
    headcount(home, "sprint", "approve", sprint_id.group(1))
    cards = json.loads(headcount(home, "board", "legal", "--json").stdout)
    assert [c["key"] for c in cards] == ["brief", "part1", "ship"]
    assert [c["column"] for c in cards] == ["backlog", "backlog", "backlog"] and cards[0]["task_id"]
    other = next(c["owner"] for c in cards if c["key"] == "part1")
    moved = headcount(home, "reassign", cards[0]["task_id"], other).stdout
    assert f"now {other}'s" in moved
    summary = headcount(home, "summary", "legal").stdout
    assert "## Shipped" in summary and "saved to" in summary
    refused = headcount(home, "reassign", cards[0]["task_id"], "nobody", ok=False)
    assert refused.returncode == 1 and "not on the team" in refused.stderr
