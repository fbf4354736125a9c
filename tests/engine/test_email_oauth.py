"""Gmail and Outlook: an email account that signs in through a Google/Microsoft connection (SASL XOAUTH2).

Real servers on 127.0.0.1: Dovecot 2.3 with `auth_mechanisms = … xoauth2` (it checks the bearer token
against its passdb, so the mailbox's "password" is the access token our authorization server issues),
aiosmtpd with an XOAUTH2 mechanism that checks the bearer token, and the local OAuth server that
refreshes the expired token first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import imaplib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.apps.accounts import AppConfig, save_app
from engine.apps.email_auth import xoauth2
from engine.apps.email_config import PRESETS
from engine.apps.oauth import Tokens
from engine.cli_email import account_from, connect_email, email_rows
from engine.clock import FakeClock
from engine.errors import OwnerError
from engine.llm.client import LiteLLMClient
from engine.office import Office
from engine.paths import Home
from engine.secrets import Secrets
from tests.engine.mailservers import OWNER, Dovecot, OAuthSmtpSink, running_smtp, start_dovecot
from tests.engine.test_email import _assistant_asks_to_send, _delivered_once, _everything_on_disk
from tests.fakes.oauth_server import AuthServer, auth_server

FRESH = "access-0"  # the first token the local authorization server issues (its refresh of the stale one)
STALE = "access-stale-1"


@pytest.fixture
def oauth_dovecot() -> Iterator[Dovecot]:
    server = start_dovecot({OWNER: FRESH}, mechanisms="plain login xoauth2")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def oauth_smtp() -> Iterator[OAuthSmtpSink]:
    with running_smtp({}, tokens={OWNER: FRESH}) as sink:
        assert isinstance(sink, OAuthSmtpSink)
        yield sink


def _parse(*argv: str) -> argparse.Namespace:
    from engine.cli_connect import add_commands

    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    return parser.parse_args(["connect", "email", *argv])


def _args(d: Dovecot, sink: OAuthSmtpSink, *extra: str) -> argparse.Namespace:
    return _parse(
        "gmail", "--oauth", "work-google",
        "--imap-host", "127.0.0.1", "--imap-port", str(d.port),
        "--smtp-host", "127.0.0.1", "--smtp-port", str(sink.port), "--plain", *extra,
    )  # fmt: skip


async def _office_signed_in(home: Path, server: AuthServer, clock: FakeClock) -> Office:
    """An office with a Google connection whose access token expired an hour ago (the refresh token is good)."""
    office = await Office.open(Home.resolve(home), model=LiteLLMClient(), clock=clock)
    app = AppConfig(
        name="work-google", kind="google", url=f"{server.url}/token", user=OWNER, client_id=server.client_id,
        auth_url=f"{server.url}/authorize", token_url=f"{server.url}/token", scopes=("https://mail.google.com/",),
    )  # fmt: skip
    await save_app(office, app)
    expired = (clock.now() - dt.timedelta(hours=1)).isoformat()
    Secrets(home=home).set(app.secret_key, Tokens(STALE, "refresh-77", expired).dumps())
    return office


def test_the_servers_take_only_the_current_token(oauth_dovecot: Dovecot, oauth_smtp: OAuthSmtpSink) -> None:
    """The test servers themselves: a stale bearer token is refused, so a login that works used the fresh one."""
    for token, ok in ((STALE, False), (FRESH, True)):
        client = imaplib.IMAP4("127.0.0.1", oauth_dovecot.port, timeout=10)
        try:
            said = client.authenticate("XOAUTH2", lambda _, t=token: xoauth2(OWNER, t).encode())
            assert ok and said[0] == "OK"
        except imaplib.IMAP4.error:
            assert not ok
        finally:
            client.shutdown()


async def test_gmail_by_oauth_refreshes_then_reads_drafts_and_sends_once(
    headcount_home: Path, oauth_dovecot: Dovecot, oauth_smtp: OAuthSmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    monkeypatch.setattr(sys, "stdin", None)  # no password is asked: reading stdin would fail
    async with auth_server() as server:
        office = await _office_signed_in(headcount_home, server, clock)
        try:
            await connect_email(office, _args(oauth_dovecot, oauth_smtp))
            assert server.refreshes == 1 and server.issued == [FRESH]  # refreshed before the first login
            stored = Tokens.loads(Secrets(home=headcount_home).get("app:work-google") or "")
            assert stored.access_token == FRESH and stored.refresh_token == "refresh-77"
            assert Secrets(home=headcount_home).get("email:gmail") is None  # no password of its own
            (row,) = await email_rows(office, check=True)
            assert (row["status"], row["error"]) == ("ok", None) and "signed in with 'work-google'" in row["runs"]

            task_id, approval_id = await _assistant_asks_to_send(office, oauth_dovecot, oauth_smtp)
            await office.decide(approval_id, approve=True)
            await office.run(until_idle=True)
            assert (await office.journal.task(task_id)).status in ("review", "done")  # type: ignore[union-attr]
            assert server.refreshes == 1  # the token was good all along: no second refresh
            assert oauth_smtp.refused == []

            clock.advance(3600)  # it expires: the next use refreshes first, then the servers refuse the new one
            (row,) = await email_rows(office, check=True)
            assert server.refreshes == 2 and row["status"] == "error"
            assert "refused the login of owner@example.com" in row["error"] and server.issued[-1] not in row["error"]
        finally:
            await office.close()
    _delivered_once(oauth_dovecot, oauth_smtp)
    assert "method=XOAUTH2" in oauth_dovecot.log()  # Headcount's logins; the test's own helpers use LOGIN
    assert FRESH.encode() not in _everything_on_disk(headcount_home)  # the database, logs, audit: no token


async def test_connect_by_oauth_says_what_is_missing(
    headcount_home: Path, oauth_dovecot: Dovecot, oauth_smtp: OAuthSmtpSink
) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    async with auth_server() as server:
        office = await _office_signed_in(headcount_home, server, clock)
        try:
            with pytest.raises(OwnerError, match="signs in with 'nobody', which is not a connected Google"):
                await connect_email(office, _parse("gmail", "--oauth", "nobody"))
            server.client_id = "another-client"  # the sign-in was revoked: the refresh is refused
            with pytest.raises(OwnerError, match="cannot sign in: refreshing the sign-in of 'work-google' failed"):
                await connect_email(office, _args(oauth_dovecot, oauth_smtp))
            assert await email_rows(office, check=False) == []  # nothing was saved
        finally:
            await office.close()


def test_gmail_and_outlook_servers_are_preset_and_overridable() -> None:
    google = AppConfig(name="g", kind="google", url="https://oauth2.googleapis.com/token", user="ann@gmail.com")
    gmail = account_from(_parse("mail", "--oauth", "g"), google)
    assert (gmail.imap_host, gmail.imap_port, gmail.imap_security) == ("imap.gmail.com", 993, "ssl")
    assert (gmail.smtp_host, gmail.smtp_port, gmail.smtp_security) == ("smtp.gmail.com", 465, "ssl")
    assert gmail.user == gmail.address == "ann@gmail.com" and gmail.oauth == "g"
    ms = AppConfig(name="m", kind="microsoft", url="https://login.microsoftonline.com", user="bo@outlook.com")
    outlook = account_from(_parse("mail", "--oauth", "m"), ms)
    preset = PRESETS["microsoft"]
    assert (outlook.imap_host, outlook.smtp_host, outlook.smtp_port) == (preset.imap_host, preset.smtp_host, 587)
    assert outlook.smtp_security == "starttls"
    moved = account_from(_parse("mail", "--oauth", "m", "--smtp-host", "smtp.example.net", "--smtp-port", "2525"), ms)
    assert (moved.smtp_host, moved.smtp_port, moved.imap_host) == ("smtp.example.net", 2525, preset.imap_host)
    with pytest.raises(OwnerError, match="give --imap-host, --smtp-host, --user"):
        account_from(_parse("mail"))
