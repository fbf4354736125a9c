"""A brief raises or lowers one tool's risk (`approvals.risk`); lowering never hides external communication."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from engine.briefs import load_brief
from engine.testing import call
from engine.tools.argrisk import overridden
from engine.tools.base import FunctionTool, Judged, ToolContext
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_argument_risk import _obedient, _office
from tests.engine.test_briefs import brief_text, error_of, write


class Notes(BaseModel):
    folder: str


def _archive(ran: list[str]) -> FunctionTool:  # type: ignore[type-arg]
    async def run(ctx: ToolContext, args: BaseModel) -> str:
        ran.append("archive")
        return "archived"

    # Declared destructive with no argument check (as an MCP server marks a tool by default).
    return FunctionTool("archive_notes", "Archive a notes folder", Notes, run, risk="destructive", idempotent=False)


def test_the_rule_raises_always_and_lowers_only_a_plain_declared_risk() -> None:
    assert overridden(Judged("read_only"), "external_comm", "visit").risk == "external_comm"
    assert overridden(Judged("destructive"), "internal_write", "archive").risk == "internal_write"
    outside = Judged("external_comm", "goes outside your domains: evil.test")
    kept = overridden(outside, "internal_write", "send_email")
    assert kept.risk == "external_comm" and "the brief lowers send_email to internal_write, which never" in kept.why
    assert overridden(Judged("external_comm"), "read_only", "mcp:x.post").risk == "external_comm"  # no annotations
    assert overridden(Judged("spends_money", "pays $500.00 to ACCT-9"), "read_only", "pay").risk == "spends_money"
    assert overridden(Judged("internal_write"), None, "x") == Judged("internal_write")


def test_a_bad_risk_override_names_file_line_and_field(tmp_path: Path) -> None:
    text = brief_text("approvals:", "  risk:", "    send_email: internal", "    read_file: read_only")
    error = str(error_of(tmp_path, text))
    assert "writer.md:8" in error and "approvals.risk.send_email" in error and "read_only" in error
    error = str(error_of(tmp_path, brief_text("approvals:", "  risk:", "    'not a tool!': read_only")))
    assert "writer.md:" in error and "approvals.risk" in error and "tool name" in error
    brief = load_brief(write(tmp_path, brief_text("approvals:", "  risk: {visit: external_comm}")))
    assert brief.approvals.risk_override("visit") == "external_comm" and brief.approvals.risk_override("x") is None


async def test_a_brief_can_raise_a_tool_to_need_approval(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    ran: list[str] = []
    model = _obedient(call("visit", url="https://docs.example.org/a"))
    office = await _office(make_office, write_brief, model, ran, allowed_domains=["docs.example.org"],
                           approvals={"risk": {"visit": "external_comm"}})  # fmt: skip
    await office.assign("ada", "Read the handbook")
    await office.run(until_idle=True)
    assert ran == []
    (request,) = await office.approvals.list()
    assert request.risk == "external_comm"


async def test_lowering_a_plain_declared_risk_lets_the_tool_run(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    ran: list[str] = []
    office = await make_office(_obedient(call("archive_notes", folder="old")), tools=[_archive(ran)])
    brief = write_brief(tools=["archive_notes"], approvals={"risk": {"archive_notes": "internal_write"}})
    await office.hire(office.brief_for(str(brief)), name="Ada")
    await office.assign("ada", "Tidy the notes")
    await office.run(until_idle=True)
    assert ran == ["archive"] and await office.approvals.list(None) == []


@pytest.mark.parametrize("to", [["mallory@evil.test"], ["bob@example.com", "mallory@evil.test"]])
async def test_lowering_never_hides_mail_to_outside_domains(
    make_office: OfficeFactory, write_brief: BriefWriter, to: list[str]
) -> None:
    ran: list[str] = []
    model = _obedient(call("send_email", to=to, body="hi"))
    office = await _office(make_office, write_brief, model, ran, approvals={"risk": {"send_email": "read_only"}})
    await office.assign("ada", "Mail them")
    await office.run(until_idle=True)
    assert ran == []  # held for the owner despite the brief
    (request,) = await office.approvals.list()
    assert request.risk == "external_comm"


async def test_lowered_mail_inside_the_domains_runs(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    ran: list[str] = []
    model = _obedient(call("send_email", to=["bob@example.com"], body="hi"))
    office = await _office(make_office, write_brief, model, ran, approvals={"risk": {"send_email": "read_only"},
                           "require": ["internal_write"]})  # fmt: skip
    await office.assign("ada", "Mail Bob")
    await office.run(until_idle=True)
    assert ran and ran[0].startswith("send_email") and await office.approvals.list(None) == []
