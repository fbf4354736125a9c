"""An email account or a calendar disconnected while a call that needs it waits for the owner's approval:
`disconnect` names the call and who uses it, and once approved the task parks ("connect it again"), as for an
MCP server, instead of running the call as "you have no tool named 'send_email'". Connected again, it goes on.

Real servers on 127.0.0.1: Dovecot and aiosmtpd for the mail, Radicale for the calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.apps.accounts import AppConfig, grant, save_app
from engine.apps.calendar import CalDav
from engine.cli_apps import disconnect_app
from engine.cli_email import disconnect_email
from engine.secrets import MemoryKeyring, Secrets
from engine.testing import ScriptedModel, call, say
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.mailservers import Dovecot, SmtpSink
from tests.engine.test_email import _assistant_asks_to_send, _delivered_once, _office_with_account
from tests.fakes.radicale_server import Radicale, radicale

MONDAY = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)


async def test_an_email_account_disconnected_under_a_waiting_send_parks_the_task_until_it_is_back(
    headcount_home: Path,
    dovecot: Dovecot,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    office = await _office_with_account(headcount_home, dovecot, smtp_sink, monkeypatch)
    try:
        task_id, approval_id = await _assistant_asks_to_send(office, dovecot, smtp_sink)
        capsys.readouterr()
        assert await disconnect_email(office, "work")
        assert capsys.readouterr().out.splitlines() == [
            "Disconnected the email account 'work'; its password is gone from the keyring.",
            "Pat's send_email waits for your approval and needs it: approved, the task parks until you connect it "
            f"again (or: headcount reject {approval_id} --reason …)",
            "The briefs of Pat name read_inbox, draft_email or send_email: their next tasks go without email until "
            "you connect an account again.",
        ]

        await office.decide(approval_id, approve=True)
        await office.run(until_idle=True)
        task = await office.journal.task(task_id)
        assert task is not None and (task.status, task.reason) == (
            "parked",
            "the approved send_email call needs an email account, and none is connected now: connect one again "
            "(`headcount connect email NAME …`)",
        )
        steps = await office.journal.steps(task_id=task_id)
        assert "send_email" not in [s.tool for s in steps if s.kind == "tool"]  # never run without its tool
        assert smtp_sink.received == []

        await office.close()
        office = await _office_with_account(headcount_home, dovecot, smtp_sink, monkeypatch)  # connected again
        await office.resume(task_id)
        await office.run(until_idle=True)
        assert (await office.journal.task(task_id)).status in ("review", "done")  # type: ignore[union-attr]
    finally:
        await office.close()
    _delivered_once(dovecot, smtp_sink)  # the call the owner approved, once


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Radicale]:
    with radicale(tmp_path / "radicale", {"ann": "ann-pass-1"}) as running:
        yield running


async def test_a_calendar_disconnected_under_a_waiting_invitation_parks_the_task(
    make_office: OfficeFactory,
    write_brief: BriefWriter,
    server: Radicale,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from caldav import DAVClient

    DAVClient(url=f"{server.url}/ann/", username="ann", password="ann-pass-1", require_tls=False,
              enable_rfc6764=False).principal().make_calendar(name="work", cal_id="work")  # fmt: skip
    app = AppConfig(name="cal", kind="calendar", url=server.calendar_url("ann", "work"), user="ann")
    model = ScriptedModel(
        call("calendar_create", summary="Pitch", start="2026-12-08T10:00:00+00:00", end="2026-12-08T11:00:00+00:00",
             attendees=["carol@client.test"]),
        say("Invited Carol."),
    )  # fmt: skip
    office = await make_office(model)
    await office.set_domains(("example.com",))
    Secrets().set(app.secret_key, "ann-pass-1")
    await save_app(office, app)
    tools = ["read_file", "calendar_list", "calendar_create"]
    await office.hire(office.brief_for(str(write_brief(id="assistant", tools=tools))), name="Ada")
    await grant(office, "cal", "Ada")
    task = await office.assign("Ada", "Invite Carol from the client to the pitch")
    await office.run(until_idle=True)
    (request,) = await office.approvals.list()

    capsys.readouterr()
    assert await disconnect_app(office, "cal")
    assert capsys.readouterr().out.splitlines() == [
        "Disconnected the calendar app 'cal' and deleted its credential from the keyring.",
        "Ada's calendar.calendar_create waits for your approval and needs it: approved, the task parks until you "
        f"connect it again (or: headcount reject {request.id} --reason …)",
        "It was granted to Ada: their next tasks go without calendar_create, calendar_list until you connect a "
        "calendar app again and grant it.",
    ]
    await office.decide(request.id, approve=True)
    await office.run(until_idle=True)
    parked = await office.journal.task(task.id)
    assert parked is not None and parked.status == "parked"
    assert parked.reason == (
        "the approved calendar.calendar_create call needs a calendar app granted to them, and none is now: connect "
        "it again and grant it (`headcount connect calendar NAME …`, `headcount grant NAME EMPLOYEE`)"
    )
    assert CalDav(app, "ann-pass-1").events(MONDAY, MONDAY + dt.timedelta(days=2)) == []  # nothing booked
    assert len(model.requests) == 1  # the model was not asked again: nothing ran
