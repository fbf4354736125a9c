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


@dataclass
class GitHubServer:
    """The device flow (github.com) and the REST endpoints (api.github.com) Headcount uses, as documented:
    https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow and
    https://docs.github.com/en/rest/issues. Pending answers are 200 with an `error` field, like GitHub's."""

    url: str = ""
    client_id: str = "Iv1.testclient"
    token: str = "gho_localtesttoken0123456789"
    interval: int = 5  # seconds between polls, as GitHub's device-code answer says
    pending: int = 1  # polls answered authorization_pending before the owner "enters the code"
    slow_down_once: bool = True
    polls: int = 0
    issues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    seen_headers: list[dict[str, str]] = field(default_factory=list)

    async def device_code(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != self.client_id:
            return web.json_response({"error": "unauthorized_client"}, status=400)
        body = {"device_code": "dc-1", "user_code": "WDJB-MJHT", "verification_uri": "https://github.com/login/device",
                "expires_in": 900, "interval": self.interval}  # fmt: skip
        return web.json_response(body)

    async def access_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.polls += 1
        if (
            form.get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code"
            or form.get("device_code") != "dc-1"
        ):
            return web.json_response({"error": "incorrect_device_code"})
        if self.slow_down_once:
            self.slow_down_once = False
            return web.json_response({"error": "slow_down", "interval": 10})
        if self.pending > 0:
            self.pending -= 1
            return web.json_response({"error": "authorization_pending"})
        return web.json_response({"access_token": self.token, "token_type": "bearer", "scope": "repo"})

    def _auth(self, request: web.Request) -> web.Response | None:
        self.seen_headers.append(dict(request.headers))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response(
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"},
                status=401,
            )
        return None

    async def user(self, request: web.Request) -> web.Response:
        return self._auth(request) or web.json_response({"login": "ann-dev", "id": 1, "type": "User"})

    def _repo(self, request: web.Request) -> list[dict[str, Any]] | None:
        return self.issues.get(f"{request.match_info['owner']}/{request.match_info['repo']}")

    async def list_issues(self, request: web.Request) -> web.Response:
        denied = self._auth(request)
        rows = self._repo(request)
        if denied or rows is None:
            return denied or web.json_response({"message": "Not Found", "status": "404"}, status=404)
        state = request.query.get("state", "open")
        return web.json_response([i for i in rows if state == "all" or i["state"] == state])

    async def create_issue(self, request: web.Request) -> web.Response:
        denied = self._auth(request)
        rows = self._repo(request)
        if denied or rows is None:
            return denied or web.json_response({"message": "Not Found", "status": "404"}, status=404)
        body = await request.json()
        if not body.get("title"):
            return web.json_response({"message": "Validation Failed", "status": "422"}, status=422)
        number = len(rows) + 1
        repo = f"{request.match_info['owner']}/{request.match_info['repo']}"
        issue = {"number": number, "title": body["title"], "body": body.get("body", ""), "state": "open",
                 "user": {"login": "ann-dev"}, "comments": 0, "labels": [{"name": n} for n in body.get("labels", [])],
                 "html_url": f"https://github.com/{repo}/issues/{number}"}  # fmt: skip
        rows.append(issue)
        return web.json_response(issue, status=201)

    async def comment(self, request: web.Request) -> web.Response:
        denied = self._auth(request)
        rows = self._repo(request)
        number = int(request.match_info["number"])
        if denied or rows is None or number > len(rows):
            return denied or web.json_response({"message": "Not Found", "status": "404"}, status=404)
        body = await request.json()
        repo = f"{request.match_info['owner']}/{request.match_info['repo']}"
        n = len(self.comments) + 1
        made = {
            "id": n,
            "body": body["body"],
            "html_url": f"https://github.com/{repo}/issues/{number}#issuecomment-{n}",
        }
        self.comments.append(made)
        rows[number - 1]["comments"] += 1
        return web.json_response(made, status=201)

    async def pulls(self, request: web.Request) -> web.Response:
        denied = self._auth(request)
        rows = self._repo(request)
        if denied or rows is None:
            return denied or web.json_response({"message": "Not Found", "status": "404"}, status=404)
        return web.json_response([
            {"number": 7, "title": "Fix the footer", "state": "open", "draft": False, "user": {"login": "bob"},
             "head": {"ref": "fix-footer"}, "base": {"ref": "main"}}
        ])  # fmt: skip


@asynccontextmanager
async def github_server() -> AsyncIterator[GitHubServer]:
    server = GitHubServer()
    app = web.Application()
    app.router.add_post("/login/device/code", server.device_code)
    app.router.add_post("/login/oauth/access_token", server.access_token)
    app.router.add_get("/user", server.user)
    app.router.add_get("/repos/{owner}/{repo}/issues", server.list_issues)
    app.router.add_post("/repos/{owner}/{repo}/issues", server.create_issue)
    app.router.add_post("/repos/{owner}/{repo}/issues/{number}/comments", server.comment)
    app.router.add_get("/repos/{owner}/{repo}/pulls", server.pulls)
    async with serve(app) as url:
        server.url = url
        yield server
