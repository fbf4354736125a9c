"""`headcount connect calendar|github|google|microsoft NAME`, `grant`, `revoke`, and apps in `connections`."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from typing import Any

from engine import cli_input
from engine.apps.accounts import (
    AppConfig,
    apps_of,
    forget,
    grant,
    holder,
    holders,
    name_free,
    qualified,
    save_app,
)
from engine.apps.calendar import CalDav, CalendarError
from engine.apps.github import API_URL, LOGIN_URL, DeviceCode, GitHub, GitHubError
from engine.apps.oauth import CLIENT_SECRET, PROVIDERS, OAuthError, access_token, show_url
from engine.apps.signin import sign_in_browser, sign_in_github
from engine.apps.unplugged import app_left_behind
from engine.errors import OwnerError, invalid_input
from engine.office import Office
from engine.secrets import Secrets

__all__ = ["CLIENT_SECRET", "add_commands", "add_kinds", "app_rows", "disconnect_app", "try_app"]


def add_kinds(kinds: Any) -> None:
    """The app kinds of `headcount connect` (beside `mcp`)."""
    c = kinds.add_parser("calendar", help="a CalDAV calendar (Fastmail, iCloud, Nextcloud, Radicale…)")
    c.add_argument("name", help="what you call it: lowercase letters, digits, - or _ (e.g. work)")
    c.add_argument("--url", required=True, help="the calendar's CalDAV address, or the account's home")
    c.add_argument("--user", required=True, help="the account's user name (often the email address)")
    c.add_argument("--no-check", action="store_true", help="keep it without reading the calendar once")
    c.set_defaults(run=_connect_calendar)

    g = kinds.add_parser("github", help="a GitHub account, signed in with a code you enter on github.com")
    g.add_argument("name")
    g.add_argument("--client-id", required=True, help="the client id of your GitHub OAuth app (device flow on)")
    g.add_argument("--api-url", default=API_URL, help="the REST API's base (GitHub Enterprise: https://HOST/api/v3)")
    g.add_argument("--login-url", default=LOGIN_URL, help="where the code is entered (GitHub Enterprise: https://HOST)")
    g.add_argument("--scopes", default="repo", help="space-separated OAuth scopes (default: repo)")
    g.set_defaults(run=_connect_github)

    for kind, what in (
        ("google", "a Google account (Gmail, Calendar)"),
        ("microsoft", "a Microsoft account (Outlook)"),
    ):
        provider = PROVIDERS[kind]  # type: ignore[index]
        o = kinds.add_parser(kind, help=f"{what}, signed in through your browser")
        o.add_argument("name")
        o.add_argument("--client-id", required=True, help="your OAuth client id (a desktop / public client)")
        o.add_argument("--user", default="", help="the account's address (shown in lists)")
        o.add_argument("--auth-url", default=provider.auth_url)
        o.add_argument("--token-url", default=provider.token_url)
        o.add_argument("--scopes", default=" ".join(provider.scopes))
        o.add_argument("--client-secret", action="store_true", help="ask for the client's secret (Google desktop)")
        o.set_defaults(run=_connect_oauth, kind_name=kind)


def add_commands(sub: Any) -> dict[str, Any]:
    for verb, text in (("grant", "let an employee use a connected app"), ("revoke", "take a connected app back")):
        p = sub.add_parser(verb, help=text)
        p.add_argument("app", help="the app's name (see `headcount connections`), or calendar:NAME, github:NAME…")
        p.add_argument("employee", help="the employee's name")
    return {"grant": _grant, "revoke": _revoke}


def _secrets(office: Office) -> Secrets:
    return Secrets(home=office.home.root)


def _app(**fields: Any) -> AppConfig:
    from pydantic import ValidationError

    try:
        return AppConfig(**fields)
    except ValidationError as exc:
        raise OwnerError(invalid_input(exc)) from None


async def _connect_calendar(office: Office, args: argparse.Namespace) -> int:
    app = _app(name=args.name, kind="calendar", url=args.url, user=args.user)
    await name_free(office, app.name, app.kind)  # before the password is asked
    password = cli_input.secret(f"Password for {app.user} at {app.url}: ")
    if not password:
        raise OwnerError("no password given; nothing was saved")
    if not args.no_check:
        now = office.clock.now()
        try:
            events = await asyncio.to_thread(CalDav(app, password).events, now, now + dt.timedelta(days=7))
        except CalendarError as exc:
            raise OwnerError(f"{exc}\nNothing was saved; fix it and try again (or add --no-check).") from None
        print(f"Read the calendar: {len(events)} events in the next 7 days.")
    _secrets(office).set(app.secret_key, password)
    return await _saved(office, app, ("calendar_list", "calendar_create"))


async def _connect_github(office: Office, args: argparse.Namespace) -> int:
    app = _app(name=args.name, kind="github", url=args.api_url, auth_url=args.login_url, client_id=args.client_id,
               scopes=tuple(args.scopes.split()))  # fmt: skip

    async def show(code: DeviceCode) -> None:
        print(f"Open {code.verification_uri} and enter the code {code.user_code}", flush=True)
        print(f"(waiting for you; the code works for {code.expires_in // 60} minutes)", flush=True)

    signed = await sign_in_github(office, app, show)
    print(f"Signed in to GitHub as {signed.app.user}.")
    return _said_saved(signed.app, signed.replaced, signed.tools)


async def _connect_oauth(office: Office, args: argparse.Namespace) -> int:
    kind = args.kind_name
    app = _app(name=args.name, kind=kind, url=args.token_url, user=args.user, client_id=args.client_id,
               auth_url=args.auth_url, token_url=args.token_url, scopes=tuple(args.scopes.split()))  # fmt: skip
    client_secret = None
    if args.client_secret:
        client_secret = cli_input.secret("The OAuth client's secret: ") or None
    signed = await sign_in_browser(office, app, show_url, client_secret)
    print(f"Signed in to {kind.title()}; the tokens are in the keyring and refresh by themselves.")
    return _said_saved(signed.app, signed.replaced, signed.tools)


async def _saved(office: Office, app: AppConfig, tools: tuple[str, ...]) -> int:
    return _said_saved(app, await save_app(office, app), tools)


def _said_saved(app: AppConfig, replaced: bool, tools: tuple[str, ...]) -> int:
    print(f"{'Reconnected' if replaced else 'Connected'} the {app.kind} app '{app.name}' ({app.describe()}).")
    if tools:
        print(f"Its tools: {', '.join(tools)}. Name them in a brief, then: headcount grant {app.name} EMPLOYEE")
    return 0


async def _grant(office: Office, args: argparse.Namespace) -> int:
    app = await grant(office, await _app_granted(office, args.app), args.employee)
    print(f"Granted '{app.name}' to {args.employee}; its tools join their next task.")
    return 0


async def _revoke(office: Office, args: argparse.Namespace) -> int:
    app = await grant(office, await _app_granted(office, args.app), args.employee, allow=False)
    print(f"Took '{app.name}' back from {args.employee}; from their next call on, they go without it.")
    return 0


async def _app_granted(office: Office, text: str) -> str:
    """The name of the app `text` means (`work`, `calendar:work`). OwnerError when it is an email account or an
    MCP server (those are granted by a brief's tools) or no app. A bare name means the app of that name, even
    where an email account or an MCP server shares it (they cannot be granted)."""
    kind, name = qualified(text)
    held = await office.journal.read(lambda conn: holders(conn, name))
    if kind is None:
        kind = next((k for k in held if k not in ("email", "mcp")), next(iter(held), None))
    if kind == "email" and "email" in held:
        tools = f"read_inbox, draft_email, send_email (or email:{name}.* for this account alone)"
        raise OwnerError(f"'{name}' is an email account: an employee uses it when its brief lists {tools}")
    if kind == "mcp" and "mcp" in held:
        raise OwnerError(
            f"'{name}' is an MCP server: an employee uses it when its brief lists mcp:{name}.* (every tool) "
            f"or mcp:{name}.TOOL; grant and revoke are for apps (calendar, GitHub, Google, Microsoft)"
        )
    if kind is not None and kind not in held:
        raise OwnerError(f"no {holder(kind, name).removeprefix('the ')} is connected (see `headcount connections`)")
    return name


async def disconnect_app(office: Office, name: str) -> bool:
    """Forget the app `name` and its keyring entries; False when no app has that name."""
    if name not in await apps_of(office):
        return False
    app = await forget(office, name)
    secrets = _secrets(office)
    secrets.delete(app.secret_key)
    secrets.delete(CLIENT_SECRET.format(app.secret_key))
    print(f"Disconnected the {app.kind} app '{name}' and deleted its credential from the keyring.")
    for line in await app_left_behind(office, app):
        print(line)
    return True


async def app_rows(office: Office, check: bool) -> list[dict[str, Any]]:
    """A row per connected app for `connections`, each tried once unless `check` is False: all at the same time
    (each within its own timeout), in the order they are stored."""
    names = {e: s.record.name for e, s in office.employees.items()}
    apps = (await apps_of(office)).values()
    return list(await asyncio.gather(*(_app_row(office, app, names, check) for app in apps)))


async def _app_row(office: Office, app: AppConfig, names: dict[str, str], check: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"name": app.name, "kind": app.kind, "runs": app.describe(), "status": "unchecked",
                           "granted": [names.get(e, e) for e in app.granted], "error": None}  # fmt: skip
    if check:
        try:
            await try_app(office, app)
            row["status"] = "ok"
        except (CalendarError, GitHubError, OAuthError, OwnerError) as exc:
            row["status"], row["error"] = "error", str(exc)
    return row


async def try_app(office: Office, app: AppConfig) -> str:
    """Use the app once with its stored credential; what it answered, in a few words. Raises on failure."""
    secrets = _secrets(office)
    credential = secrets.get(app.secret_key)
    if not credential:
        raise OwnerError(f"no credential for '{app.name}' in the keyring; connect it again")
    if app.kind == "calendar":
        now = office.clock.now()
        events = await asyncio.to_thread(CalDav(app, credential).events, now, now + dt.timedelta(days=1))
        return f"{len(events)} events today"
    if app.kind == "github":
        return f"signed in as {await GitHub(app, credential).user()}"
    secret = secrets.get(CLIENT_SECRET.format(app.secret_key))
    await access_token(app, office.clock, secrets.get, secrets.set, client_secret=secret)
    return "signed in"
