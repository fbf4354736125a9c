"""The Connections tab's callbacks, answered by the engine (engine.apps) for the open office."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from collections.abc import Callable

from pydantic import ValidationError

from app.panels.connections import ConnectionRow, ConnectionsCallbacks, EmailForm, Show, SignInForm
from engine.apps.accounts import AppConfig, forget, grant, read_apps, save_app
from engine.apps.calendar import CalDav, CalendarError
from engine.apps.email_auth import LoginError, oauth_app
from engine.apps.email_check import check_account
from engine.apps.email_config import EmailAccount, read_accounts
from engine.apps.email_imap import MailError
from engine.apps.github import API_URL, DEFAULT_SCOPES, LOGIN_URL, DeviceCode
from engine.apps.oauth import PROVIDERS
from engine.apps.signin import sign_in_browser, sign_in_github
from engine.cli_apps import CLIENT_SECRET, app_rows, try_app
from engine.cli_email import account_from, credential_of, email_rows, forget_account, keep_account
from engine.errors import OwnerError, invalid_input
from engine.office import Office
from engine.secrets import Secrets

BY_BRIEF = "employees whose brief names its tools"


def connections_callbacks(office_of: Callable[[], Office]) -> ConnectionsCallbacks:
    async def rows() -> list[ConnectionRow]:
        found = await app_rows(office_of(), check=False)
        apps = [ConnectionRow(r["name"], r["kind"], r["runs"], tuple(r["granted"])) for r in found]
        accounts = await email_rows(office_of(), check=False)
        mail = [ConnectionRow(r["name"], "email", r["runs"], (BY_BRIEF,)) for r in accounts]
        return apps + mail

    async def connect_email(form: EmailForm) -> str | None:
        office = office_of()
        if form.oauth:
            return await _connect_oauth_email(office, form)
        try:
            account = EmailAccount(
                name=form.name, address=form.user, user=form.user, imap_host=form.imap_host,
                imap_port=form.imap_port, imap_security=form.security, smtp_host=form.smtp_host,
                smtp_port=form.smtp_port, smtp_security=form.security,
            )  # fmt: skip
        except ValidationError as exc:
            return invalid_input(exc)
        try:
            await keep_account(office, account, form.password)
        except MailError as exc:
            return f"{exc}. Nothing was saved."
        return None

    async def sign_in(form: SignInForm, show: Show) -> str | None:
        """GitHub's device flow, or Google's or Microsoft's browser sign-in; saved only once it worked."""
        office = office_of()
        try:
            if form.service == "github":
                app = AppConfig(name=form.name, kind="github", client_id=form.client_id, scopes=DEFAULT_SCOPES,
                                url=form.api_url or API_URL, auth_url=form.sign_in_url or LOGIN_URL)  # fmt: skip
            else:
                provider = PROVIDERS[form.service]  # type: ignore[index]
                token_url = form.api_url or provider.token_url
                app = AppConfig(name=form.name, kind=form.service, user=form.user, client_id=form.client_id,
                                url=token_url, auth_url=form.sign_in_url or provider.auth_url, token_url=token_url,
                                scopes=provider.scopes)  # fmt: skip
        except ValidationError as exc:
            return invalid_input(exc)

        async def code_shown(code: DeviceCode) -> None:
            minutes = code.expires_in // 60
            show(f"Enter the code {code.user_code} on GitHub's page (it works for {minutes} minutes); "
                 "Headcount waits for you here.", code.verification_uri)  # fmt: skip

        async def page_shown(url: str) -> None:
            show("Sign in on the page that opened in your browser, then come back here. If none opened:", url)

        try:
            if form.service == "github":
                await sign_in_github(office, app, code_shown)
            else:
                await sign_in_browser(office, app, page_shown, form.client_secret or None)
        except OwnerError as exc:
            return str(exc)
        return None

    async def email_named(name: str) -> EmailAccount | None:
        return (await office_of().journal.read(read_accounts)).get(name)

    async def connect_calendar(name: str, url: str, user: str, password: str) -> str | None:
        office = office_of()
        try:
            app = AppConfig(name=name, kind="calendar", url=url, user=user)
        except ValueError as exc:
            return str(exc).splitlines()[-1].removeprefix("  Value error, ")
        now = office.clock.now()
        try:
            await asyncio.to_thread(CalDav(app, password).events, now, now + dt.timedelta(days=1))
        except CalendarError as exc:
            return f"{exc}. Nothing was saved."
        Secrets(home=office.home.root).set(app.secret_key, password)
        await save_app(office, app)
        return None

    async def test(name: str) -> str:
        office = office_of()
        account = await email_named(name)
        if account is not None:
            try:
                folders = await check_account(account, await credential_of(office, account))
            except MailError as exc:
                return f"does not work: {exc}"
            return f"logged in to both servers (Sent: {folders.get('sent', account.sent_folder)})"
        found = {r["name"]: r for r in await app_rows(office, check=False)}
        if name not in found:
            return "no longer connected"
        from engine.apps.accounts import app_named

        try:
            return await try_app(office, await app_named(office, name))
        except Exception as exc:  # whatever the app said, in one line for the owner
            return f"does not work: {exc}"

    async def grant_to(name: str, employee_id: str, allow: bool) -> str | None:
        if await email_named(name) is not None:
            return (
                f"An email account is granted by a brief's tools, not here: read_inbox, draft_email and send_email "
                f"(the office's only account) or email:{name}.* in the role's brief."
            )
        try:
            await grant(office_of(), name, employee_id, allow=allow)
        except Exception as exc:
            return str(exc)
        return None

    async def disconnect(name: str) -> str | None:
        office = office_of()
        if await forget_account(office, name) is not None:
            return None
        try:
            app = await forget(office, name)
        except Exception as exc:
            return str(exc)
        secrets = Secrets(home=office.home.root)
        secrets.delete(app.secret_key)
        secrets.delete(CLIENT_SECRET.format(app.secret_key))
        return None

    return ConnectionsCallbacks(rows, connect_calendar, test, grant_to, disconnect, connect_email, sign_in)


async def _connect_oauth_email(office: Office, form: EmailForm) -> str | None:
    """Gmail or Outlook through its signed-in account: the provider's servers unless others are typed, as
    `headcount connect email NAME --oauth ACCOUNT` does (the same code reads the form)."""
    try:
        app = oauth_app(form.name, form.oauth, await office.journal.read(read_apps))
    except LoginError as exc:
        return str(exc)
    if not (form.user or app.user):
        return f"Fill in the login: the address of the account {app.name} signed in to."
    typed = bool(form.imap_host or form.smtp_host)  # servers typed: as typed, else the provider's, with its ports
    args = argparse.Namespace(
        name=form.name, oauth=form.oauth, user=form.user or None, address=None,
        imap_host=form.imap_host or None, smtp_host=form.smtp_host or None,
        imap_port=form.imap_port if typed else None, smtp_port=form.smtp_port if typed else None,
        security=form.security if typed else None, sent_folder=None, drafts_folder=None,
    )  # fmt: skip
    try:
        account = account_from(args, app)
        await keep_account(office, account, await credential_of(office, account), keep_password=False)
    except OwnerError as exc:
        return str(exc)
    except MailError as exc:
        return f"{exc}. Nothing was saved."
    return None
