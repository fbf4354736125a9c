"""The Connections tab signs in to GitHub (device flow) and to Google (browser, PKCE) through the engine, against
local servers that play github.com and an authorization server; it shows the code and opens the page, saves
nothing until the sign-in worked, says why when it did not, and can be cancelled while it waits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.connections_bridge import connections_callbacks
from app.panels.connections import ConnectionsTab
from engine.apps.accounts import apps_of
from engine.apps.oauth import CLIENT_SECRET
from engine.llm.client import LiteLLMClient
from engine.office import Office
from engine.paths import Home
from engine.secrets import Secrets
from tests.engine.test_app_oauth import browser
from tests.fakes.oauth_server import auth_server, github_server
from tests.qtloop import run_on_qt_loop


@pytest.fixture
def open_office(headcount_home: Path) -> Callable[[], Coroutine[Any, Any, Office]]:
    async def opened() -> Office:
        return await Office.open(Home.resolve(headcount_home), model=LiteLLMClient(), colocate_writer=False)

    return opened


def test_sign_in_to_github_from_the_tab(
    qtbot: QtBot, qapp: QApplication, headcount_home: Path, open_office: Callable[[], Coroutine[Any, Any, Office]]
) -> None:
    opened: list[tuple[str, str]] = []  # (the page, what the tab said at that moment)

    async def scenario() -> None:
        office = await open_office()
        tab: ConnectionsTab
        tab = ConnectionsTab(
            connections_callbacks(lambda: office),
            [],
            open_url=lambda url: opened.append((url, tab.sign_in_step.text())),
        )
        qtbot.addWidget(tab)
        tab.resize(1000, 900)
        tab.show()
        try:
            async with github_server() as server:
                server.interval, server.slow_down_once = 0, False
                tab.forms.setCurrentWidget(tab.sign_in_box)
                assert tab.service.currentData() == "github" and not tab.client_secret.isVisible()
                tab.account_name.setText("gh")
                tab.client_id.setText("not-the-client")
                tab.sign_in_url.setText(server.url)
                tab.api_url.setText(server.url)
                tab.sign_in_button.click()
                await asyncio.wait_for(tab.answered(), 30)
                assert tab.status.text().startswith("GitHub refused the sign-in (400)")
                assert await apps_of(office) == {} and opened == [] and tab.sign_in_button.isEnabled()

                tab.client_id.setText(server.client_id)
                tab.sign_in_button.click()
                assert not tab.sign_in_button.isEnabled() and tab.cancel_sign_in.isEnabled()
                await asyncio.wait_for(tab.answered(), 30)
                ((url, said),) = opened
                assert url == "https://github.com/login/device" and "Enter the code WDJB-MJHT" in said
                assert f'href="{url}"' in said  # a link, should the browser not open
                assert tab.status.text().startswith("Signed in to GitHub: gh is connected")
                assert tab.names() == ["gh"] and tab.table.item(0, 2).text() == f"github: ann-dev at {server.url}"
                app = (await apps_of(office))["gh"]
                assert (app.kind, app.user, app.client_id) == ("github", "ann-dev", server.client_id)
                assert Secrets(home=headcount_home).get(app.secret_key) == server.token  # in the keyring only
                tab.window().grab().save("/tmp/connections-signin-github.png")

                tab.test_button.click()
                await asyncio.wait_for(tab.answered(), 30)
                assert tab.status.text() == "gh: signed in as ann-dev"
        finally:
            await office.close()

    run_on_qt_loop(qapp, scenario)
    token = b"gho_localtesttoken0123456789"  # the fake GitHub's: in the keyring, in no file of the home
    assert not any(token in p.read_bytes() for p in headcount_home.rglob("*") if p.is_file())


def test_sign_in_to_google_through_the_browser_from_the_tab(
    qtbot: QtBot, qapp: QApplication, headcount_home: Path, open_office: Callable[[], Coroutine[Any, Any, Office]]
) -> None:
    browsing: list[asyncio.Task[None]] = []

    async def scenario() -> None:
        office = await open_office()
        # The owner's browser: opened by the tab, it follows the server's redirect back to Headcount's listener.
        tab = ConnectionsTab(
            connections_callbacks(lambda: office),
            [],
            open_url=lambda url: browsing.append(asyncio.create_task(browser(url))),
        )
        qtbot.addWidget(tab)
        tab.show()
        try:
            async with auth_server() as server:
                tab.service.setCurrentIndex(tab.service.findData("google"))
                assert not tab.client_secret.isHidden() and not tab.account_user.isHidden()
                tab.account_name.setText("work-google")
                tab.client_id.setText(server.client_id)
                tab.client_secret.setText("the-client-secret")
                tab.account_user.setText("ann@example.com")
                tab.sign_in_url.setText(f"{server.url}/authorize")
                tab.api_url.setText(f"{server.url}/token")
                tab.sign_in_button.click()
                await asyncio.wait_for(tab.answered(), 30)
                await asyncio.gather(*browsing)
                assert len(browsing) == 1
                assert tab.status.text().startswith("Signed in to Google: work-google is connected")
                assert tab.client_secret.text() == ""
                app = (await apps_of(office))["work-google"]
                assert (app.kind, app.user, app.token_url) == ("google", "ann@example.com", f"{server.url}/token")
                assert tab.table.item(0, 2).text() == f"google: ann@example.com at {server.url}/token"  # where it went
                secrets = Secrets(home=headcount_home)
                assert json.loads(secrets.get(app.secret_key) or "{}")["access_token"] == server.issued[0]
                assert secrets.get(CLIENT_SECRET.format(app.secret_key)) == "the-client-secret"
                tab.test_button.click()
                await asyncio.wait_for(tab.answered(), 30)
                assert tab.status.text() == "work-google: signed in"
        finally:
            await office.close()

    run_on_qt_loop(qapp, scenario)


def test_a_sign_in_the_owner_cancels_saves_nothing(
    qtbot: QtBot, qapp: QApplication, open_office: Callable[[], Coroutine[Any, Any, Office]]
) -> None:
    async def scenario() -> None:
        office = await open_office()
        shown = asyncio.Event()
        tab = ConnectionsTab(connections_callbacks(lambda: office), [], open_url=lambda url: shown.set())
        qtbot.addWidget(tab)
        try:
            async with github_server() as server:
                server.interval, server.pending = 0, 10**9  # the owner never enters the code: it asks on and on
                tab.forms.setCurrentWidget(tab.sign_in_box)
                tab.account_name.setText("gh")
                tab.client_id.setText(server.client_id)
                tab.sign_in_url.setText(server.url)
                tab.api_url.setText(server.url)
                tab.sign_in_button.click()
                await asyncio.wait_for(shown.wait(), 30)
                assert "WDJB-MJHT" in tab.sign_in_step.text()
                assert tab.status.text() == "Signing in to GitHub…"  # the table's answer did not write over it
                tab.resize(1000, 900)
                tab.show()
                tab.window().grab().save("/tmp/connections-signin-waiting.png")
                signing_in = tab._signing_in
                tab.cancel_sign_in.click()
                await asyncio.wait_for(tab.answered(), 30)
                assert signing_in is not None and signing_in.cancelled()
                assert tab.status.text() == "Sign-in cancelled; nothing was saved."
                assert tab.sign_in_step.text() == "" and tab.sign_in_button.isEnabled()
                polls = server.polls
                # The server answers in turn: a poll still going on would be counted before these come back.
                async with httpx.AsyncClient() as client:
                    for _ in range(3):
                        await client.get(f"{server.url}/user")
                assert server.polls == polls  # it stopped asking GitHub
                assert await apps_of(office) == {}
        finally:
            await office.close()

    run_on_qt_loop(qapp, scenario)
