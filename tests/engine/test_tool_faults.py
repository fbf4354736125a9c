"""What the employee and the owner hear when a tool call goes wrong: plain words, and the right outcome."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from engine.events import EscalationRaised, Event
from engine.testing import ScriptedModel, call, say
from engine.tools.base import FunctionTool, Risk, ToolContext, ToolError, parse_arguments
from tests.engine.conftest import BriefWriter, OfficeFactory

DOUBLED_WORD = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)


@pytest.mark.parametrize(
    "raw",
    [
        '{"path": "a.md", "content": ',  # cut off mid-call
        '{"path": "a.md", "content": "unfinished',  # json says "Unterminated string starting at"
        '{"path": "a\x01.md"}',  # json says "Invalid control character at"
        '{"path": "a.md",}',
        '{"path": "a.md"} trailing',
        "not json at all",
    ],
)
def test_bad_argument_json_is_explained_without_doubled_words(raw: str) -> None:
    with pytest.raises(ToolError) as error:
        parse_arguments(raw)
    message = str(error.value)
    assert message.startswith("arguments are not valid JSON (") and "position" in message
    assert not DOUBLED_WORD.search(message), message


def test_an_unterminated_string_reads_naturally() -> None:
    with pytest.raises(ToolError) as error:
        parse_arguments('{"path": "a.md')
    assert str(error.value) == "arguments are not valid JSON (Unterminated string starting at position 9)"


# --- environment faults park the task --------------------------------------------------------------------------


class Note(BaseModel):
    text: str = ""


def failing_tool(name: str, errors: list[BaseException], *, risk: Risk = "internal_write") -> FunctionTool[Note]:
    """A tool that raises the next error from `errors`, and works once they run out."""

    async def run(ctx: ToolContext, args: Note) -> str:
        if errors:
            raise errors.pop(0)
        return f"{name} worked"

    return FunctionTool(name, f"{name} for tests", Note, run, risk=risk)


async def test_a_full_disk_parks_the_task_and_resuming_runs_the_call_again(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    tool = failing_tool("archive", [OSError(errno.ENOSPC, "No space left on device")])
    model = ScriptedModel(call("list_files"), call("archive", text="x"), say("archived"))
    office = await make_office(model, tools=[tool])
    await office.hire(office.brief_for(str(write_brief(tools=["list_files", "archive"]))), name="Ada")
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    await office.assign("ada", "Archive the files")
    await office.run(until_idle=True)

    (task,) = await office.journal.tasks()
    reason = "archive could not write: the disk is full (No space left on device)"
    assert (task.status, task.reason) == ("parked", reason)
    (record,) = await office.journal.employees()
    assert (record.status, record.status_detail) == ("blocked", reason)
    assert any(isinstance(e, EscalationRaised) and e.reason == reason for e in seen)
    steps = await office.journal.steps(task_id=task.id)
    # Nothing done before the fault is lost: the earlier tool result is journaled with the failed call.
    assert [(s.kind, s.tool, s.status) for s in steps] == [
        ("model", None, "finished"),
        ("tool", "list_files", "finished"),
        ("model", None, "finished"),
        ("tool", "archive", "failed"),
    ]
    assert len(model.requests) == 2  # the model never heard of the failure, so it could not call the task done

    await office.resume(task.id)  # the owner freed some space
    await office.run(until_idle=True)
    (task,) = await office.journal.tasks()
    assert task.status == "done"
    steps = await office.journal.steps(task_id=task.id)
    archive = [(s.status, s.attempt, s.result) for s in steps if s.tool == "archive"]
    assert archive[-1] == ("finished", 2, "archive worked")
    assert [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"][-1] == "archive worked"
    model.assert_complete()


@pytest.mark.parametrize(
    ("error", "risk", "words"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "read_only", "could not read: it has no permission"),
        (PermissionError(errno.EPERM, "Operation not permitted"), "internal_write", "could not write: the system"),
        (OSError(errno.EROFS, "Read-only file system"), "read_only", "could not write: the disk is read-only"),
        (OSError(errno.EIO, "Input/output error"), "read_only", "could not read: the disk failed"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "internal_write", "could not write: the disk quota"),
    ],
)
async def test_other_environment_errors_park_too(
    make_office: OfficeFactory, write_brief: BriefWriter, error: OSError, risk: Risk, words: str
) -> None:
    model = ScriptedModel(call("fetch"))
    office = await make_office(model, tools=[failing_tool("fetch", [error], risk=risk)])
    await office.hire(office.brief_for(str(write_brief(tools=["fetch"]))), name="Ada")
    await office.assign("ada", "Fetch it")
    await office.run(until_idle=True)
    (task,) = await office.journal.tasks()
    assert task.status == "parked" and task.reason.startswith(f"fetch {words}")
    assert task.reason.endswith(f"({error.strerror})")
    model.assert_complete()


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(errno.ENOENT, "No such file or directory"),
        ToolError("the calendar has no such event"),
        ValueError("bad value"),
    ],
)
async def test_ordinary_tool_errors_still_go_back_to_the_model(
    make_office: OfficeFactory, write_brief: BriefWriter, error: Exception
) -> None:
    model = ScriptedModel(call("fetch"), say("I could not fetch it; here is why."))
    office = await make_office(model, tools=[failing_tool("fetch", [error])])
    await office.hire(office.brief_for(str(write_brief(tools=["fetch"]))), name="Ada")
    await office.assign("ada", "Fetch it")
    await office.run(until_idle=True)
    (task,) = await office.journal.tasks()
    assert task.status == "done"
    (told,) = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert told.startswith("error: ") and str(error.args[-1]) in told
    model.assert_complete()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KB tmpfs (root only): a real disk that fills."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8) to make a small disk that fills")
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


async def test_write_file_on_a_full_disk_parks_instead_of_finishing(
    make_office: OfficeFactory, write_brief: BriefWriter, tiny_disk: Path
) -> None:
    model = ScriptedModel(
        call("write_file", path="drafts/report.md", content="x" * 200_000),
        say("I wrote the report."),  # what a model says when it is told the write failed: never reached
    )
    office = await make_office(model)
    ada = await office.hire(office.brief_for(str(write_brief())), name="Ada")
    workspace = office.home.workspace(ada.id)
    workspace.rmdir()
    workspace.symlink_to(tiny_disk)  # only the workspace is on the small disk; the journal has room
    await office.assign("ada", "Write the report")
    await office.run(until_idle=True)

    (task,) = await office.journal.tasks()
    assert task.status == "parked"
    assert task.reason == "write_file could not write: the disk is full (No space left on device)"
    steps = await office.journal.steps(task_id=task.id)
    assert [(s.kind, s.tool, s.status) for s in steps][-1] == ("tool", "write_file", "failed")
    assert len(model.requests) == 1
