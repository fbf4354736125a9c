"""What `run` says about work it cannot do, end to end, each command in its own process: a ceiling one turn
cannot fit, a brief that no longer loads. (Apart from test_cli.py, which the house check runs at an odd hour
under a time limit.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine.clock import OFFSET_ENV
from tests.engine.test_cli import OFFSET, ROOT, headcount


def test_a_turn_over_its_ceiling_says_which_ceiling_to_raise(tmp_path: Path) -> None:
    """A per-turn ceiling is not freed by a new day or a one-off raise: the hint names the ceiling that is."""
    home = tmp_path / "home"
    headcount(home, "hire", "assistant", "--name", "Ada")
    headcount(home, "call-in", "Ada", "--hours", "8")
    headcount(home, "budget", "simulate", "gpt-4o-mini")  # rehearsal spend priced, so ceilings bite
    # The price is kept with the choice: a command in this office does not load litellm to look it up again
    # (each took 3.5 s here when it did).
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), OFFSET_ENV: OFFSET}
    code = (
        "import sys, contextlib, io\nfrom app.launcher import main\n"
        "argv = ['budget', 'set', 'Ada', '--per-turn', '0.000001']\n"
        "with contextlib.redirect_stdout(io.StringIO()): code = main(argv)\n"
        "print(code, 'litellm' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    assert result.stdout.strip() == "0 False", result.stdout + result.stderr
    headcount(home, "assign", "Ada", "Plan the week")
    held = headcount(home, "run").stdout
    assert "Raise that ceiling: headcount budget set Ada --per-turn AMOUNT" in held and "--once" not in held
    headcount(home, "budget", "set", "Ada", "--per-turn", "5")  # as the hint says
    assert "waits for your review: Plan the week" in headcount(home, "run").stdout


def test_someone_whose_brief_breaks_is_told_about_and_can_be_let_go(tmp_path: Path) -> None:
    """The owner edits a hired employee's brief badly: every command says which file, line and field, and
    dismissing them still works (it said 'no employee called Ada')."""
    home = tmp_path / "home"
    roles = home / "briefs" / "roles"
    roles.mkdir(parents=True)
    brief = roles / "clerk.md"
    brief.write_text(
        "---\nid: clerk\ntitle: Clerk\nfunction: ops\ngoals: [File]\ntone: plain\ntools: [read_file]\n---\nFiles.\n"
    )
    headcount(home, "hire", "clerk", "--name", "Ada")
    headcount(home, "assign", "Ada", "File the receipts")
    brief.write_text(brief.read_text().replace("function: ops", "function: wizard"))
    shown = headcount(home, "roster").stdout
    assert "cannot work: see its brief" in shown and "clerk.md:4: field 'function'" in shown
    refused = headcount(home, "assign", "Ada", "Another thing", ok=False)
    assert "Ada cannot work until their brief is fixed" in refused.stderr and "clerk.md:4" in refused.stderr
    held = headcount(home, "run").stdout  # the work they hold is named, with what frees it
    assert "Ada cannot work until their brief is fixed: File the receipts. " in held and "clerk.md:4" in held
    assert "headcount dismiss Ada" in held
    assert "Ada has left. 1 open task cancelled" in headcount(home, "dismiss", "Ada").stdout
    assert json.loads(headcount(home, "roster", "--json").stdout) == []


def test_a_daily_ceiling_below_one_call_says_no_new_day_frees_it() -> None:
    """$0.05 a day where one call may cost $0.11: "retried when a new budget day begins" never comes true."""
    from engine.cli import explain_held
    from engine.guardrails.budget import Refusal
    from engine.office import Held

    short = Refusal("employee:e1", "day", 0.05, 0.0, 0.0, 0.1142, label="employee Lu").reason()
    assert "no new day frees it (set it above $0.11" in short
    (line,) = explain_held([Held("Lu", "over_budget", "t1", "Plan", short)])
    assert "Raise that ceiling: headcount budget set Lu --per-day AMOUNT" in line and "new budget day" not in line
    spent = Refusal("employee:e1", "day", 0.50, 0.45, 0.0, 0.1142, label="employee Lu").reason()
    assert "no new day" not in spent  # tomorrow frees this one, and the hint says so
    (line,) = explain_held([Held("Lu", "over_budget", "t1", "Plan", spent)])
    assert "retries it when a new budget day begins" in line
