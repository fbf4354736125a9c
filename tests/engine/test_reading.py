"""The reading front (engine.office.reading): `tasks` and `log` say the same as through the full office."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from engine.clock import OFFSET_ENV
from engine.store.db import head_revision
from engine.store.reading import open_for_reading
from tests.engine.test_cli import OFFSET, ROOT, headcount, worked

__all__ = ["worked"]  # the office where Ada finished a task in rehearsal (a real run)

SHOWN = (
    ["tasks"], ["tasks", "--json"], ["tasks", "--employee", "Ada"], ["tasks", "--employee", "Ada", "--json"],
    ["log", "Ada"], ["log", "Ada", "--json"],
)  # fmt: skip


def shown(home: Path, command: list[str], *, full: bool) -> tuple[str, list[str]]:
    """What `command` prints and which front answered it; `full` takes the reading front away."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), OFFSET_ENV: OFFSET}
    code = (
        "import sys, contextlib, io, json\n"
        "import engine.cli\n"
        f"if {full!r}: engine.cli.FROM_STORE.clear()\n"
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
    opened[1]()
    with sqlite3.connect(home / "headcount.db") as conn:  # as if written by an older Headcount
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    assert head_revision() != "0001" and open_for_reading(home / "headcount.db") is None
    with sqlite3.connect(home / "headcount.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (head_revision(),))
    headcount(home, "hire", "assistant", "--name", "Ada")
    _out, fronts = shown(home, ["log", "Ada"], full=False)
    assert fronts == ["engine.office.reading"]
