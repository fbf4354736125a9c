"""Teams: the shared board, hand-offs with versioned team files, sprints, stuck work, stand-ups, summaries."""

from __future__ import annotations

import asyncio
import functools
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.clock import FakeClock, RandomIds
from engine.errors import OwnerError
from engine.events import EscalationRaised, Event, HandOff, MeetingEnded, MeetingStarted
from engine.llm import rehearsal
from engine.llm.types import Message, ModelReply, Price, ToolSchema
from engine.office import Office
from engine.store import teams as team_store
from engine.store.audit import read_page
from engine.teams import Member, PlannedTask, TeamError, check_plan, find_cycle
from engine.teams.plan import Plan, sprint_folder
from engine.teams.tools import team_tools
from engine.testing import FunctionModel, ScriptedModel, call, say
from engine.tools.base import ToolContext, ToolError
from tests.engine.conftest import BriefWriter, OfficeFactory

MONDAY_9 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ROLES = [
    ("lead", "Team Lead"),
    ("writer", "Writer"),
    ("designer", "Designer"),
    ("editor", "Editor"),
    ("seller", "Seller"),
]


def rehearse(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
    """The offline rehearsal model, served as a test model."""
    text, calls = rehearsal.decide(messages, tools)
    return ModelReply(text=text, tool_calls=calls, model="rehearsal", finish_reason="tool_calls" if calls else "stop")


async def _team(office: Office, write_brief: BriefWriter, size: int = 5, **fields: Any) -> list[str]:
    ids = []
    team = "studio"
    for role, title in ROLES[:size]:
        record = await office.hire(
            office.brief_for(str(write_brief(id=role, title=title, **fields))), name=title.split()[-1], team=team
        )
        ids.append(record.id)
    return ids


def _task_text(messages: list[Message]) -> str:
    return next(str(m["content"]) for m in messages if m["role"] == "user")


async def test_a_hand_off_passes_a_versioned_file_to_a_teammate(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    def script(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
        done = [m for m in messages if m["role"] == "tool"]
        if _task_text(messages).startswith("Draft the launch"):  # the writer
            steps = [
                call("team_write", path="launch.md", content="v1", base_version=0),
                call("hand_off", to="Designer", title="Design the launch", note="words are in", artifact="launch.md"),
            ]
        else:  # the designer: writes on a stale version, is told the current one, retries against it
            steps = [
                call("team_read", path="launch.md"),
                call("team_write", path="launch.md", content="v2", base_version=0),
                call("team_write", path="launch.md", content="v2 with art", base_version=1),
            ]
        return steps[len(done)] if len(done) < len(steps) else say("done")

    office = await make_office(FunctionModel(script))
    _lead, writer, designer = await _team(office, write_brief, size=3)
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    first = await office.assign(writer, "Draft the launch words")
    await office.run(until_idle=True)

    handed = [e for e in seen if isinstance(e, HandOff)]
    assert [(e.from_employee, e.to_employee) for e in handed] == [(writer, designer)]
    tasks = {t.id: t for t in await office.journal.tasks()}
    second = tasks[handed[0].task_id]
    assert second.parent_id == first.id and second.employee_id == designer and second.status == "done"
    assert "Team file: launch.md (version 1)" in second.body
    steps = await office.journal.steps(task_id=second.id)
    results = [s.result or "" for s in steps if s.tool == "team_write"]
    assert "stale: launch.md is at version 1, not 0" in results[0] and results[1] == "wrote launch.md version 2"
    assert (office.teams.workspace("studio") / "launch.md").read_text() == "v2 with art"
    board = await office.teams.board("studio")
    assert [(c.record.owner_id, c.column) for c in board] == [(designer, "done")]
    page = functools.partial(read_page, employee_id=writer, kind="hand_off", since=None, until=None, limit=5, offset=0)
    assert len(await office.journal.read(page)) == 1


async def test_a_hand_off_stays_inside_the_team(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    office = await make_office(ScriptedModel())
    await _team(office, write_brief, size=2)
    outsider = await office.hire(office.brief_for(str(write_brief(id="solo", title="Solo"))), name="Solo")
    writer = office.find("Writer").id
    with pytest.raises(TeamError, match="not on your team"):
        await office.teams.hand_off(writer, "task_x", "Solo", "t", "n")
    with pytest.raises(TeamError, match="not on a team"):
        await office.teams.hand_off(outsider.id, "task_x", "Writer", "t", "n")
    with pytest.raises(TeamError, match="no team file"):
        await office.teams.hand_off(writer, "task_x", "Lead", "t", "n", artifact="missing.md")


def _members() -> list[Member]:
    return [
        Member("e1", "Ada", "lead", "Lead", "t", frozenset({"write_file"}), True),
        Member("e2", "Bob", "writer", "Writer", "t", frozenset({"write_file"}), True),
    ]


def test_a_plan_is_checked_before_the_owner_sees_it() -> None:
    day = date(2026, 1, 5)
    plan = Plan(
        tasks=[
            PlannedTask(key="a", title="A", owner="Ada", due=day, depends_on=["b"]),
            PlannedTask(key="b", title="B", owner="Bob", due=day, depends_on=["a"], tools=["send_email"]),
            PlannedTask(key="c", title="C", owner="Zed", due=date(2026, 2, 1), depends_on=["nope"]),
            PlannedTask(key="d", title="D", owner="Bob", due=day, deliverable="../../tmp/evil.md"),
            PlannedTask(key="e", title="E", owner="Bob", due=day, deliverable="/etc/passwd"),
            PlannedTask(key="f", title="F", owner="Bob", due=day, deliverable="drafts/.hidden"),
            PlannedTask(key="g", title="G", owner="Bob", due=day, deliverable="drafts/launch.md"),
        ]
    )
    problems = check_plan(plan, _members(), day, date(2026, 1, 9))
    assert "b: Bob lacks send_email" in problems
    assert "c: 'Zed' is not on the team" in problems
    assert "c: depends on unknown task 'nope'" in problems
    assert any(p.startswith("c: due 2026-02-01 is outside") for p in problems)
    assert "dependency cycle: a -> b -> a" in problems
    outside = [p for p in problems if "inside the team workspace" in p]
    assert [p.split(":")[0] for p in outside] == ["d", "e", "f"]  # g's drafts/launch.md is fine
    assert find_cycle({"x": ["y"], "y": []}) == []


async def test_a_real_lead_plans_in_json_and_a_bad_plan_is_refused(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    bad = {"tasks": [{"key": "a", "title": "A", "owner": "Nobody", "due": "2026-01-05"}]}
    good = {
        "tasks": [{"key": "a", "title": "Write it", "owner": "Writer", "due": "2026-01-06", "tools": ["write_file"]}]
    }
    model = ScriptedModel(say(json.dumps(bad)), say("```json\n" + json.dumps(good) + "\n```"))
    office = await make_office(model, clock=FakeClock(MONDAY_9))
    await _team(office, write_brief, size=2)
    for employee in office.employees.values():  # as if connected to a real model
        employee.config = type(employee.config)(model="openai/gpt-test", price=Price(0.15, 0.6))
    with pytest.raises(TeamError, match="'Nobody' is not on the team"):
        await office.teams.plan_sprint("studio", "Launch", days=3)
    proposal = await office.teams.plan_sprint("studio", "Launch", days=3)
    assert proposal.sprint.status == "proposed" and [c.title for c in proposal.cards] == ["Write it"]
    assert "Plan a sprint for the goal: Launch" in model.requests[0].messages[-1]["content"]
    # Nothing queued before the owner approves; each planning call is journaled as the lead's task, with its cost.
    planned = [(t.title, t.status, t.reason) for t in await office.journal.tasks()]
    assert planned == [
        ("Plan the sprint: Launch", "failed", "the lead's plan cannot be used: a: 'Nobody' is not on the team"),
        ("Plan the sprint: Launch", "done", ""),
    ]
    model.assert_complete()


async def test_due_dates_fall_on_days_their_owners_work(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    """A sprint planned on a Friday by a weekday team has nothing due on the weekend."""
    weekdays = {"timezone": "Europe/London", "windows": ["mon-fri 09:00-17:30"]}
    office = await make_office(FunctionModel(rehearse), clock=FakeClock(datetime(2026, 1, 9, 10, 0, tzinfo=UTC)))
    await _team(office, write_brief, size=3, hours=weekdays)
    proposal = await office.teams.plan_sprint("studio", "Launch", days=5)  # Friday 9 to Tuesday 13
    dues = {c.title.split(":")[0]: date.fromisoformat(c.due) for c in proposal.cards if c.due}
    assert dues == {
        "Brief for": date(2026, 1, 9),  # Friday
        "Writer": date(2026, 1, 12),  # the middle is Sunday: the nearest working day, Monday
        "Designer": date(2026, 1, 12),
        "Review and ship": date(2026, 1, 13),
    }


async def test_a_real_lead_is_told_when_each_member_works(make_office: OfficeFactory, write_brief: BriefWriter) -> None:
    weekdays = {"timezone": "Europe/London", "windows": ["mon-fri 09:00-17:30"]}
    plan = {"tasks": [{"key": "a", "title": "Write it", "owner": "Writer", "due": "2026-01-12"}]}
    model = ScriptedModel(say(json.dumps(plan)))
    real = await make_office(model, clock=FakeClock(datetime(2026, 1, 9, 10, 0, tzinfo=UTC)))
    await _team(real, write_brief, size=2, hours=weekdays)
    for employee in real.employees.values():  # as if connected to a real model
        employee.config = type(employee.config)(model="openai/gpt-test", price=Price(0.15, 0.6))
    await real.teams.plan_sprint("studio", "Launch", days=5)
    prompt = model.requests[0].messages[-1]["content"]
    assert "works mon-fri 09:00-17:30 (Europe/London)" in prompt and "on a day its owner works" in prompt


async def _sprint_run(office: Office, clock: FakeClock, hours: int = 24) -> None:
    """Run the office for `hours` simulated hours, an hour at a time."""
    for _ in range(hours):
        await office.run(until_idle=True)
        clock.advance(3600)


async def test_a_five_person_sprint_over_a_day_finishes_every_card_once(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    members = await _team(office, write_brief)
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    proposal = await office.teams.plan_sprint("studio", "Launch the spring newsletter", days=2)
    assert [type(e) for e in seen if isinstance(e, MeetingStarted | MeetingEnded)] == [MeetingStarted, MeetingEnded]
    assert len(proposal.cards) == 6 and {c.owner_id for c in proposal.cards} == set(members)
    await office.teams.approve(proposal.sprint.id)
    first = await office.journal.tasks()
    assert [t.title for t in first] == ["Brief for: Launch the spring newsletter"]  # the rest wait on it

    await _sprint_run(office, clock)
    await _assert_sprint_done(office, proposal.sprint.id)


async def test_someone_let_go_mid_sprint_hands_their_cards_to_the_lead_and_every_team_goes_on(
    make_office: OfficeFactory, write_brief: BriefWriter, caplog: pytest.LogCaptureFixture
) -> None:
    """Letting go the owner of a card not yet queued used to stop every team's upkeep at each poll, for good."""
    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    lead, _, designer, *_ = await _team(office, write_brief)
    other = await office.hire(office.brief_for(str(write_brief(id="solo", title="Seller"))), name="Sol", team="sales")
    proposal = await office.teams.plan_sprint("studio", "Launch the spring newsletter", days=2)
    await office.teams.approve(proposal.sprint.id)
    assert any(c.owner_id == designer for c in proposal.cards)
    await office.dismiss(designer)  # before their card is queued: it waits on the brief
    sales = await office.teams.plan_sprint("sales", "Q1 pipeline", days=2)
    await office.teams.approve(sales.sprint.id)  # another team's sprint, approved after

    await _sprint_run(office, clock)
    cards = await office.teams.board("studio")
    assert all(c.column == "done" for c in cards), [(c.record.key, c.column) for c in cards]
    theirs = [c for c in cards if "Designer" in c.record.title]
    assert theirs and all(c.record.owner_id == lead for c in theirs)  # the lead did it
    assert all(c.column == "done" for c in await office.teams.board("sales"))
    assert other.id in {c.record.owner_id for c in await office.teams.board("sales")}
    assert "team upkeep failed" not in caplog.text
    assert (await office.teams.everyone())[designer] == "Designer"  # the board can still say whose a card was
    page = functools.partial(
        read_page, kind="task_reassigned", employee_id=None, since=None, until=None, limit=9, offset=0
    )
    moved = [json.loads(r.data) for r in await office.journal.read(page)]
    assert [m["from"] for m in moved] == [designer] * len(theirs)  # audited


async def test_workers_that_finish_together_queue_the_next_card_once(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    # Each worker that finishes a card releases what it unblocked; several finish at once (the parts of a
    # sprint), and each read the board before any wrote: the card they unblock must still be queued once.
    office = await make_office(FunctionModel(rehearse), clock=FakeClock(MONDAY_9))
    await _team(office, write_brief)
    proposal = await office.teams.plan_sprint("studio", "Launch the spring newsletter", days=2)
    await office.journal.write(team_store.update_sprint(proposal.sprint.id, status="active"))
    released = await asyncio.gather(*[office.teams.release() for _ in range(4)])
    assert sorted(len(r) for r in released) == [0, 0, 0, 1]
    assert [t.title for t in await office.journal.tasks()] == ["Brief for: Launch the spring newsletter"]


async def test_two_processes_releasing_together_queue_the_next_card_once(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    # Another process (a CLI `approve`, a second office) releases beside the running office: each read
    # the board before either wrote, and no lock is shared. The card's link to its task is conditional,
    # so the later write is rolled back with the task it would have made.
    office = await make_office(FunctionModel(rehearse), clock=FakeClock(MONDAY_9))
    await _team(office, write_brief)
    proposal = await office.teams.plan_sprint("studio", "Launch the spring newsletter", days=2)
    await office.journal.write(team_store.update_sprint(proposal.sprint.id, status="active"))
    other = await make_office(FunctionModel(rehearse), clock=FakeClock(MONDAY_9), ids=RandomIds())
    released = await asyncio.gather(office.teams.release(), other.teams.release(), office.teams.release())
    assert sorted(len(r) for r in released) == [0, 0, 1]
    (task,) = await office.journal.tasks()
    assert task.title == "Brief for: Launch the spring newsletter"
    linked = [c.record.task_id for c in await other.teams.board("studio") if c.record.task_id]
    assert linked == [task.id]


async def test_a_sprint_survives_closing_and_reopening_the_office(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    await _team(office, write_brief)
    await office.teams.set_setting("studio", "auto_approve", "1")
    proposal = await office.teams.plan_sprint("studio", "Launch the spring newsletter", days=2)
    assert proposal.sprint.id and (await office.teams.sprints("studio"))[0].status == "active"
    for hour in range(24):
        if hour % 3 == 1:  # a restart every few hours: a new process over the same journal
            await office.close()
            office = await make_office(FunctionModel(rehearse), clock=clock)
        await office.run(until_idle=True)
        clock.advance(3600)
    await _assert_sprint_done(office, proposal.sprint.id)


async def _assert_sprint_done(office: Office, sprint_id: str) -> None:
    cards = [c for c in await office.teams.board("studio") if c.record.sprint_id == sprint_id]
    assert all(c.column == "done" or c.escalated for c in cards), [(c.record.key, c.column) for c in cards]
    assert all(c.column == "done" for c in cards)  # rehearsal work is never stuck
    tasks = await office.journal.tasks()
    per_card = Counter(t.id for t in tasks if any(c.record.task_id == t.id for c in cards))
    assert len(per_card) == len(cards) and set(per_card.values()) == {1}  # none lost, none done twice
    assert sorted(t.title for t in tasks) == sorted(c.record.title for c in cards)  # and no task beside them
    assert all(t.status == "done" for t in tasks)
    assert (await office.teams.sprints("studio"))[0].status == "closed"
    ship = next(c for c in cards if c.record.key == "ship")
    ship_task = next(t for t in tasks if t.id == ship.record.task_id)
    parts = [t for t in tasks if t.title.startswith(("Writer", "Designer", "Editor", "Seller"))]
    assert all(p.updated_at <= ship_task.created_at for p in parts)  # queued only once its parts were done


async def test_stuck_work_goes_to_the_lead_and_can_be_reassigned(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    clock = FakeClock(MONDAY_9)
    model = ScriptedModel(call("ask_owner", question="Which colour?"))
    office = await make_office(model, clock=clock)
    tools = ["list_files", "read_file", "write_file", "save_note", "ask_owner"]
    lead, writer = await _team(office, write_brief, size=2, tools=tools)
    await office.teams.set_setting("studio", "stuck_minutes", "60")
    proposal = await office.teams.plan_sprint("studio", "Logo", days=1)
    await office.teams.approve(proposal.sprint.id)
    (brief_task,) = await office.journal.tasks()
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    await office.teams.reassign(brief_task.id, "Writer")
    moved = await office.journal.task(brief_task.id)
    assert moved is not None and moved.employee_id == writer and moved.status == "queued"
    assert (await office.teams.board("studio"))[0].record.owner_id == writer
    await office.run(until_idle=True)  # the writer asks the owner and waits: parked
    assert (await office.journal.task(brief_task.id)).status == "parked"  # type: ignore[union-attr]
    clock.advance(2 * 3600)
    await office.teams.advance()
    escalated = [e for e in seen if isinstance(e, EscalationRaised) and "without a deliverable" in e.reason]
    assert [e.task_id for e in escalated] == [brief_task.id]
    unstick = [t for t in await office.journal.tasks() if t.title.startswith("Unstick")]
    assert len(unstick) == 1 and unstick[0].employee_id == lead and unstick[0].parent_id == brief_task.id
    await office.teams.advance()  # escalated once, not at every poll
    assert len([t for t in await office.journal.tasks() if t.title.startswith("Unstick")]) == 1
    with pytest.raises(TeamError, match="not on the team"):
        await office.teams.reassign(brief_task.id, "nobody")


async def test_a_card_parked_over_budget_waits_for_the_owner_and_is_not_sent_to_the_lead_as_stuck(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """It was escalated: the lead got an "Unstick" task, which parked on the same team ceiling."""
    from engine.store import writes

    clock = FakeClock(MONDAY_9)
    office = await make_office(ScriptedModel(), clock=clock)
    await _team(office, write_brief, size=2)
    await office.teams.set_setting("studio", "stuck_minutes", "60")
    proposal = await office.teams.plan_sprint("studio", "Logo", days=1)
    await office.teams.approve(proposal.sprint.id)
    (brief_task,) = await office.journal.tasks()
    reason = "over budget: today's team studio ceiling is $0.0080; $0.0072 spent, $0.0000 reserved"
    await office.journal.write(writes.task_status(brief_task.id, "parked", reason, clock.now().isoformat()))
    clock.advance(5 * 3600)
    await office.teams.advance()
    assert not [t for t in await office.journal.tasks() if t.title.startswith("Unstick")]
    assert not any(c.escalated for c in await office.teams.board("studio"))


async def test_stand_up_each_morning_and_a_weekly_summary(
    make_office: OfficeFactory, write_brief: BriefWriter, tmp_path: Path
) -> None:
    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    await _team(office, write_brief, size=3)
    proposal = await office.teams.plan_sprint("studio", "Spring sale", days=3)
    meetings: list[Any] = []
    office.bus.subscribe(lambda e: meetings.append(e.kind) if isinstance(e, MeetingStarted) else None)
    await office.teams.advance()
    await office.teams.advance()  # once a day
    clock.advance(24 * 3600)
    await office.teams.advance()
    assert meetings == ["standup", "standup"]
    standups = sorted(p.name for p in (office.teams.workspace("studio") / "standups").iterdir())
    assert standups == ["2026-01-05.md", "2026-01-06.md"]
    text, path = await office.teams.summary("studio")
    assert path.read_text() == text
    assert "## Shipped" in text and "## Spent" in text
    assert f"approve sprint {proposal.sprint.id}" in text


def test_the_weekly_summary_asks_for_the_reviews_only_the_owner_can_give() -> None:
    from engine.store.teams import CardRecord
    from engine.teams.board import Card, Column
    from engine.teams.summary import weekly_summary

    def card(title: str, owner: str, column: Column, status: str) -> Card:
        record = CardRecord(
            id=f"card_{owner}", team="studio", sprint_id=None, key=owner, title=title, body="", owner_id=owner,
            depends_on="[]", deliverable="", due=None, task_id=f"task_{owner}", moved_to=None, escalated_at=None,
            created_at="2026-01-05",
        )  # fmt: skip
        return Card(record, column, status)

    cards = [
        card("Spring newsletter", "e1", "in_review", "review"),  # a deliverable on probation: the owner's to review
        card("Banner copy", "e2", "in_review", "running"),  # a teammate moved it into review: not the owner's
    ]
    text = weekly_summary("studio", MONDAY_9, cards, {"e1": "Ada", "e2": "Ben"}, 0.0, [], "2026-01-01")
    decisions = text.split("## Decisions needed\n", 1)[1].splitlines()
    assert decisions == ["- Spring newsletter: its deliverable waits for your review (Ada; `headcount review`)"]


async def test_work_waiting_for_review_is_decided_before_its_task_is_changed(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """A card whose work waits for the owner's review is not reassigned, split or escalated under it; and work
    handed in for a task since cancelled no longer waits for a decision (accepting it would mark it done)."""
    clock = FakeClock(MONDAY_9)
    office = await make_office(ScriptedModel(say("The brief: short and warm.")), clock=clock)
    await _team(office, write_brief, size=2, probation=3)
    proposal = await office.teams.plan_sprint("studio", "Logo", days=1)
    await office.teams.approve(proposal.sprint.id)
    (brief_task,) = await office.journal.tasks()
    await office.run(until_idle=True)
    (handed_in,) = await office.reviews()
    assert handed_in.task_id == brief_task.id
    for change in (
        office.teams.reassign(brief_task.id, "Writer"),
        office.teams.split(brief_task.id, "One half", "The other"),
        office.teams.escalate_to_owner(brief_task.id, "Which colour?"),
    ):
        with pytest.raises(TeamError, match="waits for your review"):
            await change
    assert (await office.journal.task(brief_task.id)).status == "review"  # type: ignore[union-attr]
    await office.teams.set_setting("studio", "stuck_minutes", "60")
    clock.advance(5 * 3600)  # the owner takes the afternoon to read it: nothing is stuck meanwhile
    await office.teams.advance()
    assert not [t for t in await office.journal.tasks() if t.title.startswith("Unstick")]
    assert not any(c.escalated for c in await office.teams.board("studio"))

    await office.dismiss((await office.journal.task(brief_task.id)).employee_id)  # type: ignore[union-attr]
    assert (await office.journal.task(brief_task.id)).status == "cancelled"  # type: ignore[union-attr]
    assert await office.reviews() == []  # nothing waits for the owner any more
    for decide in (office.accept(handed_in.id), office.revise(handed_in.id, "Warmer, please")):
        with pytest.raises(OwnerError, match=f"no longer waits for you: its task {brief_task.id} is cancelled"):
            await decide
    assert (await office.journal.task(brief_task.id)).status == "cancelled"  # type: ignore[union-attr]


async def test_in_rehearsal_each_card_builds_on_the_team_files_before_it(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """The brief is written to the team's workspace, each part reads it and leaves its own file there, and the
    lead reads the parts before shipping: work visibly flows from one member to the next."""
    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    lead, writer, designer = await _team(office, write_brief, size=3)
    workspace = office.teams.workspace("studio")
    proposal = await office.teams.plan_sprint("studio", "Launch the spring newsletter", days=2)
    folder = sprint_folder(proposal.sprint.id, proposal.sprint.goal)
    (workspace / folder).mkdir(parents=True)
    (workspace / folder / "writer.md").write_text("an older draft\n")  # the writer's file exists already
    await office.journal.write(team_store.insert_artifact("studio", f"{folder}/writer.md", 1, "x", lead, None, "t"))
    await office.teams.approve(proposal.sprint.id)
    await _sprint_run(office, clock, hours=6)
    await _assert_sprint_done(office, proposal.sprint.id)

    files = {
        path: version
        for path, version, _, _ in await office.journal.read(lambda c: team_store.read_artifacts(c, "studio"))
    }
    assert files == {f"{folder}/brief.md": 1, f"{folder}/writer.md": 2, f"{folder}/designer.md": 1,
                     f"{folder}/final.md": 1}  # fmt: skip
    tasks = {t.employee_id: t for t in await office.journal.tasks() if t.title.startswith(("Writer", "Designer"))}
    assert f"Builds on: {folder}/brief.md" in tasks[writer].body
    assert f"Deliverable: {folder}/writer.md" in tasks[writer].body
    steps = await office.journal.steps(task_id=tasks[writer].id)
    assert [s.tool for s in steps if s.kind == "tool"] == [
        "list_files",
        "team_read",
        "write_file",
        "team_write",
        "team_write",
        "save_note",
    ]  # the second write: on version 1, which the first (on 0) was told is the newest
    assert f"Built on {folder}/brief.md:" in (workspace / folder / "writer.md").read_text()
    shipped = (workspace / folder / "final.md").read_text()
    assert f"Built on {folder}/writer.md:" in shipped and f"Built on {folder}/designer.md:" in shipped
    assert designer in {t.employee_id for t in tasks.values()}


async def test_two_sprints_of_one_team_keep_their_files_apart(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """Every rehearsal plan named sprint/brief.md and sprint/final.md: a second sprint's cards read the first's
    brief and every write after the first was stale ("sprint/brief.md is at version 4, not 0"). Each sprint's
    deliverables now live in a folder of its own; an older sprint's files stay where they were, readable."""
    clock = FakeClock(MONDAY_9)
    office = await make_office(FunctionModel(rehearse), clock=clock)
    lead, writer = await _team(office, write_brief, size=2)
    workspace = office.teams.workspace("studio")
    (workspace / "sprint").mkdir(parents=True)
    (workspace / "sprint" / "brief.md").write_text("an old sprint's brief\n")  # written before this fix
    await office.journal.write(team_store.insert_artifact("studio", "sprint/brief.md", 4, "x", lead, None, "t"))
    await office.teams.set_setting("studio", "auto_approve", "1")
    spring = (await office.teams.plan_sprint("studio", "Spring newsletter", days=2)).sprint
    summer = (await office.teams.plan_sprint("studio", "Summer sale", days=2)).sprint
    await _sprint_run(office, clock, hours=6)

    folders = {s.id: sprint_folder(s.id, s.goal) for s in (spring, summer)}
    assert folders[spring.id].startswith("sprints/spring-newsletter-") and len(set(folders.values())) == 2
    files = {p: v for p, v, _, _ in await office.journal.read(lambda c: team_store.read_artifacts(c, "studio"))}
    assert files == {"sprint/brief.md": 4} | {f"{f}/{n}.md": 1 for f in folders.values() for n in ("brief", "writer",
                                                                                                 "final")}  # fmt: skip
    tasks = await office.journal.tasks()
    assert all(t.status == "done" for t in tasks), [(t.title, t.status, t.reason) for t in tasks]
    for sprint in (spring, summer):
        folder = folders[sprint.id]
        part = next(t for t in tasks if t.title == f"Writer: {sprint.goal}")
        assert f"Builds on: {folder}/brief.md" in part.body and f"Deliverable: {folder}/writer.md" in part.body
        assert f"Built on {folder}/brief.md:" in (workspace / folder / "writer.md").read_text()
        assert sprint.goal in (workspace / folder / "brief.md").read_text()
    results = [s.result or "" for t in tasks for s in await office.journal.steps(task_id=t.id) if s.kind == "tool"]
    assert not [r for r in results if "stale" in r]
    assert (workspace / "sprint" / "brief.md").read_text() == "an old sprint's brief\n"
    read = next(t for t in team_tools(office.teams, office.journal) if t.spec.name == "team_read")
    ctx = ToolContext(employee_id=writer, task_id="t", workspace=workspace)
    assert await read.run(ctx, {"path": "sprint/brief.md"}) == "[version 4]\nan old sprint's brief\n"


async def test_a_team_file_write_that_hangs_stalls_its_own_call_not_the_office(
    make_office: OfficeFactory, write_brief: BriefWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hung disk or share froze the event loop: no other employee, lease, Ctrl-C or timeout got a turn. The
    write now waits off the loop. The disk here hangs until the test lets it go (waits on state, not time);
    a write made on the loop's own thread is let through at once and recorded, so the old code fails, not hangs."""
    import threading

    loop_thread = threading.get_ident()
    writing, disk_back = threading.Event(), threading.Event()
    on_loop: list[bool] = []
    write_text = Path.write_text

    def hung_disk(self: Path, *args: Any, **kwargs: Any) -> int:
        if self.name.startswith("launch.md"):  # the one file written: kept, then renamed to the newest copy
            on_loop.append(threading.get_ident() == loop_thread)
            writing.set()
            if not on_loop[-1]:
                disk_back.wait()
        return write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", hung_disk)
    model = ScriptedModel(call("team_write", path="launch.md", content="v1", base_version=0), say("written"))
    office = await make_office(model)
    _lead, writer = await _team(office, write_brief, size=2)
    await office.assign(writer, "Draft the launch words")
    working = asyncio.create_task(office.run(until_idle=True))
    await asyncio.to_thread(writing.wait)  # the write has begun, and hangs
    target = office.teams.workspace("studio") / "launch.md"
    answered = await office.journal.tasks()  # the office still answers meanwhile
    written_meanwhile = await asyncio.to_thread(target.exists)
    disk_back.set()
    await working
    assert answered and not written_meanwhile  # the loop kept turning while the write waited
    assert on_loop == [False]  # written off the loop
    kept = target.parent / ".versions" / "launch.md.v1"
    assert [await asyncio.to_thread(p.read_text) for p in (kept, target)] == ["v1", "v1"]


async def test_a_team_write_given_up_on_never_lands_later_and_keeps_no_one_waiting(
    make_office: OfficeFactory, write_brief: BriefWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stalled team_write was reported timed out, yet its thread (the default executor's) wrote the file
    later, over a newer version, and Ctrl-C waited for it. Now the thread is a daemon of its own, and a write
    given up on finds itself abandoned when the disk comes back and removes its temporary file."""
    import threading

    writing, disk_back = threading.Event(), threading.Event()
    write_text = Path.write_text
    stalled: list[threading.Thread] = []

    def hung_disk(self: Path, *args: Any, **kwargs: Any) -> int:
        if args and args[0] == "stalled":
            stalled.append(threading.current_thread())
            writing.set()
            disk_back.wait()
        return write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", hung_disk)
    office = await make_office(ScriptedModel())
    _lead, writer = await _team(office, write_brief, size=2)
    workspace = office.teams.workspace("studio")
    tools = {t.spec.name: t for t in team_tools(office.teams, office.journal)}
    ctx = ToolContext(employee_id=writer, task_id="t", workspace=workspace)
    late = asyncio.create_task(
        tools["team_write"].run(ctx, {"path": "launch.md", "content": "stalled", "base_version": 0})
    )
    await asyncio.to_thread(writing.wait)
    late.cancel()  # as its timeout (or Ctrl-C) gives up on it
    with pytest.raises(asyncio.CancelledError):
        await late
    assert [t.daemon for t in stalled] == [True]  # the process exits without waiting for the hung disk
    newer = await tools["team_write"].run(ctx, {"path": "launch.md", "content": "newer", "base_version": 0})
    assert newer == "wrote launch.md version 1"

    disk_back.set()
    await asyncio.to_thread(stalled[0].join)
    assert await tools["team_read"].run(ctx, {"path": "launch.md"}) == "[version 1]\nnewer"
    assert (workspace / "launch.md").read_text() == "newer"
    assert sorted(p.name for p in (workspace / ".versions").iterdir()) == ["launch.md.v1"]
    assert (workspace / ".versions" / "launch.md.v1").read_text() == "newer"


class _Descending:
    """Ids that sort against the order they are made in (as random ones may, or `card_10` after `card_9`)."""

    def __init__(self) -> None:
        self._n = 10_000

    def new(self, kind: str) -> str:
        self._n -= 1
        return f"{kind}_{self._n}"


async def test_a_plan_reads_back_in_the_order_the_lead_wrote_it(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office = await make_office(FunctionModel(rehearse), clock=FakeClock(MONDAY_9), ids=_Descending())
    await _team(office, write_brief, size=3)
    proposal = await office.teams.plan_sprint("studio", "Launch", days=3)
    _, plan = await office.teams.plan_of(proposal.sprint.id)
    assert [t.key for t in plan.tasks] == ["brief", "part1", "part2", "ship"]  # `sprint show`, the window's editor


async def test_a_team_write_cut_short_by_a_crash_names_its_file_and_stays_readable(
    make_office: OfficeFactory, write_brief: BriefWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Headcount stopped inside team_write after the file was written, before its version was recorded. The
    owner's question showed 200 characters of the draft and not which file; once answered "it happened", the
    team was told there was no such file. The question now names the path and version whole, the draft cut;
    the file written is its version, readable, and the next write builds on it."""
    draft = "Spring words for everyone. " * 80  # 2 KB, before the path in the call's arguments
    insert_artifact = team_store.insert_artifact

    def dies(*args: Any, **kwargs: Any) -> Any:  # the process "dies" between the file and its row
        raise asyncio.CancelledError

    monkeypatch.setattr(team_store, "insert_artifact", dies)
    model = ScriptedModel(call("team_write", content=draft, path="drafts/launch.md", base_version=0))
    office = await make_office(model)
    _lead, writer = await _team(office, write_brief, size=2)
    task = await office.assign(writer, "Draft the launch words")
    await office.run(until_idle=True)
    await office.close()
    monkeypatch.setattr(team_store, "insert_artifact", insert_artifact)

    office = await make_office(ScriptedModel(say("written")))
    await office.run(until_idle=True)
    parked = await office.journal.task(task.id)
    assert parked is not None and parked.status == "uncertain"
    assert 'team_write was running (path="drafts/launch.md", base_version=0, content="Spring words' in parked.reason
    assert "(2,160 characters)" in parked.reason and len(parked.reason) < 400
    await office.resolve(task.id, happened=True)
    await office.run(until_idle=True)
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]

    tools = {t.spec.name: t for t in team_tools(office.teams, office.journal)}
    ctx = ToolContext(employee_id=writer, task_id="t", workspace=office.teams.workspace("studio"))
    assert await tools["team_read"].run(ctx, {"path": "drafts/launch.md"}) == "[version 1]\n" + draft
    with pytest.raises(ToolError, match=r"stale: drafts/launch\.md is at version 1, not 0"):
        await tools["team_write"].run(ctx, {"path": "drafts/launch.md", "content": "late", "base_version": 0})
    written = await tools["team_write"].run(ctx, {"path": "drafts/launch.md", "content": "v2", "base_version": 1})
    assert written == "wrote drafts/launch.md version 2"
    assert await tools["team_read"].run(ctx, {"path": "drafts/launch.md"}) == "[version 2]\nv2"
    with pytest.raises(ToolError, match="outside the team workspace"):  # the kept versions are not team files
        await tools["team_write"].run(ctx, {"path": "drafts/.versions/launch.md.v3", "content": "x", "base_version": 0})
