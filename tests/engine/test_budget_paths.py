"""Budgets through the office: headroom held by others makes a task wait, and refusals name people."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from engine.events import Event, TaskChanged
from engine.guardrails import worst_case_cost
from engine.llm.types import Message, ModelConfig, ModelReply, Price, ToolSchema
from engine.testing import FunctionModel
from tests.engine.conftest import BriefWriter, OfficeFactory

PRICE = Price(input_per_mtok=2.0, output_per_mtok=8.0)
PRICED = {"name": "gpt-4o-mini", "price": {"input_per_mtok": 2.0, "output_per_mtok": 8.0}, "max_output_tokens": 200}
CONFIG = ModelConfig(model="gpt-4o-mini", price=PRICE, max_output_tokens=200)


async def test_headroom_held_by_others_makes_a_task_wait_not_park(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office_box: list[object] = []
    parked = asyncio.Event()

    async def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        worst = worst_case_cost(CONFIG, messages, tools, PRICE)
        if len(model.requests) == 1:  # the first call stays in flight until the second one is held back
            ledger = office_box[0].ledger  # type: ignore[attr-defined]
            # Yields to the loop (no wall time) until the ledger holds a waiter or a task parked instead.
            while not getattr(ledger, "waiting", 0) and not parked.is_set():  # noqa: ASYNC110
                await asyncio.sleep(0)
        return ModelReply(text="done", tool_calls=(), model="gpt-4o-mini", cost_usd=worst * 0.1)

    model = FunctionModel(reply)
    office = await make_office(model)
    office_box.append(office)
    office.bus.subscribe(lambda e: parked.set() if isinstance(e, TaskChanged) and e.status == "parked" else None)
    brief = office.brief_for(str(write_brief(model=PRICED)))
    for name in ("Ada", "Ben"):
        record = await office.hire(brief, name=name)
        await office.assign(record.id, "Work")
    worst = worst_case_cost(CONFIG, [{"role": "user", "content": "Work"}], [], PRICE)
    await office.set_ceiling("office", per_day=worst * 1.6)  # one worst case fits, two do not
    await office.run(until_idle=True)
    assert [t.status for t in await office.journal.tasks()] == ["done", "done"]  # Ben waited for Ada's call


async def test_the_over_budget_message_names_the_employee(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        return ModelReply(text="done", tool_calls=(), model="gpt-4o-mini", cost_usd=0.0)

    office = await make_office(FunctionModel(reply))
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    record = await office.hire(
        office.brief_for(str(write_brief(model=PRICED, budget={"per_day_usd": 1e-6}))), name="Ada"
    )
    task = await office.assign(record.id, "Work")
    await office.run(until_idle=True)
    parked = await office.journal.task(task.id)
    assert parked is not None and "today's employee Ada ceiling" in parked.reason
    assert record.id not in parked.reason


async def test_an_office_per_turn_ceiling_stops_the_call(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        return ModelReply(text="done", tool_calls=(), model="gpt-4o-mini", cost_usd=0.0007)

    model = FunctionModel(reply)
    office = await make_office(model)
    record = await office.hire(office.brief_for(str(write_brief(model=PRICED))), name="Ada")
    await office.set_ceiling("office", per_turn=0.0001)
    task = await office.assign(record.id, "Work")
    await office.run(until_idle=True)
    parked = await office.journal.task(task.id)
    assert parked is not None and "office per-turn" in parked.reason
    assert model.requests == []
