"""The Connections tab connects an email account through the engine: it logs in to real IMAP (Dovecot) and SMTP
(aiosmtpd) servers on 127.0.0.1 before keeping it, says why when it cannot, and lists, tests and disconnects it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import qasync
from pytestqt.qtbot import QtBot

from app.connections_bridge import BY_BRIEF, connections_callbacks
from app.panels.connections import ConnectionsTab
from engine.apps.email_config import read_accounts
from engine.llm.client import LiteLLMClient
from engine.office import Office
from engine.paths import Home
from engine.secrets import Secrets
from tests.engine.mailservers import OWNER, OWNER_PASSWORD, Dovecot, SmtpSink


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
    qapp: object,
    headcount_home: Path,
    dovecot: Dovecot,
    smtp_sink: SmtpSink,
) -> None:
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)

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

    try:
        loop.run_until_complete(scenario())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
