"""The headless CLI, as a user runs it: real processes, a temporary home, rehearsal mode."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.clock import OFFSET_ENV
from tests.engine.conftest import BriefWriter, OfficeFactory

ROOT = Path(__file__).resolve().parents[2]
# Every command runs on the office clock, started at a Sunday 03:00 (the assistant keeps London office
# hours), so these tests mean the same at any hour: the clock goes on from there across processes.
SUNDAY_3AM = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
OFFSET = str((SUNDAY_3AM - datetime.now(UTC)).total_seconds())


def headcount(home: Path, *args: str, ok: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), OFFSET_ENV: OFFSET}
    result = subprocess.run(
        [sys.executable, "-m", "app.launcher", *args], capture_output=True, text=True, env=env, timeout=180,
        input=stdin,
    )  # fmt: skip
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An office where Ada (assistant) finished one task in rehearsal mode."""
    home = tmp_path_factory.mktemp("cli") / "home"
    headcount(home, "hire", "assistant", "--name", "Ada")
    headcount(home, "assign", "Ada", "Draft a reply to a customer asking about our opening hours")
    idle = headcount(home, "run").stdout  # Sunday 03:00: nobody is on duty, and run says so
    assert "Ada is off duty until Mon 07 Dec" in idle and "headcount call-in Ada" in idle
    headcount(home, "call-in", "Ada", "--hours", "24")  # kept in the database for the next process
    run = headcount(home, "run")
    assert "[rehearsal]" in run.stdout and "write_file" in run.stdout
    return home


def test_roster_json(worked: Path) -> None:
    (row,) = json.loads(headcount(worked, "roster", "--json").stdout)
    assert {row["name"], row["role"], row["rehearsal"]} == {"Ada", "assistant", True}
    assert {"id", "name", "role", "status"} <= set(row)


def test_log_json_lists_durable_steps(worked: Path) -> None:
    steps = json.loads(headcount(worked, "log", "Ada", "--json").stdout)
    assert [s["kind"] for s in steps][:2] == ["model", "tool"]
    assert {"step_id", "kind", "status", "attempt", "tool", "cost_usd"} <= set(steps[0])
    assert all(s["status"] == "finished" and s["attempt"] == 1 for s in steps)
    assert all(s["rehearsal"] for s in steps if s["kind"] == "model")
    assert sum(s["cost_usd"] for s in steps) == 0
    assert "write_file" in {s["tool"] for s in steps}
    text = headcount(worked, "log", "Ada").stdout
    assert "(rehearsal)" in text


def test_probation_review_and_accept(worked: Path) -> None:
    (item,) = json.loads(headcount(worked, "review", "--json").stdout)
    assert item["employee"] == "Ada" and "[Rehearsal]" in item["content"]
    headcount(worked, "accept", item["id"])
    assert json.loads(headcount(worked, "review", "--json").stdout) == []
    assert [t["status"] for t in json.loads(headcount(worked, "tasks", "--json").stdout)] == ["done"]


def test_budget_json_and_ceilings(worked: Path) -> None:
    headcount(worked, "budget", "set", "Ada", "--per-turn", "0.1", "--per-day", "2")
    report = json.loads(headcount(worked, "budget", "--json").stdout)
    (ada,) = report["employees"]
    assert ada["per_day_usd"] == 2.0 and ada["per_turn_usd"] == 0.1 and ada["today"] == 0
    assert report["office"]["scope"] == "office"


def test_audit_verifies_exports_and_catches_tampering(worked: Path, tmp_path: Path) -> None:
    assert "intact" in headcount(worked, "audit", "verify").stdout
    out = tmp_path / "audit.csv"
    headcount(worked, "audit", "export", "--format", "csv", "--out", str(out))
    assert "model_call" in out.read_text() and "tool_call" in out.read_text()
    copy = tmp_path / "tampered"
    subprocess.run(["cp", "-r", str(worked), str(copy)], check=True)
    with sqlite3.connect(copy / "headcount.db") as conn:
        conn.execute("UPDATE audit SET data = replace(data, 'write_file', 'read_file') WHERE kind = 'tool_call'")
    result = headcount(copy, "audit", "verify", ok=False)
    assert result.returncode == 1 and "contents changed after it was written" in result.stdout


def test_catalog_json_shape() -> None:
    data = json.loads(headcount(Path("/nonexistent-unused"), "catalog", "--json").stdout)
    teams = {t["id"]: t for t in data["teams"]}
    assert {"marketing", "sales", "support", "ops", "legal", "assistant"} <= set(teams)
    assert sum(len(t["roles"]) for t in data["teams"]) >= 16
    assert all(t["lead"] in {r["id"] for r in t["roles"]} for t in data["teams"])


def test_hire_team_and_clear_errors(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = headcount(home, "hire-team", "marketing").stdout
    assert "(lead)" in out and out.count("Hired") >= 3
    bad = tmp_path / "bad.md"
    bad.write_text("---\nid: bad\ntitle: Bad\nfunction: ops\ngoal: [x]\n---\nbody\n")
    result = headcount(home, "hire", str(bad), ok=False)
    assert result.returncode == 1
    assert "bad.md:5" in result.stderr and "did you mean 'goals'" in result.stderr
    result = headcount(home, "assign", "Nobody", "hello", ok=False)
    assert result.returncode == 1 and "no employee called 'Nobody'" in result.stderr


def test_hours_shows_what_applies_whose_it_is_and_until_when(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")  # times are shown in this machine's zone
    home = tmp_path / "home"
    headcount(home, "hire", "assistant", "--name", "Ada")
    headcount(home, "hire", "bookkeeper", "--name", "Bo")
    # Sunday 03:00 on the office clock: both keep London office hours (their briefs' own).
    assert headcount(home, "hours").stdout.splitlines() == [
        "Ada  mon-fri 08:00-18:00 (Europe/London), from the brief; off duty until Mon 07 Dec 08:00 UTC",
        "Bo   mon-fri 09:00-17:00 (Europe/London), from the brief; off duty until Mon 07 Dec 09:00 UTC",
    ]
    weekend = headcount(home, "hours", "--window", "sat,sun 00:00-24:00", "--tz", "UTC").stdout
    assert "Bo   sat,sun 00:00-24:00 (UTC), set by you for everyone; on duty until Mon 07 Dec 00:00 UTC" in weekend
    ada = headcount(home, "hours", "ada", "--window", "mon-fri 09:00-17:00", "--tz", "America/New_York").stdout
    assert (
        ada == "Ada  mon-fri 09:00-17:00 (America/New_York), set by you for them; off duty until Mon 07 Dec 14:00 UTC\n"
    )
    back = headcount(home, "hours", "Ada", "--brief").stdout  # back to the office's hours, not the brief's
    assert back == "Ada  sat,sun 00:00-24:00 (UTC), set by you for everyone; on duty until Mon 07 Dec 00:00 UTC\n"
    wrong = headcount(home, "hours", "--window", "mon-fri 09:00-25:00", "--tz", "UTC", ok=False)
    assert wrong.returncode != 0 and wrong.stderr.strip() == (
        "headcount hours: expected times between 00:00 and 24:00 in 'mon-fri 09:00-25:00', got '25:00'"
    )


@pytest.mark.parametrize(("stop", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "kill"])
def test_ctrl_c_or_kill_puts_the_task_in_hand_back_in_the_queue_and_says_so(
    tmp_path: Path, stop: signal.Signals, code: int
) -> None:
    """Ctrl-C, or a plain `kill PID` (a service manager, job control): a stop, not a crash."""
    from engine.office.recovery import STOPPED

    home = tmp_path / "home"
    headcount(home, "hire", "assistant", "--name", "Ada")
    headcount(home, "call-in", "Ada", "--hours", "8")
    headcount(home, "assign", "Ada", "Write a welcome note for new customers")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), OFFSET_ENV: OFFSET}
    env["HEADCOUNT_REHEARSAL_PACE"] = "1"  # a word a second: the task is in hand for minutes
    command = [sys.executable, "-m", "app.launcher", "run"]

    def as_in_a_terminal() -> None:  # a background job of a script (as CI runs this suite) ignores Ctrl-C
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True, "env": env}
    with subprocess.Popen(command, preexec_fn=as_in_a_terminal, **popen) as run:  # type: ignore[call-overload]
        assert run.stdout is not None
        said: list[str] = []
        for line in run.stdout:  # until the task is in hand (a warning may come first)
            said.append(line)
            if "task running: Write a welcome note" in line:
                break
        assert "task running" in said[-1], said
        run.send_signal(stop)  # the owner's Ctrl-C, or kill
        said += run.stdout.readlines()
        assert run.wait(timeout=60) == code, said
    assert said[-1].strip() == (
        "Stopped. Back in the queue: Ada: Write a welcome note for new customers. "
        "The next `headcount run` goes on from the last saved step."
    ), said
    # Nobody shows as working once the process has gone: the task waits for the next run.
    (task,) = json.loads(headcount(home, "tasks", "--json").stdout)
    assert (task["status"], task["reason"]) == ("queued", STOPPED)
    (row,) = json.loads(headcount(home, "roster", "--json").stdout)
    assert (row["status"], row["current_task"]) == ("idle", None)
    # Said as a stop, never as a crash: in the log file and in the audit log.
    logged = (home / "logs" / "headcount.log").read_text()
    assert "the office stopped at the owner's request" in logged and "crash" not in logged, logged
    (audited,) = headcount(home, "audit", "show", "--kind", "task_recovered").stdout.splitlines()
    assert audited.endswith(f"{task['id']} back in the queue, the office stopped at the owner's request "
                            "(Ctrl-C, kill, the window closed)"), audited  # fmt: skip


def test_help_does_not_import_litellm_or_qt() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; from app.launcher import main; import contextlib, io\n" \
           "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()): main(['--help'])\n" \
           "print(sorted(m for m in ('litellm', 'PySide6', 'panda3d') if m in sys.modules))"  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.strip() == "[]", result.stderr


def test_run_imports_litellm_beside_the_opening_office_and_no_alembic_or_keyring_plugin(tmp_path: Path) -> None:
    """`run` starts litellm's import once the office's own code is in (both are Python under one GIL, so
    together they only slow the office's path); by the first model call, with the schema at head, neither
    Alembic nor keyring's plugins (keyrings.alt and its cipher library) were imported."""
    home = tmp_path / "home"
    headcount(home, "hire", "assistant", "--name", "Ada")
    headcount(home, "call-in", "Ada", "--hours", "24")
    headcount(home, "assign", "Ada", "Say hello")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), OFFSET_ENV: OFFSET}
    code = (
        "import contextlib, io, json, sys\n"
        "import engine.llm.client as client, engine.llm.provider as provider\n"
        "seen = {}\n"
        "def loaded(*names): return sorted(m for m in names if m in sys.modules)\n"
        "prewarm, complete = provider.prewarm, client.LiteLLMClient.complete\n"
        "def early():\n"
        "    seen.setdefault('prewarm', loaded('engine.office.front', 'engine.connections', 'sqlalchemy'))\n"
        "    prewarm()\n"
        "async def first(self, request):\n"
        "    seen.setdefault('step', loaded('alembic', 'keyrings.alt', 'Crypto'))\n"
        "    return await complete(self, request)\n"
        "provider.prewarm, client.LiteLLMClient.complete = early, first\n"
        "from app.launcher import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): code = main(['run'])\n"
        "print(code, json.dumps(seen, sort_keys=True))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    expected = '0 {"prewarm": ["engine.connections", "engine.office.front", "sqlalchemy"], "step": []}'
    assert result.stdout.strip() == expected, result.stdout + result.stderr


READ_ONLY = (["roster"], ["tasks"], ["log", "Ada"], ["approvals"], ["budget"], ["catalog"], ["review"])
# httpx (apps, OAuth) and every other command's module stay off the read-only path too (issue 16), and so do
# SQLAlchemy (the rows are read with sqlite3), the office's parts and the brief parser (YAML, pydantic): what
# a brief says is kept by the office when it seats someone, and the catalog between runs.
HEAVY = ("litellm", "panda3d", "direct", "alembic", "PySide6", "qasync", "httpx", "authlib", "mcp", "caldav")
HEAVY += ("aiosmtplib", "engine.cli_connect", "engine.cli_apps", "engine.cli_memory", "engine.cli_teams")
HEAVY += ("sqlalchemy", "pydantic", "yaml", "jsonschema", "keyring", "cryptography", "engine.office.front")
HEAVY += ("engine.connections", "engine.loop", "engine.secrets", "engine.guardrails.checks", "engine.memory")
HEAVY += ("engine.tools.registry", "engine.briefs.model", "engine.briefs.loader", "engine.audit", "engine.logs")


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: c[0])
def test_read_only_commands_import_nothing_heavy(worked: Path, command: list[str]) -> None:
    """Showing what is stored needs no model library, no renderer, no migration tool, no SQLAlchemy and
    no brief parsed again (once the office or a first `catalog` has kept what the briefs say)."""
    headcount(worked, *command)  # a first `catalog` keeps what it parsed
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(worked), OFFSET_ENV: OFFSET}
    code = (
        "import sys, contextlib, io\n"
        "from app.launcher import main\n"
        "out = io.StringIO()\n"
        f"with contextlib.redirect_stdout(out): code = main({command!r})\n"
        f"print(code, out.getvalue().count('\\n') > 0, sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    assert result.stdout.strip() == "0 True []", result.stdout + result.stderr


def test_roster_and_budget_over_the_owners_hours_and_queued_work_import_nothing_heavy(tmp_path: Path) -> None:
    """Deciding whether queued work waits for a shift, under the owner's hours, needs no pydantic either."""
    home = tmp_path / "home"
    headcount(home, "hire", "assistant", "--name", "Ada")
    headcount(home, "hours", "--window", "mon-fri 09:00-17:00", "--tz", "Asia/Tokyo")
    headcount(home, "assign", "Ada", "Sort the inbox")  # Sunday noon in Tokyo: it waits for Monday
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), OFFSET_ENV: OFFSET}
    for command in (["roster", "--json"], ["budget", "--json"]):
        code = (
            "import sys, contextlib, io\n"
            "from app.launcher import main\n"
            "out = io.StringIO()\n"
            f"with contextlib.redirect_stdout(out): code = main({command!r})\n"
            f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
            "print(out.getvalue())"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
        first, _, shown = result.stdout.partition("\n")
        assert first == "0 []", result.stdout + result.stderr
        if command[0] == "roster":
            assert [row["status"] for row in json.loads(shown)] == ["off_duty"]


def test_catalog_opens_no_database_and_no_keyring(tmp_path: Path) -> None:
    """`catalog` reads brief files only: no SQLAlchemy, no office, no keyring or key-file crypto."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(tmp_path / "home")}
    code = (
        "import sys, contextlib, io\n"
        "from app.launcher import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): code = main(['catalog'])\n"
        "print(code, sorted(m for m in ('sqlalchemy', 'engine.office', 'keyring', 'cryptography', 'httpx')"
        " if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    assert result.stdout.strip() == "0 []", result.stdout + result.stderr


def test_catalog_kept_between_runs_follows_the_owners_files(tmp_path: Path) -> None:
    """`catalog` answers from what it kept only while no catalog file changed: a role the owner adds,
    breaks or removes shows at once, warnings included."""
    home = tmp_path / "home"
    first = headcount(home, "catalog", "--json").stdout
    assert headcount(home, "catalog", "--json").stdout == first  # the second from what was kept
    roles = home / "briefs" / "roles"
    roles.mkdir(parents=True)
    text = (ROOT / "briefs" / "roles" / "assistant.md").read_text(encoding="utf-8")
    (roles / "my-helper.md").write_text(text.replace("id: assistant", "id: my-helper"), encoding="utf-8")
    assert "my-helper" in headcount(home, "catalog").stdout
    (roles / "my-helper.md").write_text(text.replace("id: assistant", "id: my-helper").replace("goals:", "goal:"))
    for _ in range(2):  # parsed, then kept: the warning says the same both times
        result = headcount(home, "catalog")
        assert "my-helper" not in result.stdout and "my-helper.md" in result.stderr and "goals" in result.stderr
    (roles / "my-helper.md").unlink()
    assert headcount(home, "catalog", "--json").stdout == first


def test_command_table_names_what_each_module_adds() -> None:
    """engine.cli loads a command's module by this table; a command missing from it could not be run."""
    import argparse
    import importlib

    from engine.cli import COMMAND_MODULES, CORE_COMMANDS, build_parser, command_of

    for module_name, names in COMMAND_MODULES.items():
        module = importlib.import_module(module_name)
        sub = argparse.ArgumentParser().add_subparsers()
        (getattr(module, "add_commands", None) or module.add_command)(sub)
        assert sorted(sub.choices) == sorted(names), module_name
    full = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    listed = set(CORE_COMMANDS).union(*COMMAND_MODULES.values())
    assert set(full) == listed
    assert command_of(["--home", "/x", "budget", "raise"]) == "budget"
    assert command_of(["--home=/x", "roster"]) == "roster"
    assert command_of(["rooster"]) is None and command_of(["--help"]) is None and command_of([]) is None


def test_new_role_from_answers_then_hire_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    answers = "Grant writer\ncustom\nFind three grants a month\nDraft every application\n\n\n\n"
    out = headcount(home, "new-role", stdin=answers).stdout
    assert "Wrote" in out and "headcount hire grant-writer" in out
    brief = home / "briefs" / "roles" / "grant-writer.md"
    assert brief.is_file() and "Find three grants a month" in brief.read_text()
    assert "Hired Ada as Grant writer" in headcount(home, "hire", "grant-writer", "--name", "Ada").stdout
    catalog = json.loads(headcount(home, "catalog", "--json").stdout)
    assert any(r["id"] == "grant-writer" for t in catalog["teams"] for r in t["roles"])


def test_owner_domains_and_standing_approvals(worked: Path) -> None:
    headcount(worked, "domains", "add", "example.com")
    assert headcount(worked, "domains").stdout.split() == ["example.com"]
    refused = headcount(worked, "domains", "add", "https://evil.test/x", ok=False)
    assert refused.returncode == 2 and "expected a domain, not a web address" in refused.stderr
    assert "Ada no longer asks before send_email" in headcount(worked, "approvals", "auto", "Ada", "send_email").stdout
    assert (
        "Ada asks you again before send_email"
        in headcount(worked, "approvals", "auto", "Ada", "send_email", "--off").stdout
    )
    headcount(worked, "domains", "remove", "example.com")
    assert "no domains" in headcount(worked, "domains").stdout


async def test_run_names_someone_hired_while_it_works(
    make_office: OfficeFactory, write_brief: BriefWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hire from another terminal during `run --background`: its lines say the name (and rehearsal), not an id."""
    import argparse
    import asyncio

    from engine.cli import _run
    from engine.events import Event, TaskChanged
    from engine.testing import ScriptedModel, say

    office = await make_office(ScriptedModel(say("Done: the post.")))
    through = asyncio.Event()

    def finished(event: Event) -> None:
        if isinstance(event, TaskChanged) and event.status in ("done", "review"):
            through.set()

    office.bus.subscribe(finished)
    runner = asyncio.create_task(_run(office, argparse.Namespace(seconds=None, background=True)))
    await asyncio.sleep(0)  # the run has begun, with nobody on the roster
    cleo = await office.hire(office.brief_for(str(write_brief())), name="Cleo")
    await office.assign(cleo.id, "A post about the spring menu")
    await asyncio.wait_for(through.wait(), 60)
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    said = capsys.readouterr().out
    assert "Cleo: task running: A post about the spring menu" in said and cleo.id not in said, said
