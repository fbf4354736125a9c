"""Redaction at the door: a stored secret the model repeats never reaches the database or the workspace."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from engine.events import Event
from engine.secrets import remember
from engine.testing import ScriptedModel, call, say
from engine.tools.base import FunctionTool, ToolContext
from tests.engine.conftest import BriefWriter, OfficeFactory

SECRET = "corkscrew-Plover-4417-stored-value"  # a stored key's value, not shaped like any provider's


class Email(BaseModel):
    to: str
    body: str = ""


class Vendor(BaseModel):
    name: str


async def _send(ctx: ToolContext, args: Email) -> str:
    return "sent"


async def _vendor(ctx: ToolContext, args: Vendor) -> str:
    return f"{args.name}'s key is {SECRET}"  # a tool that reads a secret back, as a notes app might


async def test_replies_arguments_and_files_pass_the_redactor(
    make_office: OfficeFactory, write_brief: BriefWriter, headcount_home: Path
) -> None:
    remember(SECRET)  # as Secrets.get does when a key is read from the keyring
    model = ScriptedModel(
        call("vendor_key", name="Acme"),
        call("write_file", path="keys.txt", content=f"the key is {SECRET}"),
        call("send_email", to="a@example.test", body=f"use {SECRET}"),
        say(f"Done; I used {SECRET}."),
    )
    tool = FunctionTool("send_email", "Send mail", Email, _send, risk="external_comm", idempotent=False)
    office = await make_office(model, tools=[tool, FunctionTool("vendor_key", "A vendor's key", Vendor, _vendor)])
    brief = write_brief(tools=["write_file", "send_email", "vendor_key"], probation=1)  # its answer is reviewed
    await office.hire(office.brief_for(str(brief)), name="Ada")
    seen: list[Event] = []
    office.bus.subscribe(seen.append)  # what the window and `headcount run` show
    task = await office.assign("ada", "Write the key down and mail it")
    await office.run(until_idle=True)
    (request,) = await office.approvals.list()
    await office.decide(request.id, approve=True)
    await office.run(until_idle=True)
    assert (await office.journal.task(task.id)).status == "review"  # type: ignore[union-attr]
    (handed_in,) = await office.reviews()
    assert handed_in.content.startswith("Done; I used ***.") and SECRET not in handed_in.content
    assert seen and not any(SECRET in repr(e) for e in seen)
    assert any("Acme's key is ***" in repr(e) for e in seen)  # the tool's line, masked

    steps = await office.journal.steps(task_id=task.id)
    texts = [t for s in steps for t in (s.result, s.arguments) if t]
    assert texts and not any(SECRET in t for t in texts)
    assert any("***" in t for t in texts)
    assert SECRET not in request.arguments
    written = (office.home.workspace(office.find("ada").id) / "keys.txt").read_text()
    assert written == "the key is ***"
    await office.close()
    assert _holding(headcount_home, SECRET) == []  # the database, its WAL, the workspace
    model.assert_complete()


def _holding(home: Path, needle: str) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]
