"""Work a model outage parked goes on by itself once the model can be tried again; a refusal waits for the owner.

Over real HTTP on 127.0.0.1: the local server is down when the task is worked (Headcount started before
Ollama did), then comes up on the address the owner gave.
"""

from __future__ import annotations

from datetime import UTC, datetime

from engine.clock import FakeClock
from engine.llm.client import LiteLLMClient
from engine.llm.retry import Backoff
from engine.llm.types import ModelUnavailable, Price
from engine.office import Office
from engine.parked import MODEL_DOWN, MODEL_REFUSED
from engine.testing import InstantClock, ScriptedModel, say
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.fakes.openai_server import Fail, FakeOpenAIServer, Reply


async def _parked_reason(office: Office, task_id: str) -> str:
    task = await office.journal.task(task_id)
    assert task is not None and task.status == "parked", task
    return task.reason


async def test_work_parked_while_the_local_server_was_down_goes_on_once_it_answers(
    make_office: OfficeFactory, write_brief: BriefWriter, closed_port: int
) -> None:
    office = await make_office(LiteLLMClient(clock=InstantClock(), backoff=Backoff(jitter=0)))
    await office.hire(office.brief_for(str(write_brief())), name="Ada")
    address = f"http://127.0.0.1:{closed_port}/v1"
    await office.connect_model("openai/local", api_base=address, price=Price(0.0, 0.0))
    task = await office.assign("ada", "Draft the opening hours notice")
    await office.run(until_idle=True)
    assert (await _parked_reason(office, task.id)).startswith(f"{MODEL_DOWN}: provider kept failing: refused")
    assert await office.parts.scheduler.retry_parked_model_down() == 0  # still down: left parked, nothing asked

    with FakeOpenAIServer(port=closed_port) as server:  # the server comes up where the owner said it would
        server.script("local", Reply(text="Open 9 to 5."))
        await office.run(until_idle=True)  # a run looks first; a running office every 30 s
        done = await office.journal.task(task.id)
        assert done is not None and done.status == "done"
        assert len(server.requests) == 1


async def test_a_server_that_refuses_the_work_waits_for_the_owner(
    make_office: OfficeFactory, write_brief: BriefWriter, fake_openai: FakeOpenAIServer
) -> None:
    office = await make_office(LiteLLMClient(clock=InstantClock(), backoff=Backoff(jitter=0)))
    await office.hire(office.brief_for(str(write_brief())), name="Ada")
    await office.connect_model("openai/local", api_base=fake_openai.base_url, price=Price(0.0, 0.0))
    fake_openai.script("local", Fail(401, message="bad key"))
    task = await office.assign("ada", "Draft the notice")
    await office.run(until_idle=True)
    assert (await _parked_reason(office, task.id)).startswith(f"{MODEL_REFUSED}: 401")
    assert await office.parts.scheduler.retry_parked_model_down() == 0  # it answers, but trying again cannot help
    assert len(fake_openai.requests) == 1


async def test_a_hosted_models_outage_is_tried_again_a_quarter_hour_on(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(datetime(2026, 12, 6, 3, 0, tzinfo=UTC))
    model = ScriptedModel(ModelUnavailable("503 server error x4 on openai/gpt-x", passes=True), say("Done."))
    office = await make_office(model, clock=clock)
    await office.hire(office.brief_for(str(write_brief())), name="Ada")
    task = await office.assign("ada", "Draft the notice")
    await office.run(until_idle=True)
    assert (await _parked_reason(office, task.id)).startswith(MODEL_DOWN)
    clock.advance(14 * 60)
    assert await office.parts.scheduler.retry_parked_model_down() == 0
    clock.advance(2 * 60)
    assert await office.parts.scheduler.retry_parked_model_down() == 1
    await office.run(until_idle=True)
    done = await office.journal.task(task.id)
    assert done is not None and done.status == "done"
    model.assert_complete()
