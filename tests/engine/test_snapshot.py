"""One snapshot to start a view, then events alone: deliverables, decisions and spend reach it without re-reads."""

from __future__ import annotations

from engine.events import (
    ApprovalRequested,
    DeliverableDecided,
    DeliverableSubmitted,
    EmployeeHired,
    Event,
    TaskChanged,
)
from engine.testing import ScriptedModel, call, say
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_guardrails import _mail_tools


async def test_a_deliverable_carries_the_files_it_wrote_and_its_decision_is_an_event(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    model = ScriptedModel(
        call("write_file", path="drafts/reply.md", content="Dear Ms Lee,\n\nThe heater is fixed on Friday."),
        say("I drafted the reply in drafts/reply.md."),
    )
    office = await make_office(model)
    await office.hire(office.brief_for(str(write_brief(probation=2))), name="Ada")
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    task = await office.assign("ada", "Reply to the tenant")
    await office.run(until_idle=True)

    (submitted,) = [e for e in seen if isinstance(e, DeliverableSubmitted)]
    assert submitted.task_id == task.id and submitted.title == "Reply to the tenant"
    assert "I drafted the reply" in submitted.content and "The heater is fixed on Friday." in submitted.content
    assert "### drafts/reply.md" in submitted.content  # the owner reads the work, not a file name
    await office.accept(submitted.deliverable_id)
    (decided,) = [e for e in seen if isinstance(e, DeliverableDecided)]
    assert (decided.deliverable_id, decided.decision) == (submitted.deliverable_id, "accepted")
    model.assert_complete()


async def test_the_snapshot_holds_everything_a_view_starts_from(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    outbox: list[dict[str, str]] = []
    model = ScriptedModel(say("done"), say("written"), call("send_email", to="client@example.test", body="Hi"))
    office = await make_office(model, tools=_mail_tools(outbox))
    await office.hire(office.brief_for(str(write_brief())), name="Ada")
    await office.hire(office.brief_for(str(write_brief(id="writer", probation=1))), name="Ben")
    await office.hire(office.brief_for(str(write_brief(id="mailer", tools=["send_email"]))), name="Cy")
    done = await office.assign("ada", "Tidy up")
    await office.run(until_idle=True)  # one at a time: the scripted replies come in this order
    review = await office.assign("ben", "Write a note")
    await office.run(until_idle=True)
    waiting = await office.assign("cy", "Email the client")
    await office.run(until_idle=True)
    await office.close()

    office = await make_office(ScriptedModel(), tools=_mail_tools(outbox))  # a window opening later
    events = await office.snapshot()
    names = {e.name for e in events if isinstance(e, EmployeeHired)}
    tasks = {e.task_id: e.status for e in events if isinstance(e, TaskChanged)}
    assert names == {"Ada", "Ben", "Cy"}
    assert tasks == {done.id: "done", review.id: "review", waiting.id: "waiting"}  # finished ones too
    assert [e.task_id for e in events if isinstance(e, DeliverableSubmitted)] == [review.id]
    assert [e.task_id for e in events if isinstance(e, ApprovalRequested)] == [waiting.id]
    assert outbox == []
