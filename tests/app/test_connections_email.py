"""The Connections tab connects an email account through the engine: it logs in to real IMAP (Dovecot) and SMTP
(aiosmtpd) servers on 127.0.0.1 before keeping it, says why when it cannot, and lists, tests and disconnects it."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.connections_bridge import BY_BRIEF, connections_callbacks
from app.panels.connections import ConnectionsTab
from engine.apps.email_config import read_accounts
from engine.clock import FakeClock
from engine.llm.client import LiteLLMClient
from engine.office import Office
from engine.paths import Home
from engine.secrets import Secrets
from tests.engine.mailservers import OWNER, OWNER_PASSWORD, Dovecot, OAuthSmtpSink, SmtpSink
from tests.engine.test_email_oauth import _office_signed_in
from tests.fakes.oauth_server import auth_server
from tests.qtloop import run_on_qt_loop


def _fill(tab: ConnectionsTab, d: Dovecot, sink: SmtpSink, password: str) -> None:
    tab.mail_name.setText("work")
    tab.mail_user.setText(OWNER)
    tab.mail_password.setText(password)
    tab.imap_host.setText("127.0.0.1")
    tab.smtp_host.setText("127.0.0.1")
    tab.security.setCurrentIndex(tab.security.findData("plain"))
    assert (tab.imap_port.value(), tab.smtp_port.value()) == (143, 587)  # the usual ports of the choice
    tab.imap_port.setValue(d.port)
    tab.smtp_port.setValue(sink.port)


def test_connect_an_email_account_from_the_tab(
    qtbot: QtBot,
    qapp: QApplication,
    headcount_home: Path,
    dovecot: Dovecot,
    smtp_sink: SmtpSink,
) -> None:
    async def scenario() -> None:
        office = await Office.open(Home.resolve(headcount_home), model=LiteLLMClient(), colocate_writer=False)
        try:
            tab = ConnectionsTab(connections_callbacks(lambda: office), [])
            qtbot.addWidget(tab)
            tab.resize(1000, 720)
            tab.show()

            _fill(tab, dovecot, smtp_sink, "not-the-password")
            tab.mail_button.click()
            await asyncio.wait_for(tab.answered(), 30)
            assert "refused the login of owner@example.com" in tab.status.text()
            assert "Nothing was saved" in tab.status.text() and tab.mail_password.text() == "not-the-password"
            assert await office.journal.read(read_accounts) == {}

            tab.mail_password.setText(OWNER_PASSWORD)
            tab.mail_button.click()
            await asyncio.wait_for(tab.answered(), 30)
            assert tab.names() == ["work"]
            assert tab.status.text().startswith("Connected the email account work") and tab.mail_password.text() == ""
            account = (await office.journal.read(read_accounts))["work"]
            assert (account.imap_port, account.smtp_port, account.sent_folder) == (dovecot.port, smtp_sink.port, "Sent")
            assert Secrets(home=headcount_home).get("email:work") == OWNER_PASSWORD  # in the keyring, not the row
            assert tab.table.item(0, 1).text() == "email" and tab.table.item(0, 3).text() == BY_BRIEF
            tab.window().grab().save("/tmp/apps2-connections-email.png")

            tab.test_button.click()
            await asyncio.wait_for(tab.answered(), 30)
            assert tab.status.text() == "work: logged in to both servers (Sent: Sent)"
            tab.disconnect_button.click()
            await asyncio.wait_for(tab.answered(), 30)
            assert tab.names() == [] and await office.journal.read(read_accounts) == {}
            assert Secrets(home=headcount_home).get("email:work") is None
        finally:
            await office.close()

    run_on_qt_loop(qapp, scenario)


def test_connect_gmail_through_its_signed_in_google_account_from_the_tab(
    qtbot: QtBot,
    qapp: QApplication,
    headcount_home: Path,
    oauth_dovecot: Dovecot,
    oauth_smtp: OAuthSmtpSink,
) -> None:
    """No password: the form names the Google account, whose stale token is refreshed, then used (XOAUTH2)."""

    async def scenario() -> None:
        async with auth_server() as server:
            clock = FakeClock(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
            office = await _office_signed_in(headcount_home, server, clock)
            try:
                tab = ConnectionsTab(connections_callbacks(lambda: office), [])
                qtbot.addWidget(tab)
                tab.show()
                await asyncio.wait_for(tab.answered(), 30)
                tab.forms.setCurrentWidget(tab.email_box)
                tab.mail_with.setCurrentIndex(tab.mail_with.findData("work-google"))
                assert tab.mail_with.currentText() == "The Google account work-google"
                assert not tab.mail_password.isEnabled()
                tab.mail_name.setText("gmail")
                tab.imap_host.setText("127.0.0.1")
                tab.smtp_host.setText("127.0.0.1")
                tab.security.setCurrentIndex(tab.security.findData("plain"))
                tab.imap_port.setValue(oauth_dovecot.port)
                tab.smtp_port.setValue(oauth_smtp.port)
                tab.resize(1000, 900)
                tab.window().grab().save("/tmp/connections-gmail-oauth.png")
                tab.mail_button.click()
                await asyncio.wait_for(tab.answered(), 30)
                assert tab.status.text().startswith("Connected the email account gmail"), tab.status.text()
                account = (await office.journal.read(read_accounts))["gmail"]
                assert (account.oauth, account.user, account.imap_port) == ("work-google", OWNER, oauth_dovecot.port)
                secrets = Secrets(home=headcount_home)
                assert secrets.get(account.password_key) is None  # no password: the sign-in's token
                assert server.refreshes == 1  # the stale token was refreshed, then taken by both servers
                tab.table.selectRow(tab.names().index("gmail"))
                tab.test_button.click()
                await asyncio.wait_for(tab.answered(), 30)
                assert tab.status.text() == "gmail: logged in to both servers (Sent: Sent)"
            finally:
                await office.close()

    run_on_qt_loop(qapp, scenario)
