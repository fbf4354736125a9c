"""The catalog's other app tool names (CRM, tickets, ledger, …) grant the MCP server connected under the app's name."""

from __future__ import annotations

from engine.connections import connect, mcp_grants
from engine.testing import ScriptedModel, call, say
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_mcp import fake


def test_app_tool_names_become_grants_of_their_server() -> None:
    assert mcp_grants(["read_file", "crm_lookup", "crm_update", "ledger_read", "mcp:files.read"]) == {
        "crm": {"*"}, "accounting": {"*"}, "files": {"read"},
    }  # fmt: skip


async def test_ticket_list_grants_the_helpdesk_servers_tools(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(call("echo", text="ticket #12: printer on fire"), say("one ticket"))
    office = await make_office(model)
    await connect(office, fake("helpdesk"))
    await office.hire(office.brief_for(str(write_brief(id="support", tools=["read_file", "ticket_list"]))), name="Sue")
    task = await office.assign("Sue", "What is in the queue?")
    await office.run(until_idle=True)
    assert {"read_file", "echo", "add_note"} <= set(model.requests[0].tool_names)
    steps = await office.journal.steps(task_id=task.id)
    assert [(s.tool, s.status) for s in steps if s.kind == "tool"] == [("mcp:helpdesk.echo", "finished")]
    model.assert_complete()
