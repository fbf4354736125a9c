"""One redactor: the same credential shapes and stored secrets are masked in the audit log, the database,
the workspace and the logs; the audit chain still verifies."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import BaseModel

from engine.audit import Redactor
from engine.redaction import MASK, RedactingFilter, redact_call, remember
from engine.secrets import redact
from engine.testing import ScriptedModel, call, say
from engine.tools.base import FunctionTool, ToolContext
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_audit import Log, store  # noqa: F401  (the fixture)

STORED = "lantern-Osprey-2291-stored"  # a keyring value with no known shape
SHAPES = [
    "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2",  # GitHub: once known to the audit log only
    "AKIAIOSFODNN7EXAMPLE",  # AWS
    "xoxb-1234567890-abcdefghij",  # Slack
    "gsk_" + "12345678abcdEFGH",  # Groq: once known to the database path only
    "xai-" + "ABCDEFGH12345678",  # xAI
]


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_is_masked_on_every_path(shape: str) -> None:
    text = f"use {shape} now"
    assert redact(text) == f"use {MASK} now"  # database, workspace, task text
    assert Redactor()({"note": text}) == {"note": f"use {MASK} now"}  # audit rows and exports
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "said %s", (text,), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == f"said use {MASK} now"  # logs


def test_a_stored_secret_is_masked_by_the_audit_without_being_told() -> None:
    remember(STORED)
    assert Redactor()({"text": f"key {STORED}", STORED: 1}) == {"text": f"key {MASK}", MASK: 1}
    assert redact('{"password": "hunter2-x", "to": "a"}') == '{"password": "' + MASK + '", "to": "a"}'


async def test_the_audit_chain_verifies_over_redacted_rows(store: Log) -> None:  # noqa: F811
    remember(STORED)
    data = {"arguments": {"token": "t-12345", "body": f"{STORED} {SHAPES[0]}"}}
    await store.log.append("tool_call", data, employee_id="ada", ts="2026-01-05T09:00:00+00:00")
    await store.fill(2)
    (stored,) = store.sql("SELECT data FROM audit WHERE kind = 'tool_call'")
    assert STORED not in stored[0] and SHAPES[0] not in stored[0] and "t-12345" not in stored[0]
    assert store.verify().ok


async def test_replies_and_arguments_with_credential_shapes_never_reach_the_database(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    shape = SHAPES[0]
    model = ScriptedModel(call("write_file", path="n.txt", content=f"token {shape}"), say(f"Stored {shape}."))
    office = await make_office(model)
    await office.hire(office.brief_for(str(write_brief(tools=["write_file"]))), name="Ada")
    task = await office.assign("ada", "Note it")
    await office.run(until_idle=True)
    steps = await office.journal.steps(task_id=task.id)
    texts = [t for s in steps for t in (s.result, s.arguments) if t]
    assert texts and not any(shape in t for t in texts)
    assert shape not in (office.home.workspace(office.find("ada").id) / "n.txt").read_text()


async def test_an_approved_call_whose_secret_was_masked_is_refused_not_run_with_the_mask(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """The saved call has `***` for its password: after the approval the tool must not receive the mask."""
    received: list[str] = []

    class Change(BaseModel):
        account: str
        password: str

    async def change(ctx: ToolContext, args: Change) -> str:
        received.append(args.password)
        return "changed"

    tool = FunctionTool("set_password", "Change an account's password", Change, change, risk="destructive")
    model = ScriptedModel(call("set_password", account="shop", password="hunter2-newer"), say("reported"))
    office = await make_office(model, tools=[tool])
    await office.hire(office.brief_for(str(write_brief(tools=["set_password"]))), name="Ada")
    task = await office.assign("ada", "Rotate the shop password")
    await office.run(until_idle=True)
    (request,) = await office.approvals.list()
    assert "hunter2-newer" not in request.arguments

    await office.decide(request.id, approve=True)
    await office.run(until_idle=True)
    assert received == []  # never the mask, never a guess
    steps = await office.journal.steps(task_id=task.id)
    refused = [s for s in steps if s.tool == "set_password" and s.status == "failed"]
    assert refused and "password was masked as a secret" in (refused[-1].error or "")
    assert all("hunter2-newer" not in (s.arguments or "") for s in steps)


async def test_an_approved_email_is_sent_as_written_not_with_words_a_guess_masked(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """ "password: click ..." and "token: 4F2A9" are prose: the owner approves them and the customer gets them.
    A stored secret in the same message is still masked, in what is saved and in what is sent."""
    remember(STORED)
    sent: list[str] = []

    class Letter(BaseModel):
        to: str
        body: str

    async def send(ctx: ToolContext, args: Letter) -> str:
        sent.append(args.body)
        return "sent"

    tool = FunctionTool("send_note", "Send a note to a customer", Letter, send, risk="destructive")
    body = "To change your password: click Settings then Security.\nYour order token: 4F2A9 ships Monday."
    model = ScriptedModel(
        call("send_note", to="alice@customer.test", body=body),
        call("send_note", to="alice@customer.test", body=f"{body}\nPS the door code is {STORED}"),
        say("sent both"),
    )
    office = await make_office(model, tools=[tool])
    await office.hire(office.brief_for(str(write_brief(tools=["send_note"]))), name="Ada")
    task = await office.assign("ada", "Tell Alice how to reset")
    for _ in range(2):
        await office.run(until_idle=True)
        (request,) = await office.approvals.list()
        assert body in json.loads(request.arguments)["body"]  # what the owner is shown: as written
        await office.decide(request.id, approve=True)
    await office.run(until_idle=True)
    assert sent == [body, f"{body}\nPS the door code is {MASK}"]
    steps = await office.journal.steps(task_id=task.id)
    assert all(STORED not in (s.arguments or "") + (s.result or "") for s in steps)
    assert redact_call('{"body": "password: click", "api_key": "k-123456", "n": [1, "' + STORED + '"]}') == (
        '{"body":"password: click","api_key":"' + MASK + '","n":[1,"' + MASK + '"]}'
    )
