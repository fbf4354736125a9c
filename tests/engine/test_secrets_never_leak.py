"""Plant real-looking keys in the keyring, run real work against a local server, then look everywhere."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring

from engine.llm.client import LiteLLMClient
from engine.llm.types import Price
from engine.logs import setup_logging
from engine.office import Office
from engine.paths import Home
from engine.secrets import MemoryKeyring, Secrets
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.fakes.openai_server import Fail, FakeOpenAIServer, tool_reply

KEY = "sk-planted-0123456789abcdefPLANTEDsecretXYZ"
OTHER = "ghp_plantedGithubToken0123456789abcdefABCD"


def _everything(home: Path, *extra: Path) -> list[tuple[Path, bytes]]:
    files = [p for p in home.rglob("*") if p.is_file() and p.name != "secrets.cfg"]
    return [(p, p.read_bytes()) for p in [*files, *extra]]


async def test_keys_reach_the_provider_and_nowhere_else(
    memory_keyring: MemoryKeyring, fake_openai: FakeOpenAIServer, headcount_home: Path,
    write_brief: BriefWriter, tmp_path: Path,
) -> None:  # fmt: skip
    secrets = Secrets(backend=keyring.get_keyring())
    secrets.set("openai-test", KEY)
    secrets.set("github", OTHER)
    home = Home.resolve(headcount_home)
    log_path = setup_logging(home.logs, logging.DEBUG)
    fake_openai.script(
        "gpt-4o-mini",
        tool_reply("save_note", {"title": "status", "text": "all good"}),
        Fail(401, message=f"Incorrect API key provided: {KEY}. You can find your key at ..."),
    )
    office = await Office.open(home, model=LiteLLMClient(secrets=secrets))
    try:
        await office.hire(office.brief_for(str(write_brief(tools=["save_note"]))), name="Ada")
        await office.connect_model(
            "openai/gpt-4o-mini", api_base=fake_openai.base_url, api_key_name="openai-test", price=Price(0.15, 0.6)
        )
        task = await office.assign("ada", f"Use the token {OTHER} if you must")  # the owner pastes one by mistake
        await office.run(until_idle=True)
        parked = await office.journal.task(task.id)
        exported = tmp_path / "audit.jsonl"
        await office.journal.read(lambda c: office.audit.export(c, exported, "jsonl"))  # type: ignore[union-attr]
    finally:
        await office.close()
        logging.getLogger().handlers[-1].flush()

    assert any(KEY in h.get("authorization", "") or KEY in h.get("Authorization", "")
               for h in fake_openai.request_headers)  # fmt: skip
    assert parked is not None and parked.status == "parked" and "401" in parked.reason
    assert KEY not in parked.reason
    places = _everything(home.root, exported, log_path)
    assert any(p.name.startswith("headcount.db") for p, _ in places)
    for path, data in places:  # the database (and its WAL), workspaces, logs, the audit export
        assert KEY.encode() not in data, f"the key leaked into {path}"
        assert OTHER.encode() not in data, f"the token the owner pasted leaked into {path}"
    assert "***" in (await _task_body(home, task.id))


async def _task_body(home: Home, task_id: str) -> str:
    office = await Office.open(home, model=LiteLLMClient())
    try:
        task = await office.journal.task(task_id)
        return task.body if task else ""
    finally:
        await office.close()


async def test_a_tool_error_quoting_a_stored_secret_is_masked_in_the_journal_and_for_the_model(
    memory_keyring: MemoryKeyring, make_office: OfficeFactory, write_brief: BriefWriter, headcount_home: Path
) -> None:
    """A server's "401: invalid token Tok-…" was kept whole in `steps.error` (and so in every backup), and the
    result the model was told quoted it too: masked in the row's result only."""
    from pydantic import BaseModel

    from engine.testing import ScriptedModel, call, say
    from engine.tools.base import FunctionTool, ToolContext, ToolError

    token = "Tok-Leaky-556677-planted"
    Secrets(backend=keyring.get_keyring()).set("crm-token", token)

    class NoArgs(BaseModel):
        pass

    async def refuse(ctx: ToolContext, args: NoArgs) -> str:
        raise ToolError(f"401: invalid token {token}")

    model = ScriptedModel(call("crm_search"), say("The CRM refused the token; over to you."))
    leaky = FunctionTool("crm_search", "Search the CRM", NoArgs, refuse, idempotent=False)
    office = await make_office(model, tools=[leaky])
    await office.hire(office.brief_for(str(write_brief(tools=["crm_search"]))), name="Ada")
    await office.assign("ada", "Find Acme in the CRM")
    await office.run(until_idle=True)
    (step,) = [s for s in await office.journal.steps() if s.tool == "crm_search"]
    await office.close()
    assert step.error is not None and "invalid token ***" in step.error
    told = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert told and all(token not in text for text in told) and "invalid token ***" in told[0]
    assert not [p for p, data in _everything(headcount_home) if token.encode() in data]
