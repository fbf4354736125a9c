"""An employee's chat, read back from the journal: it outlives the window that showed it."""

from __future__ import annotations

from engine.clock import RandomIds
from engine.llm.types import ModelUnavailable
from engine.office.history import Said
from engine.testing import ScriptedModel, call, say
from engine.tools.ask import answer
from tests.engine.conftest import BriefWriter, OfficeFactory


async def test_the_chat_is_read_back_from_the_journal_after_a_restart(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(
        call("write_file", path="ideas.md", content="1. A spring sale"),
        say("Three ideas are in ideas.md."),
        call("ask_owner", question="Which colour for the\nspring banner?"),
    )
    office = await make_office(model)
    ada = await office.hire(office.brief_for(str(write_brief(tools=["write_file", "ask_owner"]))), name="Ada")
    ideas = await office.assign("Ada", "Give me three ideas for this week")
    banner = await office.assign("Ada", "Make the spring banner")
    await office.run(until_idle=True)
    await answer(office, banner.id, "Green, like the logo")
    await office.close()

    model.add(say("Done, in green."))
    reopened = await make_office(model, ids=RandomIds())  # a new window, a day later
    await reopened.run(until_idle=True)
    said = await reopened.history.conversation(await reopened.history.steps(ada.id))
    assert said == [
        Said(ideas.id, "owner", "Give me three ideas for this week"),
        Said(ideas.id, "employee", "Three ideas are in ideas.md."),
        Said(banner.id, "owner", "Make the spring banner"),
        Said(banner.id, "employee", "Which colour for the spring banner?"),
        Said(banner.id, "owner", "The owner answered your question (Which colour for the spring banner?): "
             "Green, like the logo"),
        Said(banner.id, "employee", "Done, in green."),
    ]  # fmt: skip
    model.assert_complete()


async def test_a_task_that_ended_without_an_answer_says_how_it_ended(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(call("list_files"), ModelUnavailable("openai/gpt-x kept failing: 503 x4", passes=True))
    office = await make_office(model)
    ada = await office.hire(office.brief_for(str(write_brief())), name="Ada")
    task = await office.assign("Ada", "Tidy the shared drive")
    await office.run(until_idle=True)
    said = await office.history.conversation(await office.history.steps(ada.id))
    assert said == [
        Said(task.id, "owner", "Tidy the shared drive"),
        Said(task.id, "employee", "(parked: the model is unavailable: openai/gpt-x kept failing: 503 x4)"),
    ]
