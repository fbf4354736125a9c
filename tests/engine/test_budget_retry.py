"""Work parked over budget goes on by itself when a new budget day begins, even in `run --until-idle`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from engine.cli import explain_held
from engine.clock import FakeClock
from engine.events import TaskChanged
from engine.guardrails import worst_case_cost
from engine.llm.types import Message, ModelReply, ToolSchema
from engine.testing import FunctionModel
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_budget_paths import CONFIG, PRICE, PRICED

WORK = [{"role": "user", "content": "Work"}]
WORST = worst_case_cost(CONFIG, WORK, [], PRICE)
BEN_GOAL = "Work through the night"


async def test_a_new_day_during_an_until_idle_run_frees_parked_work(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock()
    parked = asyncio.Event()

    async def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        if BEN_GOAL in str(messages[0]["content"]) and not parked.is_set():
            # Ben's call is in flight across midnight; Ada parks meanwhile (yields to the loop, no wall time).
            while not parked.is_set():  # noqa: ASYNC110
                await asyncio.sleep(0)
            clock.advance(86_400)  # the next budget day
        return ModelReply(text="done", tool_calls=(), model="gpt-4o-mini", cost_usd=WORST)

    office = await make_office(FunctionModel(reply), clock=clock)
    office.bus.subscribe(lambda e: parked.set() if isinstance(e, TaskChanged) and e.status == "parked" else None)
    ada = await office.hire(office.brief_for(str(write_brief(model=PRICED, budget={"per_day_usd": WORST * 1.5}))),
                            name="Ada")  # fmt: skip
    ben = await office.hire(office.brief_for(str(write_brief(id="ben", model=PRICED, goals=[BEN_GOAL]))), name="Ben")
    first = await office.assign(ada.id, "Work")
    second = await office.assign(ada.id, "Work")  # one worst case fits Ada's day, two do not
    await office.assign(ben.id, "Work")
    await office.run(until_idle=True)
    assert parked.is_set()
    assert [t.status for t in await office.journal.tasks()] == ["done", "done", "done"]  # retried, not left parked
    assert {first.id, second.id} <= {t.id for t in await office.journal.tasks(employee_id=ada.id)}


async def test_an_until_idle_run_ends_when_nothing_can_free_parked_work_and_says_why(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        return ModelReply(text="done", tool_calls=(), model="gpt-4o-mini", cost_usd=WORST)

    office = await make_office(FunctionModel(reply), clock=FakeClock())
    ada = await office.hire(office.brief_for(str(write_brief(model=PRICED, budget={"per_day_usd": WORST * 1.5}))),
                            name="Ada")  # fmt: skip
    for _ in range(2):
        await office.assign(ada.id, "Work")
    await asyncio.wait_for(office.run(until_idle=True), 60)  # ends: only tomorrow or the owner can free it
    assert [t.status for t in await office.journal.tasks()] == ["done", "parked"]
    (line,) = explain_held(await office.held_work())
    assert line.startswith("Ada is over budget: today's employee Ada ceiling")
    assert "headcount budget raise Ada" in line and "a new budget day" in line


def test_a_team_ceilings_hint_raises_the_team_and_no_dust_reads_as_a_negative_reservation() -> None:
    """It said "budget raise Ben", which left Ben parked on the team's ceiling; and "$-0.0000 reserved"."""
    from engine.guardrails.budget import Refusal
    from engine.office.queries import Held

    dust = 0.0012 - 0.0008 - 0.0004  # two reservations taken back from their sum: -1.6e-19, not 0
    refusal = Refusal("team:marketing", "day", 0.008, 0.0072, dust, 0.0012, "team marketing")
    assert dust < 0 and "$-0.0000" not in refusal.reason() and "$0.0000 reserved" in refusal.reason()
    (line,) = explain_held([Held("Ben", "over_budget", "task_1", "Write a note", refusal.reason())])
    assert "headcount budget raise marketing --once 1" in line and "budget raise Ben" not in line


def test_amounts_under_a_cent_are_said_as_they_are_in_the_audit_and_at_the_command_line() -> None:
    """A $0.003 ceiling read "per day $0.00" in the audit; `budget raise Ben --once 0.004` said "$0.00 more"."""
    from engine.audit_text import summarize, usd

    assert summarize("budget_changed", {"scope": "team:marketing", "per_turn_usd": None, "per_day_usd": 0.003}) == (
        "team:marketing: per turn none, per day $0.0030"
    )
    assert summarize("budget_changed", {"scope": "employee:emp_1", "usd": 0.004}).endswith("+$0.0040 today only")
    assert [usd(a) for a in (0.0, 0.004, 0.01, 1234.5)] == ["$0.00", "$0.0040", "$0.01", "$1,234.50"]


async def test_a_running_office_frees_work_parked_over_budget_when_the_new_day_begins_not_an_hour_later(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """With everyone parked nothing settles, and the watcher waited for the hourly heartbeat: work parked at
    23:53 went back in the queue at 00:53."""
    from datetime import UTC, datetime

    clock = FakeClock(datetime(2026, 12, 6, 23, 50, tzinfo=UTC))  # the brief's hours are UTC

    def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        return ModelReply(text="done", tool_calls=(), model="gpt-4o-mini", cost_usd=WORST)

    office = await make_office(FunctionModel(reply), clock=clock)
    changes: asyncio.Queue[TaskChanged] = asyncio.Queue()
    office.bus.subscribe(lambda e: changes.put_nowait(e) if isinstance(e, TaskChanged) else None)
    ada = await office.hire(office.brief_for(str(write_brief(model=PRICED, budget={"per_day_usd": WORST * 1.5}))),
                            name="Ada")  # fmt: skip
    await office.assign(ada.id, "Work")
    second = await office.assign(ada.id, "Work")
    working = asyncio.create_task(office.run(until_idle=False))
    while (change := await asyncio.wait_for(changes.get(), 60)).status != "parked":
        pass
    assert change.task_id == second.id
    clock.advance(10 * 60 + 1)  # 00:00:01: the next budget day, well before the hour's heartbeat
    while not ((change := await asyncio.wait_for(changes.get(), 60)).task_id == second.id and change.status == "done"):
        pass
    working.cancel()
    await asyncio.gather(working, return_exceptions=True)
