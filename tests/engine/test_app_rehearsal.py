"""Rehearsal with connected apps: the catalog's personal assistant books a meeting in a real Radicale the way a
real model would (looks at the day, takes a free hour); a marketer never sees the GitHub tools."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engine.apps.accounts import AppConfig, grant, read_apps, save_app
from engine.apps.calendar import CalDav, CreateArgs
from engine.apps.plane import equip
from engine.clock import FakeClock
from engine.llm.client import LiteLLMClient
from engine.llm.rehearsal_calendar import calendar_steps, free_hour
from engine.office import Office
from engine.paths import Home
from engine.secrets import MemoryKeyring, Secrets
from tests.fakes.radicale_server import radicale

DAY = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)


def test_free_hour_reads_the_busy_line() -> None:
    listing = "Events …\nBusy: 2026-12-07T09:00:00+00:00 to 2026-12-07T10:30:00+00:00"
    assert free_hour(DAY.date(), listing) == dt.datetime(2026, 12, 7, 11, tzinfo=dt.UTC)
    assert free_hour(DAY.date(), "Busy: nothing, all free") == dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)


def test_rehearsal_books_working_hours_where_the_employee_works() -> None:
    """calendar_list's first line names the employee's time zone: 09:00 in Los Angeles is 17:00 UTC, and a
    stand-up from 17:00 to 18:00 UTC pushes the meeting to 10:00 there."""
    now = "Now: Monday 2026-12-07 06:00 in America/Los_Angeles (UTC-08:00)\nEvents …\n"
    first = free_hour(DAY.date(), now + "Busy: nothing, all free")
    assert first is not None and first.isoformat() == "2026-12-07T09:00:00-08:00"
    later = free_hour(DAY.date(), now + "Busy: 2026-12-07T17:00:00+00:00 to 2026-12-07T18:00:00+00:00")
    assert later is not None and later.isoformat() == "2026-12-07T10:00:00-08:00"
    steps = calendar_steps("Book a meeting on 2026-12-07", lambda _: None, TOOLS, "Plan")
    assert steps == [("calendar_list", {"start": "2026-12-07"})]  # the day where the employee works


TOOLS: dict[str, object] = {"calendar_list": {}, "calendar_create": {}}


def test_with_no_date_in_the_task_the_rehearsal_books_the_first_free_hour_ahead() -> None:
    """No date in the task: today's listing says what time it is where the employee works (the rehearsal model
    never reads a clock); an hour still ahead today is taken, else tomorrow is listed and its first free hour."""
    listings: dict[str, str] = {}

    def listed(arguments: dict[str, object]) -> str | None:
        return listings.get(str(arguments.get("start", "today")))

    task = "Book a call with bob@example.com about the launch"
    assert calendar_steps(task, listed, TOOLS, "Launch") == [("calendar_list", {})]
    listings["today"] = "Now: Tuesday 2026-12-08 10:20 in Europe/Paris (UTC+01:00)\nBusy: nothing, all free"
    *_, (tool, booked) = calendar_steps(task, listed, TOOLS, "Launch")
    assert (tool, booked["start"], booked["attendees"]) == ("calendar_create", "2026-12-08T11:00:00+01:00", [
        "bob@example.com"])  # fmt: skip
    listings["today"] = (
        "Now: Tuesday 2026-12-08 15:20 in Europe/Paris (UTC+01:00)\n"
        "Busy: 2026-12-08T15:00:00+00:00 to 2026-12-08T16:00:00+00:00"  # 16:00 to 17:00 in Paris: the day is full
    )
    assert calendar_steps(task, listed, TOOLS, "Launch")[-1] == ("calendar_list", {"start": "2026-12-09"})
    listings["2026-12-09"] = "Now: Tuesday 2026-12-08 15:20 in Europe/Paris (UTC+01:00)\nBusy: nothing, all free"
    *_, (tool, booked) = calendar_steps(task, listed, TOOLS, "Launch")
    assert (tool, booked["start"]) == ("calendar_create", "2026-12-09T09:00:00+01:00")


async def test_the_assistant_books_a_free_hour_and_the_marketer_sees_no_github(
    tmp_path: Path, headcount_home: Path, memory_keyring: MemoryKeyring
) -> None:
    with radicale(tmp_path / "dav", {"ann": "ann-pass-1"}) as dav:
        from caldav import DAVClient

        DAVClient(url=f"{dav.url}/ann/", username="ann", password="ann-pass-1", require_tls=False,
                  enable_rfc6764=False).principal().make_calendar(name="work", cal_id="work")  # fmt: skip
        app = AppConfig(name="work", kind="calendar", url=dav.calendar_url("ann", "work"), user="ann")
        cal = CalDav(app, "ann-pass-1")
        cal.save("standup", CreateArgs(summary="Stand-up", start="2026-12-07T09:00:00+00:00",
                                       end="2026-12-07T10:00:00+00:00"))  # fmt: skip
        clock = FakeClock(DAY.replace(hour=8, minute=30))  # Monday morning
        office = await Office.open(Home.resolve(headcount_home), model=LiteLLMClient(), clock=clock)  # rehearsal
        try:
            await office.set_domains(("example.com",))
            Secrets().set(app.secret_key, "ann-pass-1")
            await save_app(office, app)
            await save_app(office, AppConfig(name="gh", kind="github", url="http://127.0.0.1:9", client_id="x"))
            pat = await office.hire(office.brief_for("assistant"), name="Pat")
            max_ = await office.hire(office.brief_for("marketing-lead"), name="Max")
            await grant(office, "work", "Pat")
            await grant(office, "gh", "Max")  # granted, yet its brief names no GitHub tool: still none
            for who in (pat.id, max_.id):
                await office.call_in(who, hours=24)
            task = await office.assign("Pat", "Book a meeting with bob@example.com on 2026-12-07 to plan the launch")
            await office.assign("Max", "Plan next week's posts")
            await office.run(until_idle=True)

            steps = await office.journal.steps(task_id=task.id)
            used = [s.tool for s in steps if s.kind == "tool" and s.status == "finished"]
            assert used.index("calendar.calendar_list") < used.index("calendar.calendar_create")
            assert (await office.journal.task(task.id)).status in ("done", "review")  # type: ignore[union-attr]
            booked = cal.events(DAY, DAY + dt.timedelta(days=1))
            assert (booked[0]["summary"], booked[0]["start"]) == ("Stand-up", "2026-12-07T09:00:00+00:00")
            (meeting,) = booked[1:]
            assert meeting["start"] == "2026-12-07T10:00:00+00:00" and meeting["attendees"] == "bob@example.com"

            await office.assign("Pat", "Book a call with carol@example.com to review the launch")  # no date: today
            await office.run(until_idle=True)
            review = cal.events(DAY, DAY + dt.timedelta(days=1))[-1]
            assert (review["start"], review["attendees"]) == ("2026-12-07T11:00:00+00:00", "carol@example.com")

            apps = await office.journal.read(read_apps)
            belt = equip(apps, max_.id, office.employees[max_.id].belt, Secrets().get)
            assert not any(n.startswith(("github", "calendar")) for n in belt.names())
            marketing = await office.journal.steps(employee_id=max_.id)
            assert not any((s.tool or "").startswith(("github", "calendar")) for s in marketing)
        finally:
            await office.close()
