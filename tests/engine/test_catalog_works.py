"""Every catalog role hires and does real rehearsal work: the offline default must never be a dead end."""

from __future__ import annotations

from pathlib import Path

from engine.briefs.catalog import load_catalog
from engine.llm.client import LiteLLMClient
from engine.office import Office
from engine.paths import SHIPPED_BRIEFS, Home


async def test_every_catalog_role_works_in_rehearsal(headcount_home: Path) -> None:
    catalog = load_catalog(SHIPPED_BRIEFS)
    assert len(catalog.roles) >= 16 and not catalog.errors
    office = await Office.open(Home.resolve(headcount_home), model=LiteLLMClient())
    try:
        for role in sorted(catalog.roles):
            record = await office.hire(office.brief_for(role))
            await office.call_in(record.id, hours=24)
            await office.assign(record.id, f"Prepare this week's update for the {role} work")
        await office.run(until_idle=True)
        tasks = await office.journal.tasks()
        assert {t.status for t in tasks} <= {"review", "done"}, [(t.title, t.status, t.reason) for t in tasks]
        for employee in office.employees.values():
            steps = await office.journal.steps(employee_id=employee.id)
            tools = {s.tool for s in steps if s.kind == "tool" and s.status == "finished"}
            assert "write_file" in tools, (employee.record.role, tools)
            drafts = list((office.home.workspace(employee.id) / "drafts").glob("*.md"))
            assert drafts and "Rehearsal" in drafts[0].read_text()
            assert all(s.rehearsal for s in steps if s.kind == "model")
    finally:
        await office.close()


async def test_a_streaming_rehearsal_shows_typing_while_it_writes_a_draft(headcount_home: Path) -> None:
    from engine.events import Event, StatusChanged, TextStreamed

    office = await Office.open(Home.resolve(headcount_home), model=LiteLLMClient())
    office.stream = True
    seen: list[Event] = []
    office.bus.subscribe(seen.append)
    try:
        record = await office.hire(office.brief_for("content-writer"))
        await office.call_in(record.id, hours=1)
        await office.assign(
            record.id,
            "A short post about our spring opening hours, with the new Saturday times, for the blog and the newsletter",
        )
        await office.run(until_idle=True)
    finally:
        await office.close()
    statuses = [e.status for e in seen if isinstance(e, StatusChanged)]
    assert "typing" in statuses and statuses.index("thinking") < statuses.index("typing")
    assert any(isinstance(e, TextStreamed) and e.rehearsal and e.delta for e in seen)
    (task,) = [t for t in await _tasks(headcount_home)]
    assert task.title.endswith("…") and len(task.title) <= 80


async def _tasks(home: Path):  # type: ignore[no-untyped-def]
    office = await Office.open(Home.resolve(home), model=LiteLLMClient())
    try:
        return await office.journal.tasks()
    finally:
        await office.close()
