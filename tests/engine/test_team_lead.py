"""A sprint's plan edited before work starts, the planning call held to budgets; split, escalate, roll over."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest

from engine.clock import FakeClock
from engine.events import EscalationRaised, Event, SummarySent
from engine.llm.types import Message, ModelReply, Price, ToolSchema
from engine.store import writes
from engine.store.audit import read_page
from engine.teams import TeamError
from engine.teams.plan import Plan, PlannedTask, sprint_folder
from engine.testing import FunctionModel, ScriptedModel, call, say
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_teams import MONDAY_9, _team, rehearse


async def _audit(office, kind: str) -> list[object]:  # type: ignore[no-untyped-def]
    return await office.journal.read(
        lambda c: read_page(c, employee_id=None, kind=kind, since=None, until=None, limit=50, offset=0)
    )


async def test_the_planning_call_goes_through_the_budget_guardrails(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    plan = {"tasks": [{"key": "a", "title": "Write it", "owner": "Writer", "due": "2026-01-06"}]}

    def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        return ModelReply(text=json.dumps(plan), tool_calls=(), model="gpt-test", cost_usd=0.0007)

    model = FunctionModel(reply)
    office = await make_office(model, clock=FakeClock(MONDAY_9))
    await _team(office, write_brief, size=2)
    await office.set_ceiling("office", per_turn=0.0001)
    for employee in office.employees.values():  # as if connected to a priced model
        employee.config = type(employee.config)(model="openai/gpt-test", price=Price(2.0, 8.0), max_output_tokens=200)
    with pytest.raises(TeamError, match=r"cannot plan the sprint now: .*office per-turn"):
        await office.teams.plan_sprint("studio", "Launch", days=3)
    assert model.requests == [] and await office.teams.sprints("studio") == []
    assert len(await _audit(office, "budget_refused")) == 1

    await office.set_ceiling("office", per_turn=1.0)
    for employee in office.employees.values():
        employee.config = type(employee.config)(model="openai/gpt-test", price=Price(2.0, 8.0), max_output_tokens=200)
    proposal = await office.teams.plan_sprint("studio", "Launch", days=3)
    assert [c.title for c in proposal.cards] == ["Write it"] and len(model.requests) == 1
    assert len(await _audit(office, "model_call")) == 1  # audited like any step's call


PRICED = {"name": "gpt-4o-mini", "price": {"input_per_mtok": 2.0, "output_per_mtok": 8.0}, "max_output_tokens": 200}


@pytest.mark.parametrize("ceiling", ["Lead", "studio", "office"])
async def test_the_planning_calls_spend_survives_a_restart_and_counts_toward_every_ceiling(
    make_office: OfficeFactory, write_brief: BriefWriter, ceiling: str
) -> None:
    plan = {"tasks": [{"key": "a", "title": "Write it", "owner": "Writer", "due": "2026-01-06"}]}
    clock = FakeClock(MONDAY_9)
    planner = ScriptedModel(say(json.dumps(plan), cost_usd=0.01))
    office = await make_office(planner, clock=clock)
    lead, _ = await _team(office, write_brief, size=2, model=PRICED)
    proposal = await office.teams.plan_sprint("studio", "Launch", days=3)
    planner.assert_complete()
    await office.close()

    model = ScriptedModel()  # no call may be made: the ceiling is spent
    office = await make_office(model, clock=clock)
    report = await office.budget_report()
    spent = {e["scope"]: e["today"] for e in [*report["employees"], *report["teams"], report["office"]]}
    assert spent[f"employee:{lead}"] == spent["team:studio"] == spent["office"] == pytest.approx(0.01)
    planning = [t for t in await office.journal.tasks(employee_id=lead)]
    assert [(t.title, t.status) for t in planning] == [("Plan the sprint: Launch", "done")]
    assert [s.cost_usd for s in await office.journal.steps(task_id=planning[0].id)] == [pytest.approx(0.01)]
    assert proposal.sprint.status == "proposed"

    await office.set_ceiling(ceiling, per_day=0.0105)  # above the planning call, below it plus one more call
    task = await office.assign(lead, "Write the launch note")
    await office.run(until_idle=True)
    parked = await office.journal.task(task.id)
    assert parked is not None and parked.status == "parked" and "over budget" in parked.reason
    assert "$0.0100 spent" in parked.reason
    assert model.requests == []


async def test_the_owner_edits_the_plan_before_work_starts(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office = await make_office(FunctionModel(rehearse), clock=FakeClock(MONDAY_9))
    await _team(office, write_brief, size=3)
    proposal = await office.teams.plan_sprint("studio", "Spring sale", days=3)
    sprint, plan = await office.teams.plan_of(proposal.sprint.id)
    assert [t.key for t in plan.tasks] == ["brief", "part1", "part2", "ship"]

    day = date(2026, 1, 6)
    cyclic = Plan(
        tasks=[
            PlannedTask(key="a", title="A", owner="Writer", due=day, depends_on=["b"]),
            PlannedTask(key="b", title="B", owner="Nobody", due=day, depends_on=["a"], tools=["write_file"]),
        ]
    )
    with pytest.raises(TeamError, match=r"'Nobody' is not on the team.*dependency cycle"):
        await office.teams.edit_plan(sprint.id, cyclic)
    assert len(await office.teams.board("studio")) == 4  # a refused edit changes nothing

    edited = Plan(
        tasks=[
            PlannedTask(key="copy", title="Write the copy", owner="Writer", due=day, tools=["write_file"]),
            PlannedTask(key="art", title="Draw the banner", owner="Designer", due=day, depends_on=["copy"]),
        ]
    )
    await office.teams.edit_plan(sprint.id, edited)
    assert {c.record.key: c.column for c in await office.teams.board("studio")} == {"copy": "backlog", "art": "backlog"}
    assert len(await _audit(office, "sprint_edited")) == 1
    await office.teams.approve(sprint.id)
    assert [t.title for t in await office.journal.tasks()] == ["Write the copy"]
    with pytest.raises(TeamError, match="only a proposed sprint"):
        await office.teams.edit_plan(sprint.id, edited)


async def test_the_lead_splits_a_stuck_task_and_escalates_another(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office = await make_office(ScriptedModel(), clock=FakeClock(MONDAY_9))
    await _team(office, write_brief, size=3)
    proposal = await office.teams.plan_sprint("studio", "Spring sale", days=3)
    await office.teams.approve(proposal.sprint.id)
    (brief,) = await office.journal.tasks()
    one, two = await office.teams.split(brief.id, "Outline the brief", "Write the brief out")
    assert (await office.journal.task(brief.id)).status == "cancelled"  # type: ignore[union-attr]
    assert one.parent_id == brief.id == two.parent_id and one.employee_id == two.employee_id == brief.employee_id
    cards = {c.record.key: c.record for c in await office.teams.board("studio")}
    assert cards["brief"].task_id == one.id and cards["briefb"].task_id == two.id
    assert {"brief", "briefb"} <= set(cards["part1"].dependencies)  # the parts wait for both halves

    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    parked = await office.teams.escalate_to_owner(two.id, "Which season is the sale for?")
    assert parked.status == "parked" and "Which season" in parked.reason
    assert any(isinstance(e, EscalationRaised) and e.task_id == two.id for e in seen)
    column = {c.record.key: c.column for c in await office.teams.board("studio")}
    assert column["briefb"] == "waiting_owner"
    assert len(await _audit(office, "task_split")) == 1 and len(await _audit(office, "escalated_to_owner")) == 1
    with pytest.raises(TeamError, match="cancelled"):
        await office.teams.split(brief.id, "x", "y")


async def test_unfinished_cards_roll_over_to_the_next_sprint(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    await _team(office, write_brief, size=3)
    proposal = await office.teams.plan_sprint("studio", "Spring sale", days=2)
    await office.teams.approve(proposal.sprint.id)
    (brief,) = await office.journal.tasks()
    await office.journal.write(writes.task_status(brief.id, "done", "", clock.now().isoformat()))
    await office.teams.advance()  # the parts are queued, not yet worked
    clock.advance(3 * 24 * 3600)  # past the sprint's last day
    await office.teams.advance()
    sprints = await office.teams.sprints("studio")
    assert [s.status for s in sprints] == ["closed", "active"]
    cards = await office.teams.board("studio")
    rolled = {c.record.key for c in cards if c.record.sprint_id == sprints[1].id}
    assert rolled == {"part1", "part2", "ship"} and {c.record.key for c in cards} == rolled | {"brief"}
    ship = next(c for c in cards if c.record.key == "ship")
    assert set(ship.record.dependencies) == {"part1", "part2"}  # the brief is done: no longer waited on
    new = sprints[1]
    for card in (c for c in cards if c.record.key in rolled):  # dues move with the sprint, inside it
        assert new.starts <= (card.record.due or "") <= new.ends, (card.record.key, card.record.due, new)
    await office.run(until_idle=True)
    assert all(c.column == "done" for c in await office.teams.board("studio"))
    assert [s.status for s in await office.teams.sprints("studio")] == ["closed", "closed"]


async def test_cards_rolled_over_fall_due_on_days_their_owners_work(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """Dues moved by a fixed number of days: a Monday-to-Friday lead's card fell due on a Sunday."""
    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    weekdays = {"timezone": "UTC", "windows": ["mon-fri 09:00-17:00"]}
    await _team(office, write_brief, size=3, hours=weekdays)
    proposal = await office.teams.plan_sprint("studio", "Spring sale", days=2)  # Monday to Wednesday
    await office.teams.approve(proposal.sprint.id)
    clock.advance(4 * 24 * 3600)  # Friday: the next sprint runs Friday to Sunday, each due four days on
    await office.teams.advance()
    new = (await office.teams.sprints("studio"))[-1]
    dues = [date.fromisoformat(c.record.due) for c in await office.teams.board("studio") if c.record.due]
    assert new.starts == "2026-01-09" and dues and all(d.weekday() < 5 for d in dues), dues


async def test_the_weekly_summary_is_sent_at_the_end_of_the_week(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    await _team(office, write_brief, size=2)
    await office.teams.plan_sprint("studio", "Spring sale", days=3)
    sent: list[Event] = []
    office.bus.subscribe(lambda e: sent.append(e) if isinstance(e, SummarySent) else None)
    await office.teams.advance()
    clock.set(datetime(2026, 1, 9, 16, 59, tzinfo=UTC))  # Friday, before the end of the working week
    await office.teams.advance()
    assert sent == [] and await office.teams.summaries("studio") == []
    clock.set(datetime(2026, 1, 9, 17, 0, tzinfo=UTC))
    await office.teams.advance()
    await office.teams.advance()  # once a week, not at every poll
    (event,) = sent
    assert isinstance(event, SummarySent) and event.week == "2026-W02" and "## Shipped" in event.text
    await office.close()
    office = await make_office(FunctionModel(rehearse), clock=clock)  # another process: the row is durable
    (row,) = await office.teams.summaries("studio")
    assert row.week == "2026-W02" and row.text == event.text and row.path.endswith("2026-W02.md")
    await office.teams.advance()
    assert len(sent) == 1


async def test_the_lead_unsticks_a_card_with_its_own_tools(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    def script(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
        task = next(str(m["content"]) for m in messages if m["role"] == "user")
        names = {t["function"]["name"] for t in tools}
        done = sum(1 for m in messages if m["role"] == "tool")
        if task.startswith("Unstick"):
            assert {"split_task", "reassign_task", "escalate_to_owner"} <= names
            stuck = re.search(r"its task is (task_\w+)", task).group(1)  # type: ignore[union-attr]
            return call("split_task", task=stuck, first="Outline", second="Write out") if not done else say("split")
        assert "split_task" not in names  # only the lead has them
        return call("ask_owner", question="Which colour?") if not done else say("asked")

    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(script), clock=clock)
    tools = ["list_files", "read_file", "write_file", "save_note", "ask_owner"]
    await _team(office, write_brief, size=2, tools=tools)
    await office.teams.set_setting("studio", "stuck_minutes", "60")
    proposal = await office.teams.plan_sprint("studio", "Logo", days=1)
    await office.teams.approve(proposal.sprint.id)
    (brief,) = await office.journal.tasks()
    await office.teams.reassign(brief.id, "Writer")
    await office.run(until_idle=True)  # the writer asks the owner: parked
    clock.advance(2 * 3600)
    await office.teams.advance()  # stuck: the lead gets an Unstick task
    await office.run(until_idle=True)
    tasks = {t.title: t for t in await office.journal.tasks()}
    assert tasks["Unstick: Brief for: Logo"].status == "done"
    assert (await office.journal.task(brief.id)).status == "cancelled"  # type: ignore[union-attr]
    assert {c.record.title for c in await office.teams.board("studio")} >= {"Outline", "Write out"}
    await office.teams.advance()  # the halves start a fresh count: not escalated again at once
    assert len([t for t in await office.journal.tasks() if t.title.startswith("Unstick")]) == 1


async def test_a_real_leads_deliverables_are_placed_in_each_sprints_own_folder(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """A real lead names the same files in every plan (sprint/final.md): each sprint's land in its own folder,
    told so in the planning prompt; an edited plan read back from its cards keeps them there, not nested."""
    plan = {"tasks": [{"key": "a", "title": "Ship it", "owner": "Writer", "due": "2026-01-06",
                       "deliverable": "sprint/final.md"}]}  # fmt: skip

    def reply(messages: Sequence[Message], tools: Sequence[ToolSchema]) -> ModelReply:
        return ModelReply(text=json.dumps(plan), tool_calls=(), model="gpt-test")

    model = FunctionModel(reply)
    office = await make_office(model, clock=FakeClock(MONDAY_9))
    await _team(office, write_brief, size=2, model=PRICED)
    spring = await office.teams.plan_sprint("studio", "Spring newsletter", days=3)
    summer = await office.teams.plan_sprint("studio", "Summer sale", days=3)
    assert "relative to the sprint's own folder" in str(model.requests[0].messages[-1]["content"])
    paths = [p.cards[0].deliverable for p in (spring, summer)]
    assert paths == [f"{sprint_folder(p.sprint.id, p.sprint.goal)}/sprint/final.md" for p in (spring, summer)]
    assert paths[0] != paths[1] and paths[0].startswith("sprints/spring-newsletter-")

    _, shown = await office.teams.plan_of(spring.sprint.id)
    edited = await office.teams.edit_plan(spring.sprint.id, shown)
    assert [c.deliverable for c in edited] == [paths[0]]
