"""The worst case is reserved, against a real HTTP provider: honest bills stay under every ceiling; a bill above
the reservation is recorded as billed, told to the owner, and stops spending at once (fail closed)."""

from __future__ import annotations

from pathlib import Path

from engine.events import EscalationRaised, Event
from engine.llm.client import LiteLLMClient
from engine.office import Office
from engine.paths import Home
from tests.engine.conftest import BriefWriter
from tests.fakes.openai_server import FakeOpenAIServer, Reply

CEILING = 0.004
MAX_OUT = 50


def _model(base_url: str) -> dict[str, object]:
    price = {"input_per_mtok": 2.0, "output_per_mtok": 8.0}
    return {"name": "openai/m", "api_base": base_url, "price": price, "max_output_tokens": MAX_OUT}


async def _office(home: Path, fake: FakeOpenAIServer, write_brief: BriefWriter, tasks: int) -> Office:
    office = await Office.open(Home.resolve(home), model=LiteLLMClient())
    brief = office.brief_for(str(write_brief(model=_model(fake.base_url))))
    for i in range(5):
        record = await office.hire(brief, name=f"E{i}")
        for _ in range(tasks):
            await office.assign(record.id, "Say hello")
    await office.set_ceiling("office", per_day=CEILING)
    return office


async def _spent(office: Office) -> float:
    return float(await office.journal.read(lambda c: c.exec_driver_sql("SELECT sum(cost_usd) FROM steps").scalar()))


async def test_honest_bills_never_cross_the_office_ceiling(
    fake_openai: FakeOpenAIServer, headcount_home: Path, write_brief: BriefWriter
) -> None:
    office = await _office(headcount_home, fake_openai, write_brief, tasks=8)
    try:
        await office.run(until_idle=True)
        spent = await _spent(office)
        parked = [t for t in await office.journal.tasks() if t.status == "parked"]
    finally:
        await office.close()
    assert fake_openai.requests and all(r["max_tokens"] == MAX_OUT for r in fake_openai.requests)
    assert spent <= CEILING  # 40 calls of ~$0.00011 would be $0.0046: the last ones wait for the owner
    assert parked and all("today's office ceiling" in t.reason for t in parked)


async def test_a_provider_billing_above_the_worst_case_stops_spending_at_once(
    fake_openai: FakeOpenAIServer, headcount_home: Path, write_brief: BriefWriter
) -> None:
    fake_openai.script("m", *[Reply(prompt_tokens=10_000, completion_tokens=9) for _ in range(40)])
    office = await _office(headcount_home, fake_openai, write_brief, tasks=8)
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    try:
        await office.run(until_idle=True)
        spent = await _spent(office)
        tasks = await office.journal.tasks()
        audit = await office.journal.read(
            lambda c: c.exec_driver_sql("SELECT count(*) FROM audit WHERE kind = 'provider_overbilled'").scalar()
        )
    finally:
        await office.close()
    hits = fake_openai.hits("m")
    assert 1 <= hits <= 5  # only the calls already in flight when the first overrun was billed
    assert spent == hits * (10_000 * 2.0 + 9 * 8.0) / 1e6  # recorded as billed, not as reserved
    assert audit == hits
    assert any(isinstance(e, EscalationRaised) and "billed more than the worst case" in e.reason for e in seen)
    refused = [t for t in tasks if t.status == "parked"]
    assert len(refused) == 40 - hits and all("billed more than the worst case" in t.reason for t in refused)


async def test_the_day_stays_held_after_a_restart_until_the_owner_raises_the_ceiling(
    fake_openai: FakeOpenAIServer, headcount_home: Path, write_brief: BriefWriter
) -> None:
    """The hold lived in memory only: the next `headcount run` spent again on the day a provider overbilled."""
    fake_openai.script("m", *[Reply(prompt_tokens=1_000, completion_tokens=9) for _ in range(3)])  # ~$0.0021 each
    office = await Office.open(Home.resolve(headcount_home), model=LiteLLMClient())
    try:
        await office.hire(office.brief_for(str(write_brief(model=_model(fake_openai.base_url)))), name="Ada")
        await office.set_ceiling("office", per_day=CEILING)
        await office.assign("Ada", "Say hello")
        await office.run(until_idle=True)
    finally:
        await office.close()
    assert fake_openai.hits("m") == 1 and await _spent_at(headcount_home) < CEILING  # overbilled, under the ceiling
    again = await Office.open(Home.resolve(headcount_home), model=LiteLLMClient())  # the next process
    try:
        task = await again.assign("Ada", "Say hello once more")
        await again.run(until_idle=True)
        assert fake_openai.hits("m") == 1  # still held: nothing is spent
        held = await again.journal.task(task.id)
        assert held is not None and held.status == "parked" and "treated as spent" in held.reason
        await again.set_ceiling("office", per_day=1.0)  # the owner raises it
        await again.run(until_idle=True)
        assert fake_openai.hits("m") > 1
    finally:
        await again.close()


async def _spent_at(home: Path) -> float:
    office = await Office.open(Home.resolve(home), model=LiteLLMClient())
    try:
        return await _spent(office)
    finally:
        await office.close()
