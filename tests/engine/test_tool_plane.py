"""One tool plane: every name a brief grants is provided by something, or the brief says what would provide it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from engine.briefs import BriefError, load_brief, load_catalog
from engine.briefs.model import BriefFields
from engine.connections import connect, plane_tools
from engine.paths import SHIPPED_BRIEFS
from engine.testing import ScriptedModel, call, say
from engine.tools.base import MAX_RESULT_CHARS, FunctionTool, ToolContext, cap_result
from engine.tools.mcp_config import McpServerConfig
from engine.tools.names import QUALIFIED, resolve
from engine.tools.registry import ToolRegistry
from tests.engine.conftest import BriefWriter, OfficeFactory

FILES = McpServerConfig(name="files", command="node", args=("server.js", "/data"))


def brief_text(*tools: str, extra: str = "") -> str:
    return (
        "---\nid: writer\ntitle: Writer\nfunction: marketing\ngoals: [Write]\n"
        f"tools: [{', '.join(tools)}]\n{extra}---\nWrites things.\n"
    )


def load(tmp_path: Path, text: str, known: set[str]):  # type: ignore[no-untyped-def]
    path = tmp_path / "writer.md"
    path.write_text(text)
    return load_brief(path, known_tools=known)


def test_a_whole_server_or_one_of_its_tools_is_a_valid_name() -> None:
    for name in ("mcp:files.*", "mcp:files.read_file", "acme.lookup", "read_file"):
        assert QUALIFIED.match(name), name
    for name in ("*", "mcp:files.*x", "mcp:files.**", "files*", ".*"):
        assert not QUALIFIED.match(name), name
    on_demand = {"read_file", "mcp:files.*"}
    assert resolve("mcp:files.read_file", on_demand) == ("mcp:files.read_file",)
    assert resolve("mcp:files.*", on_demand) == ("mcp:files.*",)
    assert resolve("mcp:other.read_file", on_demand) == ()
    assert resolve("read_file", on_demand) == ("read_file",)  # a bare name never means an on-demand tool


def test_the_registry_lists_on_demand_servers_but_belts_only_get_tools_it_has() -> None:
    class Servers:
        def namespaces(self) -> list[str]:
            return ["mcp:files"]

    registry = ToolRegistry(on_demand=Servers())
    assert registry.names() == ["mcp:files.*"]
    assert registry.belt(["mcp:files.*", "mcp:files.read_file"]).names() == []


def test_names_nothing_provides_are_errors_that_say_what_would_provide_them(tmp_path: Path) -> None:
    installed = {"read_file", "write_file", "mcp:files.*"}
    brief = load(tmp_path, brief_text("read_file", "mcp:files.*", "mcp:files.write_file"), installed)
    assert brief.tools == ("read_file", "mcp:files.*", "mcp:files.write_file")  # connected, not running: fine

    with pytest.raises(BriefError) as error:
        load(tmp_path, brief_text("read_file", "mcp:drive.read_doc", "ticket_list", "web_serch"), installed)
    lines = str(error.value).splitlines()
    assert lines[0].endswith(
        "writer.md:6: field 'tools[1]': 'mcp:drive.read_doc' names the MCP server 'drive', which is not "
        "connected (connected: files): `headcount connect mcp drive -- COMMAND ARGS…` (or `--url URL`)"
    )
    assert (
        "field 'tools[2]': tool 'ticket_list' needs the helpdesk app's MCP server, which is not connected" in lines[1]
    )
    assert "`headcount connect mcp helpdesk -- COMMAND ARGS…`" in lines[1] and "grants all its tools" in lines[1]
    helpdesk = load(tmp_path, brief_text("read_file", "ticket_list"), {*installed, "mcp:helpdesk.*"})
    assert helpdesk.tools == ("read_file", "ticket_list")  # once a `helpdesk` server is connected
    assert lines[2].endswith("field 'tools[3]': unknown tool 'web_serch' (did you mean 'web_search'?)")


def test_every_tool_name_in_the_catalog_is_provided_by_a_fresh_office(tmp_path: Path) -> None:
    catalog = load_catalog(SHIPPED_BRIEFS)
    from engine.apps.plane import app_tools  # on a belt only while a calendar or GitHub app is granted

    registry = ToolRegistry([*plane_tools(), *app_tools()])
    provided = {*registry.names(), "use_skill"}  # use_skill comes with skills
    for brief in catalog.roles.values():
        missing = {name for name in brief.tools if name not in provided and len(registry.resolve(name)) != 1}
        assert not missing, (brief.id, missing)
    for skill in catalog.skills.values():
        assert set(skill.tools) <= provided, skill.name


async def test_a_server_connected_by_another_process_counts_at_the_next_brief_check(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office = await make_office(ScriptedModel())
    path = write_brief(tools=["read_file", "mcp:files.*"])
    with pytest.raises(BriefError, match="headcount connect mcp files"):
        office.brief_for(str(path))
    other = await make_office(ScriptedModel())  # another process connecting it, in effect
    await connect(other, FILES)
    assert "mcp:files.*" in office.tools.names()
    assert office.brief_for(str(path)).tools == ("read_file", "mcp:files.*")  # and nothing started
    assert office.connections.running("files") is None


def test_results_are_capped_with_a_note_that_says_so() -> None:
    assert cap_result("short", 10) == "short"
    capped = cap_result("x" * 25, 10)
    assert capped.startswith("x" * 10 + "\n[... cut here: 15 more characters;")
    assert "limited to 10 characters" in capped


class Size(BaseModel):
    size: int


async def test_every_tool_has_a_result_cap(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    async def produce(ctx: ToolContext, args: Size) -> str:
        return "y" * args.size

    small = FunctionTool("produce", "Produce text", Size, produce, max_result_chars=100)
    assert small.spec.max_result_chars == 100 and FunctionTool("p", "", Size, produce).spec.max_result_chars == (
        MAX_RESULT_CHARS
    )
    model = ScriptedModel(call("produce", size=150), say("done"))
    office = await make_office(model, tools=[small])
    await office.hire(office.brief_for(str(write_brief(tools=["produce"]))), name="Ada")
    task = await office.assign("ada", "Produce")
    await office.run(until_idle=True)
    (result,) = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert result.startswith("y" * 100 + "\n[... cut here: 50 more characters")
    (step,) = [s for s in await office.journal.steps(task_id=task.id) if s.kind == "tool"]
    assert step.result == result  # the journal keeps what the model read


@pytest.mark.parametrize(
    ("domain", "problem"),
    [
        ("https://example.com/page", "expected a domain, not a web address: write 'example.com'"),
        ("*.example.com", "expected a domain like 'example.com' (it covers its subdomains)"),
        ("exa mple.com", "expected a domain like 'example.com'"),
        (
            "com",
            "'com' is a top-level domain, or one label alone: it would cover every address under it; "
            "write your own, like 'example.com'",
        ),
        ("a", "'a' is a top-level domain"),
        ("Co.UK.", "'co.uk' is a public suffix that many owners share"),
        ("github.io", "'github.io' is a public suffix"),
        ("0.1", "'0.1' is part of an IP address"),
    ],
)
def test_allowed_domains_are_plain_domains(domain: str, problem: str) -> None:
    base = {"id": "writer", "title": "Writer", "function": "marketing", "goals": ["Write"]}
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        BriefFields.model_validate({**base, "allowed_domains": [domain]})
    fields = BriefFields.model_validate({**base, "allowed_domains": ["Example.COM.", "127.0.0.1", "shop.co.uk"]})
    assert fields.allowed_domains == ("example.com", "127.0.0.1", "shop.co.uk")
    with pytest.raises(ValueError, match="'com' is a top-level domain"):
        BriefFields.model_validate({**base, "recipient_domains": ["com"]})


def test_a_server_config_refuses_what_it_cannot_run_and_secrets_on_its_command_line() -> None:
    with pytest.raises(ValueError, match="either a command to run or a URL"):
        McpServerConfig(name="x")
    with pytest.raises(ValueError, match="lowercase letters"):
        McpServerConfig(name="My Files", command="node")
    with pytest.raises(ValueError, match="http:// or https://"):
        McpServerConfig(name="x", url="ftp://example.com")
    assert (
        McpServerConfig(name="x", command="srv", args=("--token", "abc")).secret_looking()
        == "the value after --token on the server's command line"
    )
    assert McpServerConfig(name="x", command="srv", args=("--key=sk-abcdefghijk",)).secret_looking()
    assert McpServerConfig(name="x", command="srv", args=("--root", "/data")).secret_looking() is None
    stored = McpServerConfig(name="x", command="srv", env={"TOKEN": "x-token"})
    assert McpServerConfig.from_stored("x", stored.stored()) == stored
    assert "x-token" in stored.stored() and stored.key_names == ("x-token",)  # the key's name, never its value
