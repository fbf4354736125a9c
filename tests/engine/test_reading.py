"""The reading front (engine.office.reading): `roster`, `tasks`, `log`, `approvals`, `budget` and `review` say
the same as through the full office."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.clock import OFFSET_ENV
from engine.store.reading import head_revision, open_for_reading
from tests.engine.test_cli import OFFSET, ROOT, headcount, worked

__all__ = ["worked"]  # the office where Ada finished a task in rehearsal (a real run)

SHOWN = (
    ["tasks"], ["tasks", "--json"], ["tasks", "--employee", "Ada"], ["tasks", "--employee", "Ada", "--json"],
    ["log", "Ada"], ["log", "Ada", "--json"], ["roster"], ["roster", "--json"], ["approvals"],
    ["approvals", "--json"], ["approvals", "--all", "--json"], ["budget"], ["budget", "--json"], ["review"],
    ["review", "--json"],
)  # fmt: skip


def shown(home: Path, command: list[str], *, full: bool) -> tuple[str, list[str]]:
    """What `command` prints and which front answered it; `full` takes the reading front away."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), OFFSET_ENV: OFFSET}
    code = (
        "import sys, contextlib, io, json\n"
        "import engine.cli\n"
        "import engine.office.reading\n"
        f"if {full!r}: engine.office.reading.Reading.open = lambda home: None\n"
        "out = io.StringIO()\n"
        f"with contextlib.redirect_stdout(out): code = engine.cli.main({command!r})\n"
        "assert code == 0, code\n"
        "fronts = ('engine.office.front', 'engine.office.reading')\n"
        "sys.stderr.write(json.dumps(sorted(m for m in fronts if m in sys.modules)))\n"
        "sys.stdout.write(out.getvalue())"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    assert result.returncode == 0, result.stderr
    return result.stdout, json.loads(result.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("command", SHOWN, ids=" ".join)
def test_reading_front_prints_what_the_office_prints(worked: Path, command: list[str]) -> None:
    light, fronts = shown(worked, command, full=False)
    assert fronts == ["engine.office.reading"]
    heavy, fronts = shown(worked, command, full=True)
    assert "engine.office.front" in fronts
    assert light == heavy and light.strip()


def test_a_new_or_older_database_goes_through_the_full_office(tmp_path: Path) -> None:
    """No database yet, or one to migrate: the reading front steps aside and the office opens it."""
    home = tmp_path / "home"
    assert open_for_reading(home / "headcount.db") is None
    out, fronts = shown(home, ["tasks", "--json"], full=False)
    assert out.strip() == "[]" and "engine.office.front" in fronts  # created and migrated by the office
    opened = open_for_reading(home / "headcount.db")
    assert opened is not None
    opened.close()
    with sqlite3.connect(home / "headcount.db") as conn:  # as if written by an older Headcount
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    assert head_revision() != "0001" and open_for_reading(home / "headcount.db") is None
    with sqlite3.connect(home / "headcount.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (head_revision(),))
    headcount(home, "hire", "assistant", "--name", "Ada")
    _out, fronts = shown(home, ["log", "Ada"], full=False)
    assert fronts == ["engine.office.reading"]


def test_rows_read_with_sqlite3_are_the_journals(worked: Path) -> None:
    """Every read of the reading front returns what the journal's own read returns."""
    import asyncio

    from engine.store import spend
    from engine.store.approvals import read_all
    from engine.store.db import make_engine
    from engine.store.deliverables import read_deliverables
    from engine.store.journal import Journal
    from engine.store.settings import read_settings
    from engine.store.writer import Writer

    rows = open_for_reading(worked / "headcount.db")
    assert rows is not None
    engine = make_engine(worked / "headcount.db")
    journal = Journal(engine, Writer(engine))

    async def both() -> None:
        ada = (await journal.employees())[0].id
        assert await rows.employees() == await journal.employees()
        assert await rows.employees(include_departed=True) == await journal.employees(include_departed=True)
        assert await rows.tasks() == await journal.tasks() and await rows.tasks()
        assert await rows.tasks(employee_id=ada, statuses=["done"]) == await journal.tasks(ada, ["done"])
        steps = await rows.steps(employee_id=ada)
        assert steps == await journal.steps(employee_id=ada) and any(s.rehearsal for s in steps)
        assert await rows.settings() == await journal.read(read_settings)
        assert await rows.approvals(None) == await journal.read(lambda conn: read_all(conn, None))
        assert await rows.ceilings() == await journal.read(spend.read_ceilings)
        assert await rows.deliverables("pending") == await journal.read(lambda c: read_deliverables(c, "pending"))
        assert await rows.deliverables(None) == await journal.read(lambda c: read_deliverables(c, None))
        assert await rows.deliverables("pending")  # Ada is on probation: her work waits for review
        assert await rows.allowances() == await journal.read(spend.read_allowances)
        since = "2000-01-01"
        assert await rows.costs_since(since) == await journal.read(lambda c: spend.read_costs_since(c, since))

    try:
        asyncio.run(both())
    finally:
        rows.close()
        engine.dispose()


def test_a_changed_or_broken_brief_is_parsed_again_by_the_office(worked: Path, tmp_path: Path) -> None:
    """`roster` and `budget` use what the office kept of each brief only while the file is as it was: an
    edited brief or a broken one sends them through the full office, which says what is wrong (file, line,
    field) and keeps it for the next reading. The owner's hours do not: they are read as the office reads them."""
    brief = tmp_path / "helper.md"
    brief.write_text(
        "---\nid: helper\ntitle: Helper\nfunction: ops\ngoals: [Help]\ntone: terse\ntools: [write_file]\n"
        "probation: 0\nhours: 24/7\nbudget: {per_day_usd: 3}\n---\nHelps.\n"
    )
    headcount(worked, "hire", str(brief), "--name", "Bo")
    headcount(worked, "budget", "set", "office", "--per-day", "9")  # an office that seated Bo kept his brief
    for command in (["roster", "--json"], ["budget", "--json"]):
        light, fronts = shown(worked, command, full=False)
        assert fronts == ["engine.office.reading"]
        assert light == shown(worked, command, full=True)[0]
    report = json.loads(shown(worked, ["budget", "--json"], full=False)[0])
    assert [e["per_day_usd"] for e in report["employees"] if e["name"] == "Bo"] == [3.0]
    assert report["office"]["per_day_usd"] == 9.0
    brief.write_text(brief.read_text().replace("goals: [Help]", "goal: [Help]"))  # line 5: a typo
    out, fronts = shown(worked, ["roster", "--json"], full=False)
    assert "engine.office.front" in fronts
    (bo,) = [row for row in json.loads(out) if row["name"] == "Bo"]
    assert "helper.md:5" in bo["brief_error"] and "goals" in bo["brief_error"] and bo["model"] is None
    assert bo["rehearsal"] is False  # one who cannot work is not rehearsing either
    (line,) = [line for line in shown(worked, ["roster"], full=False)[0].splitlines() if line.startswith("Bo ")]
    assert "[cannot work: see its brief]" in line
    for command in (["roster", "--json"], ["roster"], ["budget", "--json"]):
        light, fronts = shown(worked, command, full=False)
        assert fronts == ["engine.office.reading"]
        assert light == shown(worked, command, full=True)[0]
    headcount(worked, "hours", "--always")  # the owner's hours are read as the office reads them
    for command in (["roster", "--json"], ["budget", "--json"]):
        light, fronts = shown(worked, command, full=False)
        assert fronts == ["engine.office.reading"]
        assert light == shown(worked, command, full=True)[0]


def test_queued_work_is_read_on_or_off_duty_from_the_briefs_hours(tmp_path: Path) -> None:
    """The reading front decides on or off duty for queued work from the hours the office kept of each brief
    (an office's kept hours once could not be read back: `roster` failed on the first queued task)."""
    home = tmp_path / "home"
    headcount(home, "hire", "assistant", "--name", "Ada")  # London office hours: off duty at Sunday 03:00
    headcount(home, "hire", "bookkeeper", "--name", "Bo")
    headcount(home, "call-in", "Bo", "--hours", "8")
    headcount(home, "assign", "Ada", "Sort the inbox")
    headcount(home, "assign", "Bo", "Reconcile November")
    light, fronts = shown(home, ["roster", "--json"], full=False)
    assert fronts == ["engine.office.reading"]
    assert light == shown(home, ["roster", "--json"], full=True)[0]
    assert {row["name"]: row["status"] for row in json.loads(light)} == {"Ada": "off_duty", "Bo": "idle"}
    # The owner's hours, for everyone and for one, over the briefs': weekends in Tokyo, Ada's own in New York.
    headcount(home, "hours", "--window", "sat,sun 00:00-24:00", "--tz", "Asia/Tokyo")
    headcount(home, "hours", "Ada", "--window", "mon-fri 09:00-17:00", "--tz", "America/New_York")
    for command in (["roster", "--json"], ["budget", "--json"]):
        light, fronts = shown(home, command, full=False)
        assert fronts == ["engine.office.reading"]
        assert light == shown(home, command, full=True)[0]
    roster = {row["name"]: row["status"] for row in json.loads(shown(home, ["roster", "--json"], full=False)[0])}
    assert roster == {"Ada": "off_duty", "Bo": "idle"}  # Sunday noon in Tokyo, Saturday 22:00 in New York
    headcount(home, "hours", "--brief")
    headcount(home, "hours", "Ada", "--always")
    light, fronts = shown(home, ["roster", "--json"], full=False)
    assert fronts == ["engine.office.reading"] and light == shown(home, ["roster", "--json"], full=True)[0]
    assert {row["name"]: row["status"] for row in json.loads(light)} == {"Ada": "idle", "Bo": "idle"}


def test_called_in_after_a_run_left_them_off_duty_shows_them_ready(tmp_path: Path) -> None:
    """`run` at Sunday 03:00 leaves Ada shown off duty; once called in, both fronts show her idle, not off duty."""
    home = tmp_path / "home"
    headcount(home, "hire", "assistant", "--name", "Ada")
    headcount(home, "assign", "Ada", "Sort the inbox")
    headcount(home, "run")
    (row,) = json.loads(shown(home, ["roster", "--json"], full=False)[0])
    assert row["status"] == "off_duty"
    headcount(home, "call-in", "Ada", "--hours", "2")
    light, fronts = shown(home, ["roster", "--json"], full=False)
    assert fronts == ["engine.office.reading"] and light == shown(home, ["roster", "--json"], full=True)[0]
    (row,) = json.loads(light)
    assert (row["status"], row["detail"]) == ("idle", "")


def test_the_reading_front_names_settings_as_the_office_stores_them() -> None:
    from engine.office import belts, decisions, reading

    assert reading.BELT_CEILING == belts.BELT_CEILING and reading.CALL_IN_PREFIX == decisions.CALL_IN_PREFIX
    from engine import hours

    assert reading.ALL_HOURS == hours.ALL_HOURS and f"{reading.HOURS_PREFIX}emp_1" == hours.hours_key("emp_1")


@pytest.fixture
def read_only_disk(worked: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the worked office behind a read-only bind mount (root only), as Linux leaves a disk
    after errors (errors=remount-ro)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8) for a read-only bind mount")
    source, mount = tmp_path / "source", tmp_path / "ro"
    shutil.copytree(worked, source / "home")
    mount.mkdir()
    made = subprocess.run(["mount", "--bind", str(source), str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {made.stderr.decode(errors='replace').strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True, capture_output=True)
        yield mount / "home"
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_reading_commands_answer_from_a_disk_mounted_read_only_and_run_says_why_it_cannot(
    worked: Path, read_only_disk: Path
) -> None:
    """They said "check the permissions of the file" and showed nothing: the owner could not see the office."""
    for command in (["roster"], ["tasks"], ["log", "Ada"], ["budget"]):
        assert shown(read_only_disk, command, full=False)[0] == shown(worked, command, full=False)[0]
    stopped = headcount(read_only_disk, "assign", "Ada", "One more", ok=False)
    assert stopped.returncode == 1 and "read-only" in stopped.stderr and "Traceback" not in stopped.stderr
