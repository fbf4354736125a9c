"""Namespaced tools: an integrator's tools beside the built-ins, the names briefs use and the model sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from engine.audit import AuditLog
from engine.briefs import BriefError, load_brief
from engine.testing import ScriptedModel, call, say
from engine.tools.base import FunctionTool, Risk, Tool, ToolContext
from engine.tools.builtin import PathArg, builtin_tools
from engine.tools.names import NAME, local_names, model_names, resolve
from engine.tools.registry import Belt, ToolRegistry
from tests.engine.conftest import BriefWriter, OfficeFactory

PROVIDER_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # OpenAI's rule for function names


class NoArgs(BaseModel):
    pass


def tool(namespace: str, name: str, answer: str = "", *, risk: Risk = "read_only") -> Tool:
    async def run(ctx: ToolContext, args: NoArgs) -> str:
        return answer or f"{namespace}.{name} ran"

    return FunctionTool(name, f"{name} from {namespace}", NoArgs, run, namespace=namespace, risk=risk)


def acme_read_file(risk: Risk = "read_only") -> Tool:
    async def run(ctx: ToolContext, args: PathArg) -> str:
        return f"acme's copy of {args.path}"

    return FunctionTool("read_file", "Read a file from Acme Drive.", PathArg, run, namespace="acme", risk=risk)


def brief_file(tmp_path: Path, *tools: str) -> Path:
    path = tmp_path / "writer.md"
    lines = ["id: writer", "title: Writer", "function: marketing", "goals: [Write well]", "tools:"]
    path.write_text("---\n" + "\n".join([*lines, *(f"  - {t}" for t in tools)]) + "\n---\nWrites things.\n")
    return path


# --- the registry and the belt ------------------------------------------------------------------


def test_an_integrators_tool_is_installed_beside_the_builtin_of_the_same_name() -> None:
    registry = ToolRegistry([*builtin_tools(), acme_read_file()])
    assert "read_file" in registry and "acme.read_file" in registry
    assert registry.get("acme.read_file").spec.namespace == "acme"  # type: ignore[union-attr]
    assert registry.get("read_file").spec.namespace == "builtin"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="'read_file' is already installed; give it the namespace"):
        registry.add(tool("builtin", "read_file"))
    with pytest.raises(ValueError, match=r"'acme\.read_file' is already installed"):
        registry.add(acme_read_file())
    with pytest.raises(ValueError, match=r"namespace looks like 'acme' or 'mcp:github', got 'acme\.eu'"):
        registry.add(tool("acme.eu", "lookup"))
    with pytest.raises(ValueError, match="tool name is a letter"):
        registry.add(tool("acme", "read file"))


def test_a_brief_name_means_the_builtin_first_then_the_one_tool_of_that_name() -> None:
    installed = ["read_file", "acme.read_file", "acme.lookup", "crm.lookup", "crm.deals"]
    assert resolve("read_file", installed) == ("read_file",)
    assert resolve("builtin.read_file", installed) == ("read_file",)
    assert resolve("acme.read_file", installed) == ("acme.read_file",)
    assert resolve("deals", installed) == ("crm.deals",)
    assert resolve("lookup", installed) == ("acme.lookup", "crm.lookup")
    assert resolve("acme.deals", installed) == ()
    assert resolve("send_email", installed) == ()


def test_model_facing_names_are_valid_unique_and_map_back_to_their_tool() -> None:
    long_ns = "n" * 32 + ":" + "s" * 64
    tools = [
        *builtin_tools(),
        acme_read_file(),
        tool("mcp:github", "read_file"),
        tool("acme", "lookup"),
        tool("x", "acme__read_file"),  # tries to take the name acme.read_file would get
        tool(long_ns, "read_file"),
        tool(long_ns, "w" * 64),
        tool("crm", "w" * 64),
    ]
    belt = Belt(tools)
    names = belt.names()
    assert len(names) == len(tools) == len(set(names))
    assert all(PROVIDER_NAME.match(n) for n in names), names
    assert {belt.get(n).spec.qualified_name for n in names} == {t.spec.qualified_name for t in tools}  # type: ignore[union-attr]
    assert belt.get("read_file").spec.namespace == "builtin"  # type: ignore[union-attr]  # built-ins keep theirs
    assert belt.get("lookup").spec.qualified_name == "acme.lookup"  # type: ignore[union-attr]  # unique: bare
    assert belt.get("mcp_github__read_file").spec.qualified_name == "mcp:github.read_file"  # type: ignore[union-attr]
    assert [s["function"]["name"] for s in belt.schemas()] == names
    # the same belt always gets the same names, whatever the order its tools come in
    assert model_names(t.spec.qualified_name for t in reversed(tools)) == model_names(
        t.spec.qualified_name for t in tools
    )


def test_a_sources_own_names_become_names_a_brief_can_write_and_a_valid_one_is_never_taken() -> None:
    given = ["get.file", "get_file", "9lives", "weird name!", "x" * 80, "echo", "get file"]
    names = local_names(given)
    assert list(names) == given  # in the source's order
    assert names["get_file"] == "get_file" and names["echo"] == "echo"  # its own: always
    assert names["9lives"] == "t_9lives" and names["weird name!"] == "weird_name_"
    made = {names["get.file"], names["get file"]}  # both would be get_file: each gets its own, hashed
    assert len(made) == 2 and all(re.fullmatch(r"get_file_[0-9a-f]{8}", n) for n in made)
    assert len(names["x" * 80]) == 64 and all(NAME.match(n) for n in names.values())
    assert len(set(names.values())) == len(given)
    for order in (given[::-1], sorted(given), given[3:] + given[:3]):  # the same names whatever the order
        assert local_names(order) == {raw: names[raw] for raw in order}


def test_belts_draw_the_tool_the_brief_names() -> None:
    registry = ToolRegistry([*builtin_tools(), acme_read_file()])
    both = registry.belt(["read_file", "acme.read_file"])
    assert both.names() == ["read_file", "acme__read_file"]
    assert both.qualified_names() == ["read_file", "acme.read_file"]
    only_acme = registry.belt(["acme.read_file"])
    assert only_acme.names() == ["read_file"]
    assert only_acme.get("read_file").spec.namespace == "acme"  # type: ignore[union-attr]
    assert registry.belt(["read_file"]).get("read_file").spec.namespace == "builtin"  # type: ignore[union-attr]


# --- briefs -------------------------------------------------------------------------------------


def test_a_brief_names_the_builtin_bare_and_the_integrators_tool_qualified(tmp_path: Path) -> None:
    installed = ToolRegistry([*builtin_tools(), acme_read_file(), tool("mcp:github", "list_issues")]).names()
    brief = load_brief(
        brief_file(tmp_path, "read_file", "acme.read_file", "mcp:github.list_issues"), known_tools=installed
    )
    assert brief.tools == ("read_file", "acme.read_file", "mcp:github.list_issues")
    assert load_brief(brief_file(tmp_path, "list_issues"), known_tools=installed).tools == ("list_issues",)
    with pytest.raises(BriefError) as info:
        load_brief(brief_file(tmp_path, "read_file", "acme.reed_file"), known_tools=installed)
    message = "writer.md:8: field 'tools[1]': unknown tool 'acme.reed_file' (did you mean 'acme.read_file'?)"
    assert message in str(info.value)


def test_an_ambiguous_bare_name_is_a_brief_error_with_the_line_and_the_choices(tmp_path: Path) -> None:
    installed = ToolRegistry([*builtin_tools(), tool("acme", "lookup"), tool("mcp:crm", "lookup")]).names()
    path = brief_file(tmp_path, "read_file", "lookup")
    with pytest.raises(BriefError) as info:
        load_brief(path, known_tools=installed)
    assert str(info.value) == (
        f"{path}:8: field 'tools[1]': tool 'lookup' is ambiguous: more than one installed tool has that name "
        "(did you mean 'acme.lookup' or 'mcp:crm.lookup'?)"
    )
    assert load_brief(brief_file(tmp_path, "read_file", "mcp:crm.lookup"), known_tools=installed).tools[1] == (
        "mcp:crm.lookup"
    )
    with pytest.raises(BriefError, match=r"tools\[1\]': tool 'builtin\.read_file' is listed twice"):
        load_brief(brief_file(tmp_path, "read_file", "builtin.read_file"), known_tools=installed)
    one = ToolRegistry([tool("acme", "lookup")]).names()
    with pytest.raises(BriefError, match=r"tools\[1\]': tool 'lookup' means 'acme\.lookup', which is listed already"):
        load_brief(brief_file(tmp_path, "acme.lookup", "lookup"), known_tools=one)


def test_a_tool_name_with_a_bad_namespace_is_refused_where_it_is_written(tmp_path: Path) -> None:
    with pytest.raises(BriefError, match=r"writer\.md:7: field 'tools\[0\]': expected a tool name like"):
        load_brief(brief_file(tmp_path, "acme..read_file"))


# --- the office ---------------------------------------------------------------------------------


async def test_the_model_calls_each_tool_by_its_belt_name_and_the_right_one_runs(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(
        call("acme__read_file", path="plan.md"),
        call("read_file", path="plan.md"),
        say("compared both"),
    )
    office = await make_office(model, tools=[acme_read_file()])
    ada = await office.hire(office.brief_for(str(write_brief(tools=["read_file", "acme.read_file"]))), name="Ada")
    (office.home.workspace(ada.id) / "plan.md").write_text("the local plan")
    await office.assign("ada", "Compare the plans")
    await office.run(until_idle=True)

    assert model.requests[0].tool_names == ["read_file", "acme__read_file"]
    results = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert results == ["acme's copy of plan.md", "the local plan"]
    (task,) = await office.journal.tasks()
    assert task.status == "done"
    steps = [s for s in await office.journal.steps(task_id=task.id) if s.kind == "tool"]
    assert [(s.tool, s.status) for s in steps] == [("acme.read_file", "finished"), ("read_file", "finished")]
    rows = await office.journal.read(lambda conn: AuditLog.rows(conn, kind="tool_call"))
    assert sorted(r.data["tool"] for r in rows) == ["acme.read_file", "read_file"]
    model.assert_complete()


async def test_a_brief_granting_only_the_integrators_tool_gets_it_under_the_bare_name(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(call("read_file", path="plan.md"), say("read it"))
    office = await make_office(model, tools=[acme_read_file()])
    await office.hire(office.brief_for(str(write_brief(tools=["acme.read_file"]))), name="Ada")
    await office.assign("ada", "Read the plan")
    await office.run(until_idle=True)
    assert model.requests[0].tool_names == ["read_file"]
    (result,) = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert result == "acme's copy of plan.md"
    (step,) = [s for s in await office.journal.steps() if s.kind == "tool"]
    assert step.tool == "acme.read_file"
    model.assert_complete()


async def test_risk_and_approvals_follow_the_tool_not_its_bare_name(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(
        call("read_file", path="plan.md"),  # the built-in: read-only, runs at once
        call("acme__read_file", path="plan.md"),  # Acme's talks to the outside world: waits for the owner
        say("done"),
    )
    office = await make_office(model, tools=[acme_read_file(risk="external_comm")])
    ada = await office.hire(office.brief_for(str(write_brief(tools=["read_file", "acme.read_file"]))), name="Ada")
    (office.home.workspace(ada.id) / "plan.md").write_text("the local plan")
    await office.assign("ada", "Compare the plans")
    await office.run(until_idle=True)

    (request,) = await office.approvals.list()
    assert (request.tool, request.risk) == ("acme.read_file", "external_comm")
    (task,) = await office.journal.tasks()
    assert task.status == "waiting" and "approve acme.read_file" in task.reason
    await office.decide(request.id, approve=True)
    await office.run(until_idle=True)
    results = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert results == ["the local plan", "acme's copy of plan.md"]
    model.assert_complete()


async def test_a_bare_name_made_ambiguous_by_a_new_install_is_a_brief_error_at_start_up(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office = await make_office(ScriptedModel(), tools=[tool("acme", "lookup")])
    path = write_brief(tools=["read_file", "lookup"])
    ada = await office.hire(office.brief_for(str(path)), name="Ada")
    assert office.employees[ada.id].belt.qualified_names() == ["read_file", "acme.lookup"]
    await office.close()

    reopened = await make_office(ScriptedModel(), tools=[tool("acme", "lookup"), tool("mcp:crm", "lookup")])
    assert ada.id not in reopened.employees
    assert reopened.parts.roster.brief_errors[ada.id] == (
        f"{path}:10: field 'tools[1]': tool 'lookup' is ambiguous: more than one installed tool has that name "
        "(did you mean 'acme.lookup' or 'mcp:crm.lookup'?)"
    )
