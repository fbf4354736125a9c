"""A local OAuth 2.0 authorization server (RFC 6749 + PKCE RFC 7636, as Google and Microsoft answer) for tests,
and a local GitHub (device flow and the few REST endpoints Headcount uses), both on 127.0.0.1 with aiohttp."""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web


@dataclass
class AuthServer:
    url: str = ""
    client_id: str = "test-client"
    challenges: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (challenge, redirect_uri)
    issued: list[str] = field(default_factory=list)  # access tokens, in order
    refreshes: int = 0
    expires_in: int = 3600
    _n: itertools.count[int] = field(default_factory=itertools.count)

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return web.Response(status=400, text="unknown client")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return web.Response(status=400, text="PKCE S256 is required for installed apps")
        code = f"code-{next(self._n)}"
        self.challenges[code] = (q["code_challenge"], q["redirect_uri"])
        raise web.HTTPFound(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}")

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != self.client_id:
            return self._error("invalid_client", "unknown client", 401)
        if form.get("grant_type") == "authorization_code":
            challenge, redirect = self.challenges.pop(str(form.get("code")), ("", ""))
            verifier = str(form.get("code_verifier", ""))
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not challenge or digest != challenge:
                return self._error("invalid_grant", "code_verifier does not match the code_challenge")
            if form.get("redirect_uri") != redirect:
                return self._error("invalid_grant", "redirect_uri does not match")
            return self._token(refresh=f"refresh-{next(self._n)}")
        if form.get("grant_type") == "refresh_token":
            if not str(form.get("refresh_token", "")).startswith("refresh-"):
                return self._error("invalid_grant", "Token has been expired or revoked.")
            self.refreshes += 1
            return self._token(refresh=None)
        return self._error("unsupported_grant_type", "")

    def _token(self, refresh: str | None) -> web.Response:
        access = f"access-{next(self._n)}"
        self.issued.append(access)
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": self.expires_in}
        if refresh:
            body["refresh_token"] = refresh
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    @staticmethod
    def _error(error: str, description: str, status: int = 400) -> web.Response:
        return web.json_response({"error": error, "error_description": description}, status=status)


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def auth_server() -> AsyncIterator[AuthServer]:
    server = AuthServer()
    app = web.Application()
    app.router.add_get("/authorize", server.authorize)
    app.router.add_post("/token", server.token)
    async with serve(app) as url:
        server.url = url
        yield server
