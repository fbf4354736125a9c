"""A provider billing above the worst case reads as such in the audit viewer, `headcount audit show` and `log`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from app.audit_rows import summarize
from engine.guardrails import worst_case_cost
from engine.llm.types import Message, ModelReply, ToolSchema
from engine.testing import FunctionModel
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_budget_paths import CONFIG, PRICE, PRICED
from tests.engine.test_cli_inputs import cli

SAID = "the provider billed more than the worst case"


async def test_an_overbilled_call_has_a_readable_row_everywhere_the_owner_looks(
    make_office: OfficeFactory, write_brief: BriefWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        worst = worst_case_cost(CONFIG, messages, tools, PRICE)
        return ModelReply(text="done", tool_calls=(), model="gpt-4o-mini", cost_usd=worst * 3)  # 3x the worst case

    office = await make_office(FunctionModel(reply))
    await office.hire(office.brief_for(str(write_brief(model=PRICED))), name="Ada")
    await office.assign("Ada", "Work")
    await office.run(until_idle=True)
    (row,) = await office.history.audit_rows(
        employee_id=None, kind="provider_overbilled", since=None, until=None, limit=10
    )
    line = summarize(row.kind, row.data)
    assert line.startswith(SAID + ": $") and "billed" in line and "reserved" in line and "gpt-4o-mini" in line
    await office.close()

    code, out, _ = await asyncio.to_thread(cli, capsys, "audit", "show", "Ada", "--kind", "provider_overbilled")
    (shown,) = out.splitlines()
    assert code == 0 and shown.split()[1:3] == ["Ada", "provider_overbilled"] and SAID in shown
    code, out, _ = await asyncio.to_thread(cli, capsys, "log", "Ada")
    assert code == 0 and SAID in out
    code, _, err = await asyncio.to_thread(cli, capsys, "audit", "show", "--kind", "nonsense")
    assert code == 2 and "invalid choice" in err
