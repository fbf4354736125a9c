"""MCP servers in the office: real servers over stdio and HTTP, used by employees through the scripted model."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from engine.connections import connect, disconnect, log_path
from engine.errors import OwnerError
from engine.llm.types import Message, ModelReply, ToolSchema
from engine.office import Office
from engine.secrets import MemoryKeyring, Secrets
from engine.testing import FunctionModel, ScriptedModel, call, say
from engine.tools.mcp_config import McpServerConfig
from tests.engine.conftest import BriefWriter, OfficeFactory

FAKES = Path(__file__).resolve().parents[1] / "fakes"
FAKE_SERVER = FAKES / "mcp_server.py"
FILESYSTEM_SERVER = (
    FAKES / "node" / "node_modules" / "@modelcontextprotocol" / "server-filesystem" / "dist" / "index.js"
)


def fake(name: str = "fake", *args: str, **fields: Any) -> McpServerConfig:
    """Our own small MCP server, run over stdio with this Python."""
    return McpServerConfig(name=name, command=sys.executable, args=(str(FAKE_SERVER), *args), **fields)


async def hire(office: Office, path: Path, name: str = "Ada") -> str:
    return (await office.hire(office.brief_for(str(path)), name=name)).id


def tool_results(model: ScriptedModel | FunctionModel, request: int = -1) -> list[str]:
    return [str(m["content"]) for m in model.requests[request].messages if m["role"] == "tool"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_the_granted_employee_sees_and_uses_the_servers_tools_and_no_one_else_does(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(call("echo", text="hello from MCP"), say("it answered"), say("nothing to use"), say("ok"))
    office = await make_office(model)
    await connect(office, fake())
    await hire(office, write_brief(id="clerk", tools=["read_file", "mcp:fake.*"]), "Ada")
    await hire(office, write_brief(id="writer", tools=["read_file", "write_file"]), "Ben")
    await hire(office, write_brief(id="echoer", tools=["read_file", "mcp:fake.echo"]), "Cal")
    assert office.connections.running("fake") is None  # hiring starts nothing: the first task does

    task = await office.assign("Ada", "Ask the server to say hello")
    await office.run(until_idle=True)
    ada = model.requests[0]
    assert {"echo", "pid", "fail", "add_note", "wipe"} <= set(ada.tool_names) and "read_file" in ada.tool_names
    assert tool_results(model) == ["hello from MCP"]
    steps = await office.journal.steps(task_id=task.id)
    assert [(s.tool, s.status) for s in steps if s.kind == "tool"] == [("mcp:fake.echo", "finished")]

    await office.assign("Ben", "Anything")
    await office.run(until_idle=True)
    assert model.requests[-1].tool_names == ["read_file", "write_file"]  # not granted: not seen

    await office.assign("Cal", "Anything")
    await office.run(until_idle=True)
    assert model.requests[-1].tool_names == ["read_file", "echo"]  # granted one tool: that one only
    assert office.connections.running("fake").starts == 1  # type: ignore[union-attr]  # one server for all
    model.assert_complete()


async def test_annotations_become_risks_and_writes_go_through_the_journal(
    make_office: OfficeFactory, write_brief: BriefWriter, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    model = ScriptedModel(call("add_note", text="call the landlord"), say("noted"), call("wipe"), say("asked"))
    office = await make_office(model)
    await connect(office, fake("fake", "--notes", str(notes)))
    ada = await hire(office, write_brief(tools=["mcp:fake.*"]))
    employee = office.employees[ada]
    belt = await office.connections.equip(employee.brief, employee.belt)
    specs = {name: belt.get(name).spec for name in ("echo", "add_note", "wipe")}  # type: ignore[union-attr]
    assert [(s.qualified_name, s.risk, s.idempotent) for s in specs.values()] == [
        ("mcp:fake.echo", "read_only", True),  # readOnlyHint: safe to run again
        ("mcp:fake.add_note", "internal_write", False),  # a local write: intent journaled first
        ("mcp:fake.wipe", "external_comm", False),  # no annotations: external communication, gated
    ]

    first = await office.assign("Ada", "Note it")
    await office.run(until_idle=True)
    assert notes.read_text() == "call the landlord\n"
    (step,) = [s for s in await office.journal.steps(task_id=first.id) if s.kind == "tool"]
    assert (step.tool, step.status, step.result) == ("mcp:fake.add_note", "finished", "noted: call the landlord")

    second = await office.assign("Ada", "Wipe it")
    await office.run(until_idle=True)
    (request,) = await office.approvals.list()  # unannotated waits for the owner, like any other gated tool
    assert request.tool == "mcp:fake.wipe"
    assert (await office.journal.task(second.id)).status == "waiting"  # type: ignore[union-attr]


async def test_the_owners_edit_of_a_server_tools_call_is_checked_against_its_schema(
    make_office: OfficeFactory, write_brief: BriefWriter, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    office = await make_office(ScriptedModel(call("add_note", text="call the landlord"), say("noted")))
    await connect(office, fake("fake", "--notes", str(notes)))
    await hire(office, write_brief(tools=["mcp:fake.*"], approvals={"require": ["mcp:fake.add_note"]}))
    await office.assign("Ada", "Note it")
    await office.run(until_idle=True)
    (request,) = await office.approvals.list()
    with pytest.raises(OwnerError, match=r"do not fit mcp:fake\.add_note: text: 5 is not of type 'string'"):
        await office.decide(request.id, approve=True, edit={"text": 5})
    assert (await office.approvals.get(request.id)).status == "pending"  # type: ignore[union-attr]
    await office.decide(request.id, approve=True, edit={"text": "call the landlord today"})
    await office.run(until_idle=True)
    assert notes.read_text() == "call the landlord today\n"


async def test_a_tool_error_from_the_server_goes_back_to_the_model(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(call("fail", reason="the sheet is locked"), call("big", size=50_000), say("gave up"))
    office = await make_office(model)
    await connect(office, fake())
    await hire(office, write_brief(tools=["mcp:fake.*"]))
    task = await office.assign("Ada", "Try")
    await office.run(until_idle=True)
    failed, big = tool_results(model)
    assert failed.startswith("error: ") and "cannot do that: the sheet is locked" in failed
    assert len(big) < 20_300 and "cut here: 30,000 more characters" in big  # the result cap, said plainly
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]
    model.assert_complete()


async def test_a_killed_server_is_started_again_on_next_use(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    pids: list[int] = []
    office: Office

    async def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        results = [str(m["content"]) for m in messages if m["role"] == "tool"]
        if not results:
            return call("pid")
        pids.append(int(results[-1]))
        if len(results) == 2:
            return say("done")
        os.kill(pids[0], signal.SIGKILL)
        connection = office.connections.running("fake")
        assert connection is not None
        async with asyncio.timeout(30):  # a safety net only: its stream ends as soon as the process dies
            await connection.until_gone()
        assert not connection.alive
        return call("pid")

    model = FunctionModel(reply)
    office = await make_office(model)
    await connect(office, fake())
    await hire(office, write_brief(tools=["mcp:fake.pid"]))
    task = await office.assign("Ada", "Which process are you?")
    await office.run(until_idle=True)
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]
    assert len(pids) == 2 and pids[0] != pids[1] and not alive(pids[0])
    assert office.connections.running("fake").starts == 2  # type: ignore[union-attr]


async def test_a_hung_call_stops_its_server_and_the_next_call_gets_a_fresh_one(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """One call that never answers on a server that does one thing at a time: the server is stopped at its
    timeout (the message names it and the setting), and the next calls, in this task and the next, are answered."""
    model = ScriptedModel(
        call("pid"), call("hang"), call("echo", text="after"), say("done"), call("echo", text="next task"), say("ok")
    )
    office = await make_office(model)
    await connect(office, fake("fake", "--hang", timeout_s=2))
    await hire(office, write_brief(tools=["mcp:fake.*"]))
    first = await office.assign("Ada", "Wait for it")
    second = await office.assign("Ada", "Then this")
    await office.run(until_idle=True)
    pid, hung, after = tool_results(model, 3)
    assert "the MCP server 'fake' did not answer hang within 2 s (its --timeout), so it was stopped" in hung, hung
    assert "connect 'fake' again with a larger --timeout" in hung
    assert after == "after" and not alive(int(pid))  # the hung process was stopped, not left behind
    assert tool_results(model) == ["next task"]
    for task in (first, second):
        assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]
    assert office.connections.running("fake").starts == 2  # type: ignore[union-attr]
    model.assert_complete()


async def test_a_write_cut_short_parks_its_task_as_uncertain_and_is_never_tried_again_on_a_guess(
    make_office: OfficeFactory, write_brief: BriefWriter, tmp_path: Path
) -> None:
    """A write that did not answer in time may have happened (here it did): the task parks as uncertain for the
    owner, the model is not asked what to do next (it would try again), and the owner's answer settles it."""
    notes = tmp_path / "notes.txt"
    model = ScriptedModel(call("note_then_hang", text="pay the landlord"), say("paid"))
    office = await make_office(model)
    await connect(office, fake("fake", "--hang-write", "--notes", str(notes), timeout_s=2))
    await hire(office, write_brief(tools=["mcp:fake.note_then_hang"]))
    task = await office.assign("Ada", "Pay the landlord")
    await office.run(until_idle=True)
    parked = await office.journal.task(task.id)
    assert parked is not None and parked.status == "uncertain", parked
    assert (
        "did not answer note_then_hang within 2 s" in parked.reason and "may or may not have done it" in parked.reason
    )
    assert len(model.requests) == 1 and notes.read_text() == "pay the landlord\n"  # once, not again
    (step,) = [s for s in await office.journal.steps(task_id=task.id) if s.kind == "tool"]
    assert step.status == "uncertain"
    await office.resolve(task.id, happened=True)
    await office.run(until_idle=True)
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]
    assert notes.read_text() == "pay the landlord\n"
    model.assert_complete()


async def test_a_tool_runs_by_the_name_connect_shows_and_a_servers_own_name_is_never_shadowed(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """The server has `get.file` and `get_file` (which `get.file` made valid would also be) and `9lives`: its own
    `get_file` keeps its name, the others go by names a brief can write, and each call reaches its own tool."""
    model = ScriptedModel(
        call("get_file"), call("get_file_76a3ba66"), call("t_9lives"), say("done")
    )  # get_file_76a3ba66: a hash of 'get.file', the same wherever it is listed
    office = await make_office(model)
    await connect(office, fake("fake", "--odd-names"))
    granted = ["mcp:fake.get_file", "mcp:fake.get_file_76a3ba66", "mcp:fake.t_9lives"]
    await hire(office, write_brief(tools=granted))
    task = await office.assign("Ada", "Fetch it")
    await office.run(until_idle=True)
    assert tool_results(model) == ["called get_file", "called get.file", "called 9lives"]
    steps = await office.journal.steps(task_id=task.id)
    assert [s.tool for s in steps if s.kind == "tool"] == granted
    model.assert_complete()


async def test_a_closed_office_stops_its_servers(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    model = ScriptedModel(call("pid"), say("done"))
    office = await make_office(model)
    await connect(office, fake())
    await hire(office, write_brief(tools=["mcp:fake.*"]))
    await office.assign("Ada", "Which process are you?")
    await office.run(until_idle=True)
    pid = int(tool_results(model)[0])
    assert alive(pid)
    await office.close()
    assert not alive(pid)  # stopped and reaped: no orphan left behind


@pytest.mark.parametrize(
    ("config", "said"),
    [
        (
            McpServerConfig(name="broken", command="/nonexistent/mcp-server", args=("--root", "/data")),
            "cannot start the MCP server 'broken': the command '/nonexistent/mcp-server' was not found "
            "(/nonexistent/mcp-server --root /data)",
        ),
        (
            McpServerConfig(
                name="broken",
                command=sys.executable,
                args=("-c", "import sys; sys.exit('config.yaml: no such file')"),
            ),
            "the MCP server 'broken' stopped before it answered (",
        ),
    ],
)
async def test_a_server_that_cannot_start_parks_the_task_naming_the_server_and_its_command(
    make_office: OfficeFactory, write_brief: BriefWriter, config: McpServerConfig, said: str
) -> None:
    model = ScriptedModel()  # the model is never asked: the task stops before its first call
    office = await make_office(model)
    await connect(office, config)
    await hire(office, write_brief(tools=["read_file", "mcp:broken.*"]))
    task = await office.assign("Ada", "Use it")
    await office.run(until_idle=True)
    parked = await office.journal.task(task.id)
    assert parked is not None and parked.status == "parked"
    assert said in parked.reason and config.describe() in parked.reason
    if config.command == sys.executable:
        assert "config.yaml: no such file" in parked.reason  # what the server said on stderr
    (held,) = await office.held_work()
    assert held.kind == "parked" and held.reason == parked.reason
    assert model.requests == []


async def test_what_a_brief_grants_must_exist_when_the_task_starts(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office = await make_office(ScriptedModel())
    await connect(office, fake())
    await hire(office, write_brief(id="clerk", tools=["mcp:fake.echo", "mcp:fake.translate"]), "Ada")
    await hire(office, write_brief(id="writer", tools=["mcp:fake.*"]), "Ben")
    first = await office.assign("Ada", "Translate")
    await office.run(until_idle=True)
    missing = await office.journal.task(first.id)
    assert missing is not None and missing.status == "parked"
    assert "grants 'mcp:fake.translate', which the MCP server 'fake' does not have (it has: add_note" in missing.reason

    assert await disconnect(office, "fake") == ["Ada", "Ben"]  # whose briefs still grant it
    second = await office.assign("Ben", "Echo")
    await office.run(until_idle=True)
    gone = await office.journal.task(second.id)
    assert gone is not None and gone.status == "parked"
    assert "no MCP server 'fake' is connected" in gone.reason and "headcount connect mcp fake" in gone.reason


async def test_secrets_reach_the_server_from_the_keyring_and_nowhere_else(
    make_office: OfficeFactory, write_brief: BriefWriter, memory_keyring: MemoryKeyring
) -> None:
    model = ScriptedModel(call("token_length"), say("done"))
    office = await make_office(model)
    config = fake(env={"FAKE_TOKEN": "fake-token"})
    await connect(office, config)
    assert "s3cr3t" not in config.stored()
    await hire(office, write_brief(tools=["mcp:fake.token_length"]))
    without = await office.assign("Ada", "Check the token")
    await office.run(until_idle=True)
    parked = await office.journal.task(without.id)
    assert parked is not None and "store it with `headcount key set fake-token`" in parked.reason

    Secrets().set("fake-token", "s3cr3t-value-1234")
    await office.resume(without.id)
    await office.run(until_idle=True)
    assert tool_results(model) == ["FAKE_TOKEN has 17 characters"]
    rows = await office.journal.steps(task_id=without.id)
    assert not any("s3cr3t" in f"{s.arguments} {s.result} {s.error}" for s in rows)


async def test_a_servers_log_masks_the_secrets_it_prints_and_is_the_owners_alone(
    make_office: OfficeFactory, write_brief: BriefWriter, memory_keyring: MemoryKeyring
) -> None:
    model = ScriptedModel(call("token_length"), say("done"))
    office = await make_office(model)
    await connect(office, fake("fake", "--chatty", env={"FAKE_TOKEN": "fake-token"}))
    Secrets().set("fake-token", "s3cr3t-value-1234")
    log = log_path(office.home, "fake")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("from an earlier run\n")
    log.chmod(0o644)  # as the server logs were written before
    await hire(office, write_brief(tools=["mcp:fake.token_length"]))
    await office.assign("Ada", "Check the token")
    await office.run(until_idle=True)
    assert tool_results(model) == ["FAKE_TOKEN has 17 characters"]  # the server had it
    await office.close()  # the server stops: all it said is in its log
    text = log.read_text()
    assert "debug: starting with token ***\n" in text and "s3cr3t" not in text
    assert text.startswith("from an earlier run\n")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[str]:
    """Our server over streamable HTTP, on a socket already listening: nothing to wait for."""
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    with (tmp_path / "http-server.log").open("w") as errors, listening:
        process = subprocess.Popen(
            [sys.executable, str(FAKE_SERVER), "--http-fd", str(listening.fileno())],
            pass_fds=[listening.fileno()],
            stderr=errors,
        )
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_a_streamable_http_server_works_the_same(
    make_office: OfficeFactory, write_brief: BriefWriter, http_server: str
) -> None:
    model = ScriptedModel(call("echo", text="over HTTP"), say("done"))
    office = await make_office(model)
    await connect(office, McpServerConfig(name="remote", url=http_server))
    await hire(office, write_brief(tools=["mcp:remote.echo"]))
    await office.assign("Ada", "Say it over HTTP")
    await office.run(until_idle=True)
    assert tool_results(model) == ["over HTTP"]
    model.assert_complete()


async def test_the_reference_filesystem_server_from_npm(
    make_office: OfficeFactory, write_brief: BriefWriter, tmp_path: Path
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the reference filesystem server from npm needs it")
    if not FILESYSTEM_SERVER.exists():
        pytest.skip(f"npm packages not installed: run `make venv` (npm ci in {FAKES / 'node'})")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "rota.txt").write_text("Monday: Ada\nTuesday: Ben\n")
    model = ScriptedModel(
        call("list_directory", path=str(shared)),
        call("read_text_file", path=str(shared / "rota.txt")),
        call("read_text_file", path="/etc/hostname"),
        say("Ada works on Monday"),
    )
    office = await make_office(model)
    await connect(office, McpServerConfig(name="files", command=node, args=(str(FILESYSTEM_SERVER), str(shared))))
    await hire(office, write_brief(tools=["mcp:files.list_directory", "mcp:files.read_text_file"]))
    task = await office.assign("Ada", "Who works on Monday?")
    await office.run(until_idle=True)
    assert model.requests[0].tool_names == ["list_directory", "read_text_file"]
    listing, rota, outside = tool_results(model)
    assert "rota.txt" in listing and rota == "Monday: Ada\nTuesday: Ben\n"
    assert outside.startswith("error: ") and "outside allowed directories" in outside
    steps = [s for s in await office.journal.steps(task_id=task.id) if s.kind == "tool"]
    assert [s.tool for s in steps] == ["mcp:files.list_directory", *["mcp:files.read_text_file"] * 2]
    model.assert_complete()
