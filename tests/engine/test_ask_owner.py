"""ask_owner: the task waits, durably, for the owner's answer, which reaches the employee as the owner's message."""

from __future__ import annotations

import pytest

from engine.cli import explain_held
from engine.clock import RandomIds
from engine.events import EscalationRaised, Event
from engine.office_parts import OwnerError
from engine.testing import ScriptedModel, call, say
from engine.tools.ask import answer
from tests.engine.conftest import BriefWriter, OfficeFactory


async def test_a_question_parks_the_task_until_the_owner_answers_even_across_a_restart(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(call("ask_owner", question="Which  colour for the\nspring banner?"))
    office = await make_office(model)
    await office.hire(office.brief_for(str(write_brief(tools=["write_file", "ask_owner"]))), name="Ada")
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    task = await office.assign("Ada", "Make the spring banner")
    await office.run(until_idle=True)

    parked = await office.journal.task(task.id)
    assert parked is not None and parked.status == "parked"
    assert parked.reason == "asks you: Which colour for the spring banner?"
    assert any(isinstance(e, EscalationRaised) and e.reason == parked.reason for e in seen)
    assert (await office.roster())[0]["status"] == "blocked"
    (line,) = explain_held(await office.held_work())
    assert line == (
        "Ada asks you: Which colour for the spring banner? (Make the spring banner). "
        f'Answer: headcount answer {task.id} "…"'
    )
    await office.close()

    model.add(call("write_file", path="banner.md", content="A green banner"), say("Done, in green."))
    reopened = await make_office(model, ids=RandomIds())  # the question outlives the process that asked it
    await answer(reopened, task.id, "Green, like the logo")
    await reopened.run(until_idle=True)
    done = await reopened.journal.task(task.id)
    assert done is not None and done.status == "done"
    last = model.requests[-2].messages[-1]
    assert last == {
        "role": "user",
        "content": "The owner answered your question (Which colour for the spring banner?): Green, like the logo",
    }
    model.assert_complete()


async def test_only_a_task_that_asked_can_be_answered(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    office = await make_office(ScriptedModel(say("done")))
    await office.hire(office.brief_for(str(write_brief())), name="Ada")
    task = await office.assign("Ada", "Anything")
    await office.run(until_idle=True)
    with pytest.raises(OwnerError, match=f"task {task.id} is not waiting for an answer .it is done.; .*resume"):
        await answer(office, task.id, "yes")
    with pytest.raises(OwnerError, match="no task 'task_nope'"):
        await answer(office, "task_nope", "yes")
    with pytest.raises(OwnerError, match="needs some text"):
        await answer(office, task.id, "  ")
