"""Storage faults (a disk that fills, a database nobody may write) end with one clear line, never a traceback.

Real faults, made with a small tmpfs and `chattr +i` (root only: skipped elsewhere, saying why), and real
`headcount` processes, as a user meets them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import subprocess
from contextlib import ExitStack
from pathlib import Path

import pytest
from pydantic import BaseModel

from engine.logs import setup_logging
from engine.store.db import StoreError, make_engine
from engine.store.journal import Journal
from engine.store.settings import put_setting
from engine.store.writer import Writer
from engine.testing import ScriptedModel, call, say
from engine.tools.base import FunctionTool, ToolContext
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.disk_faults import fill, immutable, small_disk
from tests.engine.test_cli import headcount

TASK = "Draft a reply to a customer asking about our opening hours"


def one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The command failed with exit code 1 and said why in one `headcount:` line, and nothing else."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout and "ExceptionGroup" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("headcount: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def saved(home: Path) -> dict[str, set[tuple[str, ...]]]:
    """What the database holds that the owner would miss: employees, tasks and finished steps."""
    with sqlite3.connect(home / "headcount.db") as conn:
        return {
            "employees": set(conn.execute("SELECT id, name FROM employees")),
            "tasks": set(conn.execute("SELECT id, title FROM tasks")),
            "steps": set(conn.execute("SELECT id, kind FROM steps WHERE status = 'finished'")),
        }


def test_a_disk_that_fills_during_run_ends_it_with_one_line_and_loses_nothing(
    tmp_path: Path, write_brief: BriefWriter
) -> None:
    with small_disk(tmp_path / "disk", "24m") as disk:
        home = disk / "home"
        headcount(home, "hire", str(write_brief()), "--name", "Ada")
        headcount(home, "assign", "Ada", TASK)
        before = saved(home)
        filler = fill(disk, leave=64 * 1024)  # room to open the office and start, not to finish

        result = headcount(home, "run", ok=False)
        one_clear_line(result, "is full", "nothing already saved was lost")
        assert "task running" in result.stdout  # it failed mid-run, inside the office's task group

        filler.unlink()
        after = saved(home)
        assert all(before[table] <= after[table] for table in before)
        headcount(home, "run")  # with space again, the task simply carries on
        (task,) = json.loads(headcount(home, "tasks", "--json").stdout)
        assert task["status"] == "done" and task["title"] == TASK


def broken_commands(home: Path, write_brief: BriefWriter, words: str) -> None:
    """Commands that write fail with one line saying why; commands that only read work or fail the same way."""
    writes = [("assign", "Ada", "one more thing"), ("run",)]
    writes.append(("hire", str(write_brief(id="typist", title="Typist")), "--name", "Ben"))
    for command in writes:
        one_clear_line(headcount(home, *command, ok=False), words)
    for command in [("tasks",), ("roster",), ("log", "Ada")]:
        result = headcount(home, *command, ok=False)
        if result.returncode != 0:
            one_clear_line(result, words)
        assert "Traceback" not in result.stderr


def test_every_command_on_a_full_disk_says_so_in_one_line(tmp_path: Path, write_brief: BriefWriter) -> None:
    with small_disk(tmp_path / "disk", "24m") as disk:
        home = disk / "home"
        headcount(home, "hire", str(write_brief()), "--name", "Ada")
        headcount(home, "assign", "Ada", TASK)
        before = saved(home)
        filler = fill(disk)
        broken_commands(home, write_brief, "is full")
        filler.unlink()
        assert saved(home) == before


def test_every_command_on_a_read_only_database_says_so_in_one_line(tmp_path: Path, write_brief: BriefWriter) -> None:
    home = tmp_path / "office"
    headcount(home, "hire", str(write_brief()), "--name", "Ada")
    headcount(home, "assign", "Ada", TASK)
    before = saved(home)
    database = home / "headcount.db"
    with immutable(database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        broken_commands(home, write_brief, "cannot write the database")
    assert saved(home) == before


class Nothing(BaseModel):
    pass


async def test_a_database_made_read_only_mid_run_stops_the_office_with_one_store_error(
    make_office: OfficeFactory, write_brief: BriefWriter, tmp_path: Path
) -> None:
    probe = tmp_path / "probe"
    probe.touch()
    with immutable(probe):  # skips, saying why, where chattr cannot be used
        pass
    database = tmp_path / "home" / "headcount.db"
    locks = ExitStack()

    async def lock_up(ctx: ToolContext, args: Nothing) -> str:
        # Not the -shm file: SQLite has it mapped, and a write to it would kill the process (SIGBUS).
        locks.enter_context(immutable(database, Path(f"{database}-wal")))
        return "the database is now read-only"

    model = ScriptedModel(call("lock_up"), say("finished, supposedly"))
    office = await make_office(model, tools=[FunctionTool("lock_up", "Lock the database", Nothing, lock_up)])
    await office.hire(office.brief_for(str(write_brief(tools=["lock_up"]))), name="Ada")
    await office.assign("ada", "Lock up")
    try:
        with pytest.raises(StoreError, match=r"cannot write the database .*headcount\.db"):
            await office.run(until_idle=True)
    finally:
        locks.close()
    (task,) = await office.journal.tasks()
    assert task.status == "running"  # what was saved stands; recovery requeues it at the next start
    steps = await office.journal.steps(task_id=task.id)
    assert [(s.kind, s.status) for s in steps] == [("model", "finished")]


async def test_a_writer_that_cannot_open_the_database_fails_its_producers(tmp_path: Path) -> None:
    path = tmp_path / "no such folder" / "headcount.db"
    writer = Writer(make_engine(path))
    writer.start()
    with pytest.raises(StoreError, match="no such folder"):
        async with asyncio.timeout(60):  # before: the writer thread died and the producer waited forever
            await writer.write(put_setting("k", "v"))
    with pytest.raises(StoreError):
        await writer.write(put_setting("k", "v"))  # and the next one too, at once
    await writer.close()


async def test_a_failed_read_is_a_store_error(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "no such folder" / "headcount.db")
    journal = Journal(engine, Writer(engine))
    with pytest.raises(StoreError, match="no such folder"):
        await journal.tasks()


def test_a_log_that_cannot_be_written_stays_quiet(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with small_disk(tmp_path / "disk", "1m") as disk:
        path = setup_logging(disk / "logs")
        (handler,) = [h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None) == str(path)]
        try:
            path.write_text("x" * 4095 + "\n")  # one whole page: the next line needs a new one
            fill(disk)
            logging.getLogger("engine.test").error("the office stopped")
        finally:
            logging.getLogger().removeHandler(handler)
            handler.close()
    assert capfd.readouterr().err == ""  # before: "--- Logging error ---" and a traceback on the terminal
