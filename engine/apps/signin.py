"""Signing in to an account app, for `headcount connect` and the window's Connections tab alike.

GitHub signs in by its device flow (the owner types a code on github.com); Google and Microsoft through
the owner's browser (a loopback redirect with PKCE). Each saves the token in the keyring and the app
in the database only once the sign-in worked, and raises OwnerError (with nothing saved) otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from engine.apps.accounts import AppConfig, AppOffice, name_free, save_app
from engine.apps.github import DeviceCode, GitHub, GitHubError, poll_token, request_device_code, said
from engine.apps.oauth import CLIENT_SECRET, OAuthError, sign_in
from engine.errors import OwnerError
from engine.paths import Home
from engine.secrets import Secrets

GITHUB_TOOLS = ("github_issues", "github_issue_create", "github_comment", "github_pulls")


class SignInOffice(AppOffice, Protocol):
    """What a sign-in needs of the office (the Office front has it): where its keyring file lives, too."""

    @property
    def home(self) -> Home: ...


@dataclass(frozen=True, slots=True)
class SignedIn:
    app: AppConfig  # as saved (GitHub's: with the login it signed in as)
    replaced: bool  # an app of that name was connected before (its grants are kept)
    tools: tuple[str, ...]  # what a brief names to use it; none for a sign-in other connectors use


async def sign_in_github(
    office: SignInOffice, app: AppConfig, show: Callable[[DeviceCode], Awaitable[None]]
) -> SignedIn:
    """The device flow: `show` gets the code and where to enter it, then this waits for the owner."""
    import httpx

    await name_free(office, app.name, app.kind)  # before the owner signs in for nothing
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            code = await request_device_code(client, app)
            await show(code)
            token = await poll_token(client, app, code)
        login = await GitHub(app, token).user()
    except GitHubError as exc:
        raise OwnerError(str(exc)) from None
    except httpx.HTTPError as exc:
        raise OwnerError(f"cannot reach GitHub at {app.auth_url} ({said(exc)}): is this machine online?") from None
    app = app.model_copy(update={"user": login})
    Secrets(home=office.home.root).set(app.secret_key, token)
    return SignedIn(app, await save_app(office, app), GITHUB_TOOLS)


async def sign_in_browser(
    office: SignInOffice, app: AppConfig, show: Callable[[str], Awaitable[None]], client_secret: str | None = None
) -> SignedIn:
    """Google's or Microsoft's sign-in: `show` gets the page to open in the browser; the tokens refresh later."""
    await name_free(office, app.name, app.kind)  # before the owner signs in for nothing
    try:
        tokens = await sign_in(app, office.clock, show, client_secret=client_secret)
    except OAuthError as exc:
        raise OwnerError(f"{exc}; nothing was saved") from None
    secrets = Secrets(home=office.home.root)
    if client_secret:
        secrets.set(CLIENT_SECRET.format(app.secret_key), client_secret)
    secrets.set(app.secret_key, tokens.dumps())
    return SignedIn(app, await save_app(office, app), ())
