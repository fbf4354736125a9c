"""Google and Microsoft accounts: OAuth for installed apps (loopback redirect, PKCE S256), and refresh.

authlib speaks the protocol (its httpx client): we open a one-shot HTTP listener on 127.0.0.1 at a
free port, send the owner's browser to the authorization URL (or print it where there is no display),
take the code from the redirect, and exchange it with the code verifier. Tokens are the app's keyring
entry as JSON; `access_token` refreshes them when the injected clock says they expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from engine.apps.accounts import AppConfig, AppKind
from engine.clock import Clock

LOGIN_TIMEOUT_S = 300.0
EARLY_S = 60  # refresh a minute before the token expires
CLIENT_SECRET = "{}:client-secret"  # keyring entry of a Google desktop client's (not secret) secret


@dataclass(frozen=True, slots=True)
class Provider:
    auth_url: str
    token_url: str
    scopes: tuple[str, ...]
    extra: tuple[tuple[str, str], ...] = ()  # more parameters of the authorization URL


PROVIDERS: dict[AppKind, Provider] = {
    "google": Provider(
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://oauth2.googleapis.com/token",
        ("openid", "email", "https://mail.google.com/", "https://www.googleapis.com/auth/calendar"),
        (("access_type", "offline"), ("prompt", "consent")),
    ),
    "microsoft": Provider(
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        ("offline_access", "openid", "email", "https://outlook.office.com/IMAP.AccessAsUser.All",
         "https://outlook.office.com/SMTP.Send", "https://graph.microsoft.com/Calendars.ReadWrite"),
    ),
}  # fmt: skip


class OAuthError(Exception):
    """The sign-in or a refresh failed; the message is the server's error, never a token."""


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: str  # ISO time by the office clock

    def dumps(self) -> str:
        return json.dumps({"access_token": self.access_token, "refresh_token": self.refresh_token,
                           "expires_at": self.expires_at})  # fmt: skip

    @classmethod
    def loads(cls, text: str) -> Tokens:
        value = json.loads(text)
        return cls(str(value["access_token"]), str(value.get("refresh_token") or ""), str(value["expires_at"]))


def _tokens(token: dict[str, Any], clock: Clock, refresh: str = "") -> Tokens:
    if "access_token" not in token:
        raise OAuthError(f"the token endpoint answered without a token: {token.get('error') or 'no reason'}")
    expires = clock.now() + dt.timedelta(seconds=int(token.get("expires_in") or 3600))
    return Tokens(str(token["access_token"]), str(token.get("refresh_token") or refresh), expires.isoformat())


class _Redirect:
    """The one-shot loopback listener the browser is sent back to."""

    def __init__(self) -> None:
        self.got: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._answer, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/"

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await reader.readline()).decode("latin-1")
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            target = line.split(" ")[1] if line.count(" ") >= 2 else "/"
            query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
            done = "code" in query or "error" in query
            # Not "signed in" yet: the code still has to be exchanged (and checked), which may fail.
            text = "Headcount got the answer: go back to it to see the sign-in finish." if "code" in query else (
                f"Not signed in: {query.get('error', 'no code')}. Go back to Headcount.")  # fmt: skip
            body = text.encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n")
            writer.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
            if done and not self.got.done():
                self.got.set_result(query)
        finally:
            writer.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def sign_in(
    app: AppConfig,
    clock: Clock,
    show: Callable[[str], Awaitable[None]],
    *,
    client_secret: str | None = None,
    timeout_s: float = LOGIN_TIMEOUT_S,
) -> Tokens:
    """Run the loopback-redirect sign-in: `show` gets the authorization URL (opens a browser or prints it)."""
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import AsyncOAuth2Client

    redirect = _Redirect()
    uri = await redirect.start()
    try:
        verifier = generate_token(64)
        async with AsyncOAuth2Client(
            client_id=app.client_id, client_secret=client_secret, scope=" ".join(app.scopes),
            redirect_uri=uri, code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_post" if client_secret else "none",
        ) as client:  # fmt: skip
            extra = dict(PROVIDERS[app.kind].extra) if app.kind in PROVIDERS else {}
            url, state = client.create_authorization_url(app.auth_url, code_verifier=verifier, **extra)
            await show(url)
            try:
                query = await asyncio.wait_for(redirect.got, timeout_s)
            except TimeoutError:
                raise OAuthError(f"no sign-in came back within {timeout_s:.0f} seconds; run it again") from None
            if "error" in query:
                raise OAuthError(f"the sign-in was not completed: {query['error']}")
            if query.get("state") != state:
                raise OAuthError("the sign-in came back with the wrong state (not this request)")
            try:
                token = await client.fetch_token(app.token_url, code=query["code"], code_verifier=verifier)
            except Exception as exc:
                raise OAuthError(f"the token exchange failed: {_reason(exc)}") from None
        return _tokens(dict(token), clock)
    finally:
        await redirect.close()


async def access_token(
    app: AppConfig,
    clock: Clock,
    get: Callable[[str], str | None],
    put: Callable[[str, str], None],
    *,
    client_secret: str | None = None,
) -> str:
    """A current access token for `app`, refreshed (and stored again) when the clock says it expired."""
    raw = get(app.secret_key)
    if not raw:
        raise OAuthError(f"'{app.name}' is not signed in; run `headcount connect {app.kind} {app.name}`")
    tokens = Tokens.loads(raw)
    if clock.now() < dt.datetime.fromisoformat(tokens.expires_at) - dt.timedelta(seconds=EARLY_S):
        return tokens.access_token
    if not tokens.refresh_token:
        raise OAuthError(f"the sign-in of '{app.name}' expired; run `headcount connect {app.kind} {app.name}`")
    if (refused := app.unsafe_to_use()) is not None:
        raise OAuthError(refused)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

    async with AsyncOAuth2Client(
        client_id=app.client_id, client_secret=client_secret,
        token_endpoint_auth_method="client_secret_post" if client_secret else "none",
    ) as client:  # fmt: skip
        try:
            token = await client.refresh_token(app.token_url, refresh_token=tokens.refresh_token)
        except Exception as exc:
            raise OAuthError(f"refreshing the sign-in of '{app.name}' failed: {_reason(exc)}") from None
    fresh = _tokens(dict(token), clock, refresh=tokens.refresh_token)
    put(app.secret_key, fresh.dumps())
    return fresh.access_token


def _reason(exc: Exception) -> str:
    if isinstance(exc, _http_errors()):
        said = f": {exc}" if str(exc) else ""
        return f"cannot reach the server ({type(exc).__name__}{said})"
    error = getattr(exc, "error", None)
    description = getattr(exc, "description", None)
    return ": ".join(str(x) for x in (error, description) if x) or type(exc).__name__


def _http_errors() -> tuple[type[Exception], ...]:
    """The HTTP clients' errors: authlib uses httpx2 where it is installed, else httpx (each loaded by the sign-in
    that failed; importing them up front slows every command)."""
    import httpx

    errors: list[type[Exception]] = [httpx.HTTPError]
    try:
        import httpx2
    except ImportError:
        pass
    else:
        errors.append(httpx2.HTTPError)
    return tuple(errors)


def has_display() -> bool:
    """Whether a browser can be opened here (a desktop session, or macOS and Windows)."""
    import os
    import sys

    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def show_url(url: str) -> None:
    """Open the owner's browser at `url` where there is a display; print it in any case."""
    print(f"Sign in here: {url}", flush=True)
    if has_display():
        import webbrowser

        with contextlib.suppress(Exception):
            await asyncio.to_thread(webbrowser.open, url)
