"""The calendar app over CalDAV, against a real Radicale server on 127.0.0.1 started by the suite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.apps.accounts import AppConfig, grant, save_app
from engine.apps.calendar import CalDav, CalendarError, CreateArgs
from engine.clock import FakeClock
from engine.llm.types import Message, ModelReply, ToolSchema
from engine.office import Office
from engine.secrets import MemoryKeyring, Secrets
from engine.testing import FunctionModel, ScriptedModel, call, say
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.fakes.radicale_server import Radicale, radicale

UTC = dt.UTC
MONDAY = dt.datetime(2026, 12, 7, tzinfo=UTC)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    with radicale(tmp_path_factory.mktemp("radicale"), {"ann": "ann-pass-1", "bob": "bob-pass-2"}) as running:
        yield running


def account(server: Radicale, user: str, calendar: str) -> tuple[AppConfig, CalDav]:
    """A fresh calendar for `user` (made through CalDAV itself) and the app config pointing at it."""
    url = server.calendar_url(user, calendar)
    home = AppConfig(name="cal", kind="calendar", url=f"{server.url}/{user}/", user=user)
    session = CalDav(home, server.users[user])
    from caldav import DAVClient

    DAVClient(
        url=home.url, username=user, password=server.users[user], require_tls=False, enable_rfc6764=False
    ).principal().make_calendar(name=calendar, cal_id=calendar)
    app = home.model_copy(update={"url": url.rstrip("/")})
    return app, CalDav(app, server.users[user]) if session else session


def test_events_free_busy_and_bad_passwords(server: Radicale) -> None:
    app, cal = account(server, "ann", "direct")
    args = CreateArgs(summary="Dentist", start="2026-12-07T09:00:00+00:00", end="2026-12-07T10:00:00+00:00")
    cal.save("uid-dentist", args)
    cal.save("uid-dentist", args)  # the same UID again: still one event
    later = CreateArgs(summary="Lunch", start="2026-12-07T09:30:00+00:00", end="2026-12-07T11:00:00+00:00")
    cal.save("uid-lunch", later)
    events = cal.events(MONDAY, MONDAY + dt.timedelta(days=1))
    assert [e["summary"] for e in events] == ["Dentist", "Lunch"]
    from engine.apps.calendar import busy

    assert busy(events) == [("2026-12-07T09:00:00+00:00", "2026-12-07T11:00:00+00:00")]
    # The home URL works too: its first calendar is used.
    home = app.model_copy(update={"url": f"{server.url}/ann"})
    assert len(CalDav(home, "ann-pass-1").events(MONDAY, MONDAY + dt.timedelta(days=1))) == 2

    with pytest.raises(CalendarError, match="refused the user 'ann'") as refused:
        CalDav(app, "wrong-password-9").events(MONDAY, MONDAY + dt.timedelta(days=1))
    assert "wrong-password-9" not in str(refused.value)
    with pytest.raises(CalendarError, match="refused the user 'ann'"):  # bob's calendar is not ann's to read
        CalDav(app.model_copy(update={"url": f"{server.url}/bob/x"}), "ann-pass-1").events(MONDAY, MONDAY)


async def _office(
    make_office: OfficeFactory,
    write_brief: BriefWriter,
    server: Radicale,
    model: ScriptedModel | FunctionModel,
    calendar: str,
) -> tuple[Office, str]:
    app, _ = account(server, "ann", calendar)
    office = await make_office(model)
    await office.set_domains(("example.com",))
    Secrets().set(app.secret_key, server.users["ann"])
    await save_app(office, app)
    tools = ["read_file", "calendar_list", "calendar_create"]
    await office.hire(office.brief_for(str(write_brief(id="assistant", tools=tools))), name="Ada")
    await office.hire(office.brief_for(str(write_brief(id="clerk", tools=tools))), name="Ben")
    await grant(office, "cal", "Ada")
    return office, app.url


async def test_the_granted_assistant_books_a_meeting_and_an_outsider_invitation_waits(
    make_office: OfficeFactory, write_brief: BriefWriter, server: Radicale, memory_keyring: MemoryKeyring
) -> None:
    model = ScriptedModel(
        call("calendar_list", start="2026-12-07T00:00:00+00:00", end="2026-12-08T00:00:00+00:00"),
        call("calendar_create", summary="Planning", start="2026-12-07T14:00:00+00:00",
             end="2026-12-07T15:00:00+00:00", attendees=["bob@example.com"], description="Q1 plan"),
        call("calendar_create", summary="Planning again", start="2026-12-07T14:30:00+00:00",
             end="2026-12-07T15:00:00+00:00"),
        say("Booked Planning at 14:00."),
        call("calendar_create", summary="Pitch", start="2026-12-08T10:00:00+00:00",
             end="2026-12-08T11:00:00+00:00", attendees=["bob@example.com", "carol@client.test"]),
        say("Nothing to use."),
    )  # fmt: skip
    office, url = await _office(make_office, write_brief, server, model, "booked")
    task = await office.assign("Ada", "Book the planning meeting with Bob on Monday afternoon")
    await office.run(until_idle=True)
    assert {"calendar_list", "calendar_create"} <= set(model.requests[0].tool_names)
    results = [str(m["content"]) for m in model.requests[3].messages if m["role"] == "tool"]
    now, listed = results[0].split("\n", 1)
    assert now.startswith("Now: ") and now.endswith(" in UTC (UTC+00:00)")  # the brief's hours: 24/7, UTC
    assert listed.startswith("Events from 2026-12-07T00:00:00+00:00") and "Busy: nothing, all free" in listed
    assert results[1].startswith("Booked 'Planning' from 2026-12-07T14:00:00+00:00") and "bob@example.com" in results[1]
    assert results[2].startswith("error: that time is busy: Planning (2026-12-07T14:00:00+00:00")
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]
    cal = CalDav(AppConfig(name="cal", kind="calendar", url=url, user="ann"), server.users["ann"])
    (event,) = cal.events(MONDAY, MONDAY + dt.timedelta(days=1))
    assert (event["summary"], event["attendees"]) == ("Planning", "bob@example.com")

    outside = await office.assign("Ada", "Invite Carol from the client to the pitch")
    await office.run(until_idle=True)
    (request,) = await office.approvals.list()
    assert request.risk == "external_comm" and request.task_id == outside.id
    assert cal.events(MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)) == []  # not before approval

    await office.assign("Ben", "Anything")  # same brief, not granted: no calendar tools at all
    await office.run(until_idle=True)
    assert model.requests[-1].tool_names == ["read_file"]
    steps = await office.journal.steps(task_id=task.id)
    assert not any("ann-pass-1" in f"{s.arguments} {s.result} {s.error}" for s in steps)
    model.assert_complete()


async def test_an_app_taken_back_mid_task_stops_at_the_next_call(
    make_office: OfficeFactory, write_brief: BriefWriter, server: Radicale, memory_keyring: MemoryKeyring
) -> None:
    """Revoking is read from the database before each call: the task under way loses the app at once."""
    office: Office | None = None
    day = {"start": "2026-12-07T00:00:00+00:00", "end": "2026-12-08T00:00:00+00:00"}

    async def reply(messages: list[Message], tools: list[ToolSchema]) -> ModelReply:
        results = [m for m in messages if m["role"] == "tool"]
        if not results:
            return call("calendar_list", **day)
        if len(results) == 1:
            assert office is not None
            await grant(office, "cal", "Ada", allow=False)  # the owner takes it back while Ada works
            return call("calendar_create", summary="Review", start="2026-12-07T09:00:00+00:00",
                        end="2026-12-07T10:00:00+00:00")  # fmt: skip
        return say("Could not book it.")

    model = FunctionModel(reply)
    office, url = await _office(make_office, write_brief, server, model, "revoked")
    task = await office.assign("Ada", "Book the review on Monday morning")
    await office.run(until_idle=True)
    listed, refused = [str(m["content"]) for m in model.requests[-1].messages if m["role"] == "tool"]
    assert "Events from 2026-12-07T00:00:00+00:00" in listed
    assert refused.startswith("error: the owner took the calendar app 'cal' back from you")
    cal = CalDav(AppConfig(name="cal", kind="calendar", url=url, user="ann"), server.users["ann"])
    assert cal.events(MONDAY, MONDAY + dt.timedelta(days=1)) == []  # the call never reached the server
    assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]


def test_stored_config_has_no_password(tmp_path: Path) -> None:
    app = AppConfig(name="cal", kind="calendar", url="https://dav.example.com/ann/work/", user="ann")
    assert AppConfig.from_stored("cal", app.stored()) == app.model_copy(
        update={"url": "https://dav.example.com/ann/work"}
    )
    with pytest.raises(ValueError, match="lowercase"):
        AppConfig(name="Bad Name", kind="calendar", url="https://x")


async def test_times_are_the_employees_own_and_the_list_says_what_day_it_is(
    make_office: OfficeFactory, write_brief: BriefWriter, server: Radicale, memory_keyring: MemoryKeyring
) -> None:
    """A real model knows neither today's date nor where its owner is: calendar_list says both, and a time
    written without an offset is the employee's (Los Angeles: eight hours behind UTC in December)."""
    app, cal = account(server, "ann", "local")
    model = ScriptedModel(
        call("calendar_list"),  # no date: today, where the employee works
        call("calendar_create", summary="Planning", start="2026-12-07T14:00", end="2026-12-07T15:00"),
        say("Booked."),
    )
    office = await make_office(model, clock=FakeClock(dt.datetime(2026, 12, 7, 17, 30, tzinfo=UTC)))
    Secrets().set(app.secret_key, server.users["ann"])
    await save_app(office, app)
    hours = {"timezone": "America/Los_Angeles", "windows": ["mon-sun 00:00-23:59"]}
    brief = write_brief(id="assistant", tools=["calendar_list", "calendar_create"], hours=hours)
    await office.hire(office.brief_for(str(brief)), name="Ada")
    await grant(office, "cal", "Ada")
    await office.assign("Ada", "Book the planning meeting at two this afternoon")
    await office.run(until_idle=True)
    listing, booked = [str(m["content"]) for m in model.requests[2].messages if m["role"] == "tool"]
    assert listing.startswith(
        "Now: Monday 2026-12-07 09:30 in America/Los_Angeles (UTC-08:00)\n"
        "Events from 2026-12-07T00:00:00-08:00 to 2026-12-08T00:00:00-08:00: 0"
    ), listing
    assert booked.startswith("Booked 'Planning' from 2026-12-07T14:00:00-08:00 to 2026-12-07T15:00:00-08:00"), booked
    (event,) = cal.events(MONDAY, MONDAY + dt.timedelta(days=2))
    assert dt.datetime.fromisoformat(event["start"]) == dt.datetime(2026, 12, 7, 22, tzinfo=UTC)  # 14:00 there
    model.assert_complete()
