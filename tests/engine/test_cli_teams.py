"""The team commands end to end, each in its own process: sprint, approve, board, reassign, summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.engine.test_cli import headcount


def test_a_sprint_from_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    headcount(home, "hire-team", "legal")
    first = headcount(home, "sprint", "legal", "Review every contract", "--days", "2").stdout
    turned_down = re.search(r"Sprint (\S+) of legal", first).group(1)  # type: ignore[union-attr]
    assert "sprint reject" in first and len(json.loads(headcount(home, "board", "legal", "--json").stdout)) == 3
    assert "rejected" in headcount(home, "sprint", "reject", turned_down).stdout
    assert json.loads(headcount(home, "board", "legal", "--json").stdout) == []  # its cards left the backlog
    late = headcount(home, "sprint", "approve", turned_down, ok=False)
    assert late.returncode == 1 and "is rejected, not proposed" in late.stderr
    planned = headcount(home, "sprint", "legal", "Review the supplier NDA", "--days", "2").stdout
    sprint_id = re.search(r"Sprint (\S+) of legal", planned)
    assert sprint_id is not None and "proposed" in planned and "headcount sprint approve" in planned
    again = headcount(home, "sprint", "reject", sprint_id.group(1)).stdout  # still proposed: can go too
    assert "rejected" in again
    planned = headcount(home, "sprint", "legal", "Review the supplier NDA", "--days", "2").stdout
    sprint_id = re.search(r"Sprint (\S+) of legal", planned)
    assert sprint_id is not None
    assert json.loads(headcount(home, "tasks", "--json").stdout) == []  # nothing before approval
    assert headcount(home, "tasks").stdout.startswith("No tasks yet.")  # said, not an empty screen
    headcount(home, "sprint", "approve", sprint_id.group(1))
    cards = json.loads(headcount(home, "board", "legal", "--json").stdout)
    assert [c["key"] for c in cards] == ["brief", "part1", "ship"]
    assert [c["column"] for c in cards] == ["backlog", "backlog", "backlog"] and cards[0]["task_id"]
    other = next(c["owner"] for c in cards if c["key"] == "part1")
    moved = headcount(home, "reassign", cards[0]["task_id"], other).stdout
    assert f"now {other}'s" in moved
    shown = headcount(home, "board", "legal").stdout  # the text board lists the ids the commands take
    assert cards[0]["task_id"] in shown
    waiting = next(c for c in cards if not c["task_id"])  # waits on the brief: a card with no task yet
    assert waiting["id"] in shown
    early = headcount(home, "reassign", waiting["id"], other, ok=False)
    assert early.returncode == 1 and "has no task yet" in early.stderr
    by_card = headcount(home, "reassign", cards[0]["id"], other).stdout  # a card's id stands for its task
    assert f"now {other}'s" in by_card
    summary = headcount(home, "summary", "legal").stdout
    assert "## Shipped" in summary and "saved to" in summary
    refused = headcount(home, "reassign", cards[0]["task_id"], "nobody", ok=False)
    assert refused.returncode == 1 and "not on the team" in refused.stderr


def test_the_owner_edits_a_plan_then_splits_and_escalates_from_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    headcount(home, "hire-team", "legal")
    planned = headcount(home, "sprint", "legal", "Review the supplier NDA", "--days", "2").stdout
    sprint_id = re.search(r"Sprint (\S+) of legal", planned).group(1)  # type: ignore[union-attr]
    plan = json.loads(headcount(home, "sprint", "show", sprint_id, "--json").stdout)
    plan["tasks"] = plan["tasks"][:1]
    plan["tasks"][0]["title"] = "Read the NDA closely"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"tasks": [{**plan["tasks"][0], "depends_on": ["nope"]}]}))
    refused = headcount(home, "sprint", "edit", sprint_id, "--file", str(bad), ok=False)
    assert refused.returncode == 1 and "depends on unknown task 'nope'" in refused.stderr
    good = tmp_path / "plan.json"
    good.write_text(json.dumps(plan))
    shown = headcount(home, "sprint", "edit", sprint_id, "--file", str(good)).stdout
    assert "Read the NDA closely" in shown and "ship" not in shown
    headcount(home, "sprint", "approve", sprint_id)
    (card,) = json.loads(headcount(home, "board", "legal", "--json").stdout)
    split = headcount(home, "split", card["task_id"], "Skim it", "Mark the risky clauses").stdout
    halves = re.findall(r"task_\w+", split.split("into", 1)[1])
    assert len(halves) == 2
    hint = headcount(home, "escalate", halves[1], "Is clause 7 acceptable?").stdout
    answer = re.search(r"`headcount (resume .+)`", hint)
    assert answer is not None and "--note" in answer.group(1)
    columns = {c["title"]: c["column"] for c in json.loads(headcount(home, "board", "legal", "--json").stdout)}
    assert columns == {"Skim it": "backlog", "Mark the risky clauses": "waiting_owner"}


def test_team_names_are_checked_where_the_owner_types_them(tmp_path: Path) -> None:
    """A team id names a folder: never a path out of the office; an unknown team is named as such."""
    home = tmp_path / "home"
    escape = headcount(home, "hire", "assistant", "--team", "../../escape", ok=False)
    assert escape.returncode == 1 and "a team id is lowercase like 'marketing'" in escape.stderr
    assert not (tmp_path / "escape").exists() and json.loads(headcount(home, "roster", "--json").stdout) == []
    for command in (["summary", "legal"], ["board", "legal"], ["summary", "../../escape"]):
        refused = headcount(home, *command, ok=False)
        assert refused.returncode == 1 and "no team is hired yet" in refused.stderr, refused.stderr
    headcount(home, "hire-team", "legal")
    again = headcount(home, "hire-team", "legal", ok=False)
    assert again.returncode == 1 and "team legal is already hired" in again.stderr
    assert len(json.loads(headcount(home, "roster", "--json").stdout)) == 2  # the team once, not twice
    for name in ("legal", "Office"):  # `budget set legal` must not mean two things
        clash = headcount(home, "hire", "assistant", "--name", name, ok=False)
        assert clash.returncode == 1 and "already names" in clash.stderr
    clash = headcount(home, "hire", "assistant", "--team", "ada", ok=False)  # Ada is in legal
    assert clash.returncode == 1 and "has the name of an employee" in clash.stderr
    clash = headcount(home, "hire", "assistant", "--team", "approve", ok=False)  # `sprint approve ID` reads it
    assert clash.returncode == 1 and "a word the commands use" in clash.stderr
    wrong = headcount(home, "summary", "marketing", ok=False)
    assert wrong.returncode == 1 and "no team 'marketing' (teams: legal)" in wrong.stderr
    assert not (home / "teams" / "marketing").exists() and not (tmp_path / "escape").exists()


def test_a_team_whose_role_does_not_load_is_not_hired_by_half(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "briefs" / "roles").mkdir(parents=True)  # the owner's own roles override the shipped ones by id
    broken = "---\nid: compliance-checker\ntitle: Compliance checker\nfunction: wizard\ngoals: [Check]\n---\nChecks.\n"
    (home / "briefs" / "roles" / "compliance-checker.md").write_text(broken, encoding="utf-8")
    refused = headcount(home, "hire-team", "legal", ok=False)
    assert refused.returncode == 1 and "team legal cannot be hired until its roles load" in refused.stderr
    assert "compliance-checker.md:4: field 'function'" in refused.stderr  # the file, line and field to fix
    assert json.loads(headcount(home, "roster", "--json").stdout) == []  # nobody: not half a team


def test_auto_approval_is_switched_alone_and_options_go_anywhere_among_the_words(tmp_path: Path) -> None:
    """`sprint TEAM --auto on` asked for a goal: turning the switch meant planning a sprint."""
    home = tmp_path / "home"
    headcount(home, "hire-team", "legal")
    assert "approved without asking" in headcount(home, "sprint", "legal", "--auto", "on").stdout
    assert json.loads(headcount(home, "board", "legal", "--json").stdout) == []  # nothing was planned
    planned = headcount(home, "sprint", "legal", "--days", "2", "Review the supplier NDA").stdout
    assert "Review the supplier NDA" in planned and ", active" in planned  # approved without asking
    assert "proposed to you" in headcount(home, "sprint", "--auto", "off", "legal").stdout
    planned = headcount(home, "sprint", "legal", "--auto", "off", "Review the lease").stdout
    assert "Review the lease" in planned and ", proposed" in planned
    unknown = headcount(home, "sprint", "legla", "--auto", "on", ok=False)
    assert unknown.returncode == 1 and "no team 'legla' (teams: legal)" in unknown.stderr
    bare = headcount(home, "sprint", "legal", ok=False)
    assert bare.returncode == 1 and 'headcount sprint legal "GOAL"' in bare.stderr
