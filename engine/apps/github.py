"""GitHub through its REST API (httpx, async), signed in by the OAuth device flow.

`url` is the API's base (https://api.github.com) and `auth_url` the sign-in host (https://github.com),
both settable so a test (or GitHub Enterprise) points them elsewhere. The token is the keyring entry of
the app; the model sees only results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from engine.apps.accounts import AppConfig
from engine.tools.base import FunctionTool, Tool, ToolContext, ToolError

if TYPE_CHECKING:  # httpx loads on the first call to GitHub, not with every command
    import httpx

NAMESPACE = "github"
API_URL = "https://api.github.com"
LOGIN_URL = "https://github.com"
API_VERSION = "2022-11-28"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_SCOPES = ("repo",)
TIMEOUT_S = 30.0
REPO = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"


class GitHubError(Exception):
    """GitHub refused or failed; the message is GitHub's own, with the status."""


# --- signing in: the device flow -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceCode:
    device_code: str
    user_code: str
    verification_uri: str
    expires_in: int
    interval: int


async def request_device_code(client: httpx.AsyncClient, app: AppConfig) -> DeviceCode:
    """Step 1: a code for the owner to type at `verification_uri`."""
    scope = " ".join(app.scopes or DEFAULT_SCOPES)
    r = await client.post(
        f"{app.auth_url or LOGIN_URL}/login/device/code",
        data={"client_id": app.client_id, "scope": scope},
        headers={"Accept": "application/json"},
    )
    body = _json(r)
    if r.status_code != 200 or "device_code" not in body:
        raise GitHubError(f"GitHub refused the sign-in ({r.status_code}): {body.get('error_description') or body}")
    return DeviceCode(
        str(body["device_code"]), str(body["user_code"]), str(body["verification_uri"]),
        int(body.get("expires_in", 900)), int(body.get("interval", 5)),
    )  # fmt: skip


async def poll_token(
    client: httpx.AsyncClient,
    app: AppConfig,
    code: DeviceCode,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str:
    """Step 2: wait for the owner to approve, as GitHub asks (slowing down when told); the access token."""
    interval = code.interval
    waited = 0
    while waited <= code.expires_in:
        await sleep(interval)
        waited += interval
        r = await client.post(
            f"{app.auth_url or LOGIN_URL}/login/oauth/access_token",
            data={"client_id": app.client_id, "device_code": code.device_code, "grant_type": DEVICE_GRANT},
            headers={"Accept": "application/json"},
        )
        body = _json(r)
        if "access_token" in body:
            return str(body["access_token"])
        error = body.get("error")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval = int(body.get("interval", interval + 5))
            continue
        if error == "expired_token":
            break
        if error == "access_denied":
            raise GitHubError("the sign-in was declined on GitHub; nothing was saved")
        raise GitHubError(f"GitHub refused the sign-in ({r.status_code}): {body.get('error_description') or body}")
    raise GitHubError("the code expired before it was entered; run the command again")


# --- the API --------------------------------------------------------------------------------------


class GitHub:
    """An API session for one token (a client per call: each tool call is its own short conversation)."""

    def __init__(self, app: AppConfig, token: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._base = app.url or API_URL
        self._token = token
        self._transport = transport
        self._refused = app.unsafe_to_use()

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._refused is not None:
            raise GitHubError(self._refused)
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self._token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "Headcount",
        }
        import httpx

        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S, transport=self._transport) as client:
                r = await client.request(method, f"{self._base}{path}", headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise GitHubError(f"cannot reach GitHub at {self._base} ({said(exc)}): is this machine online?") from None
        if r.status_code >= 400:
            body = _json(r)
            message = body.get("message") or r.reason_phrase
            if r.status_code in (403, 429) and r.headers.get("x-ratelimit-remaining") == "0":
                message = f"rate limit reached; it resets at {r.headers.get('x-ratelimit-reset', 'a later time')}"
            raise GitHubError(f"GitHub said {r.status_code}: {message}")
        return r.json() if r.content else None

    async def user(self) -> str:
        return str((await self.call("GET", "/user"))["login"])


def _json(r: httpx.Response) -> dict[str, Any]:
    try:
        body = r.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# --- tools ----------------------------------------------------------------------------------------


class IssuesArgs(BaseModel):
    repo: str = Field(pattern=REPO, description="owner/name, e.g. octo-org/website")
    state: Literal["open", "closed", "all"] = "open"
    limit: int = Field(30, ge=1, le=100)


class CreateIssueArgs(BaseModel):
    repo: str = Field(pattern=REPO, description="owner/name")
    title: str = Field(min_length=1, max_length=256)
    body: str = Field("", max_length=60_000)
    labels: list[str] = Field(default_factory=list)


class CommentArgs(BaseModel):
    repo: str = Field(pattern=REPO, description="owner/name")
    number: int = Field(ge=1, description="the issue's or pull request's number")
    body: str = Field(min_length=1, max_length=60_000)


class PullsArgs(BaseModel):
    repo: str = Field(pattern=REPO, description="owner/name")
    state: Literal["open", "closed", "all"] = "open"
    limit: int = Field(30, ge=1, le=100)


Session = Callable[[], GitHub]


def github_tools(session: Session | None) -> list[Tool]:
    """Issues, comments and pull requests of the granted GitHub account; unbound (None) they say so."""

    def gh() -> GitHub:
        if session is None:
            raise ToolError("no GitHub account is granted to you; ask the owner to connect one and grant it")
        return session()

    async def guarded(call: Awaitable[Any]) -> Any:
        try:
            return await call
        except GitHubError as exc:
            raise ToolError(str(exc)) from None

    async def issues(ctx: ToolContext, args: IssuesArgs) -> str:
        params = {"state": args.state, "per_page": args.limit}
        rows = await guarded(gh().call("GET", f"/repos/{args.repo}/issues", params=params))
        rows = [i for i in rows if "pull_request" not in i]  # the issues endpoint lists pull requests too
        lines = [f"{len(rows)} {args.state} issues in {args.repo}:"]
        for i in rows:
            labels = ", ".join(label["name"] for label in i.get("labels", []))
            lines.append(
                f"#{i['number']} {i['title']} ({i['state']}, by {i['user']['login']}, {i['comments']} comments"
                + (f", labels: {labels}" if labels else "")
                + ")"
            )
        return "\n".join(lines)

    async def create_issue(ctx: ToolContext, args: CreateIssueArgs) -> str:
        payload: dict[str, Any] = {"title": args.title, "body": args.body}
        if args.labels:
            payload["labels"] = args.labels
        made = await guarded(gh().call("POST", f"/repos/{args.repo}/issues", json=payload))
        return f"Opened issue #{made['number']} in {args.repo}: {made['html_url']}"

    async def comment(ctx: ToolContext, args: CommentArgs) -> str:
        path = f"/repos/{args.repo}/issues/{args.number}/comments"
        made = await guarded(gh().call("POST", path, json={"body": args.body}))
        return f"Commented on {args.repo}#{args.number}: {made['html_url']}"

    async def pulls(ctx: ToolContext, args: PullsArgs) -> str:
        params = {"state": args.state, "per_page": args.limit}
        rows = await guarded(gh().call("GET", f"/repos/{args.repo}/pulls", params=params))
        lines = [f"{len(rows)} {args.state} pull requests in {args.repo}:"]
        lines += [
            f"#{p['number']} {p['title']} ({p['head']['ref']} -> {p['base']['ref']}, by {p['user']['login']}"
            + (", draft" if p.get("draft") else "")
            + ")"
            for p in rows
        ]
        return "\n".join(lines)

    return [
        FunctionTool("github_issues", "List a repository's issues.", IssuesArgs, issues, namespace=NAMESPACE),
        FunctionTool(
            "github_issue_create", "Open an issue in a repository.", CreateIssueArgs, create_issue,
            namespace=NAMESPACE, risk="internal_write", idempotent=False,
        ),
        FunctionTool(
            "github_comment", "Comment on an issue or pull request.", CommentArgs, comment,
            namespace=NAMESPACE, risk="internal_write", idempotent=False,
        ),
        FunctionTool("github_pulls", "List a repository's pull requests.", PullsArgs, pulls, namespace=NAMESPACE),
    ]  # fmt: skip


def said(exc: Exception) -> str:
    """An HTTP client's error in a few words: its class, and its message when it has one (the refusal's errno)."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
