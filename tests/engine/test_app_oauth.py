"""Google/Microsoft sign-in for installed apps: loopback redirect, PKCE S256, token exchange and refresh,
against a local server that plays the authorization server (and checks the code verifier)."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from engine.apps.accounts import AppConfig
from engine.apps.oauth import OAuthError, Tokens, access_token, sign_in
from engine.clock import FakeClock
from tests.fakes.oauth_server import AuthServer, auth_server


def google(server: AuthServer, **fields: object) -> AppConfig:
    return AppConfig(
        name="work-google", kind="google", url="https://www.googleapis.com", user="ann@example.com",
        client_id=server.client_id, auth_url=f"{server.url}/authorize", token_url=f"{server.url}/token",
        scopes=("openid", "email"), **fields,  # type: ignore[arg-type]
    )  # fmt: skip


async def browser(url: str) -> None:
    """The owner's browser: it follows the authorization server's redirect back to the loopback listener."""
    async with httpx.AsyncClient(follow_redirects=True) as client:
        response = await client.get(url)
    # Not "Signed in": the code is exchanged (and may be refused) after the browser has its page.
    assert response.status_code == 200 and "go back to it to see the sign-in finish" in response.text


async def test_sign_in_with_pkce_then_refresh_when_the_clock_says_so() -> None:
    clock = FakeClock(dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))
    shown: list[str] = []

    async def show(url: str) -> None:
        shown.append(url)
        await browser(url)

    async with auth_server() as server:
        app = google(server)
        tokens = await sign_in(app, clock, show)
        (url,) = shown
        assert "code_challenge_method=S256" in url and "code_verifier" not in url and "access_type=offline" in url
        assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url
        assert tokens.access_token == server.issued[0] and tokens.refresh_token.startswith("refresh-")
        assert tokens.expires_at == "2026-12-07T10:00:00+00:00"

        keyring = {app.secret_key: tokens.dumps()}
        get, put = keyring.get, keyring.__setitem__
        assert await access_token(app, clock, get, put) == server.issued[0]  # still good: no call
        clock.advance(3600 - 30)  # inside the last minute: refreshed early
        fresh = await access_token(app, clock, get, put)
        assert fresh == server.issued[1] and server.refreshes == 1
        stored = Tokens.loads(keyring[app.secret_key])
        assert stored.refresh_token == tokens.refresh_token  # a refresh without a new one keeps the old one
        assert await access_token(app, clock, get, put) == fresh and server.refreshes == 1

        keyring[app.secret_key] = json.dumps({**json.loads(keyring[app.secret_key]), "refresh_token": "revoked"})
        clock.advance(7200)
        with pytest.raises(OAuthError, match="refreshing the sign-in of 'work-google' failed: invalid_grant"):
            await access_token(app, clock, get, put)


async def test_a_wrong_verifier_or_client_is_refused_by_the_server() -> None:
    clock = FakeClock(dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))
    async with auth_server() as server:

        async def tamper(url: str) -> None:
            # Someone else's code_verifier would not match: the server holds the challenge of this one.
            for code in list(server.challenges):
                server.challenges[code] = ("not-the-challenge", server.challenges[code][1])
            async with httpx.AsyncClient(follow_redirects=False) as client:
                redirect = (await client.get(url)).headers["location"]
                code = redirect.split("code=")[1].split("&")[0]
                server.challenges[code] = ("not-the-challenge", server.challenges[code][1])
                await client.get(redirect)

        with pytest.raises(OAuthError, match="token exchange failed: invalid_grant: code_verifier does not match"):
            await sign_in(google(server), clock, tamper)

        with pytest.raises(OAuthError, match="not completed: access_denied"):
            await sign_in(google(server), clock, lambda url: _deny(url))
        with pytest.raises(OAuthError, match="not signed in"):
            await access_token(google(server), clock, {}.get, lambda k, v: None)


async def _deny(url: str) -> None:
    redirect = url.split("redirect_uri=")[1].split("&")[0]
    async with httpx.AsyncClient() as client:
        await client.get(httpx.URL(httpx.QueryParams(f"r={redirect}")["r"] + "?error=access_denied"))


async def test_a_token_server_out_of_reach_says_so_not_a_bare_class_name(closed_port: int) -> None:
    """Offline, the exchange failed with "ConnectError" alone: authlib raises httpx2's errors, not httpx's."""
    clock = FakeClock(dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))
    async with auth_server() as server:
        app = google(server).model_copy(update={"token_url": f"http://127.0.0.1:{closed_port}/token"})
        with pytest.raises(OAuthError, match=r"token exchange failed: cannot reach the server \(ConnectError"):
            await sign_in(app, clock, browser)
