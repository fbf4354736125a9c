"""`headcount connect email NAME …`: an email account the owner's employees can be granted.

The password is asked for on the terminal (or read from the first line of stdin when it is not a
terminal), never taken from the command line, and kept in the keyring; the database keeps only
where the servers are.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from pydantic import ValidationError

from engine import cli_input
from engine.apps.accounts import AppConfig, name_free, read_apps
from engine.apps.email_auth import LoginError, credential, oauth_app
from engine.apps.email_check import check_account
from engine.apps.email_config import PRESETS, EmailAccount, account_key, default_security, read_accounts
from engine.apps.email_imap import MailError
from engine.apps.unplugged import email_left_behind
from engine.errors import invalid_input
from engine.office import Office, OwnerError
from engine.owner_action import owner_action
from engine.secrets import Secrets
from engine.store.settings import delete_setting, put_setting


def add_parser(kinds: Any) -> None:
    e = kinds.add_parser(
        "email",
        help="an email account: read and search over IMAP, draft, send over SMTP",
        description="Connect an email account. The password is asked for (or read from stdin) and kept in the "
        "keyring. Briefs grant read_inbox, draft_email and send_email (the office's account), or email:NAME.* "
        "when several accounts are connected.",
    )
    e.add_argument("name", help="what briefs call it: lowercase letters, digits, - or _ (e.g. work)")
    e.add_argument("--imap-host", help="required unless --oauth names a Google or Microsoft connection")
    e.add_argument(
        "--imap-port",
        type=cli_input.count(1, 65535),
        default=None,
        help="default 993 (TLS), 143 with --starttls/--plain",
    )
    e.add_argument("--smtp-host", help="required unless --oauth names a Google or Microsoft connection")
    e.add_argument(
        "--smtp-port",
        type=cli_input.count(1, 65535),
        default=None,
        help="default 465 (TLS), 587 with --starttls/--plain",
    )
    e.add_argument("--user", help="the login (often the address; with --oauth: the connection's account)")
    e.add_argument(
        "--oauth",
        metavar="CONNECTION",
        help="sign in with a Google or Microsoft connection (Gmail, Outlook: XOAUTH2) instead of a password; "
        "the servers default to Gmail's or Outlook's",
    )
    e.add_argument("--address", help="the From address (default: --user when it is an address)")
    how = e.add_mutually_exclusive_group()
    how.add_argument("--ssl", dest="security", action="store_const", const="ssl", help="TLS from the start")
    how.add_argument("--starttls", dest="security", action="store_const", const="starttls", help="STARTTLS")
    how.add_argument(
        "--plain", dest="security", action="store_const", const="plain", help="no TLS (a server on this machine only)"
    )
    e.add_argument("--sent-folder", help="default: the folder the server marks as Sent")
    e.add_argument("--drafts-folder", help="default: the folder the server marks as Drafts")
    e.add_argument("--no-check", action="store_true", help="keep it without logging in once")


def account_from(args: argparse.Namespace, app: AppConfig | None = None) -> EmailAccount:
    """The account `connect email` describes (`app`: the OAuth connection `--oauth` names). Raises OwnerError
    with what to change."""
    security = args.security
    preset = PRESETS.get(app.kind) if app is not None else None
    imap_host = args.imap_host or (preset.imap_host if preset else None)
    smtp_host = args.smtp_host or (preset.smtp_host if preset else None)
    user = args.user or (app.user if app is not None else None)
    if not imap_host or not smtp_host or not user:
        missing = [f"--{n}" for n, v in (("imap-host", imap_host), ("smtp-host", smtp_host), ("user", user)) if not v]
        raise OwnerError(f"give {', '.join(missing)} (or --oauth with a Google or Microsoft connection)")
    default_imap, default_smtp = (993, 465) if security in (None, "ssl") else (143, 587)
    if preset is not None and security is None:
        default_imap, default_smtp = preset.imap_port, preset.smtp_port
    imap_port = args.imap_port or default_imap
    smtp_port = args.smtp_port or default_smtp
    address = args.address or (user if "@" in user else None)
    if address is None:
        raise OwnerError("give the account's address with --address you@example.com (the login is not an address)")
    try:
        return EmailAccount(
            name=args.name,
            address=address,
            user=user,
            imap_host=imap_host,
            imap_port=imap_port,
            imap_security=security or default_security(imap_port, implicit_tls_ports=(993,)),
            smtp_host=smtp_host,
            smtp_port=smtp_port,
            smtp_security=security or default_security(smtp_port, implicit_tls_ports=(465,)),
            sent_folder=args.sent_folder or "Sent",
            drafts_folder=args.drafts_folder or "Drafts",
            oauth=args.oauth or "",
        )
    except ValidationError as exc:
        raise OwnerError(invalid_input(exc)) from None


def read_password(account: EmailAccount) -> str:
    """From a hidden prompt on a terminal, else the first line of stdin; never from argv."""
    password = cli_input.secret(f"Password for {account.user} at {account.imap_host}: ")
    if not password:
        raise OwnerError("no password given: type it at the prompt, or pipe it in on stdin")
    return password


async def connect_email(office: Office, args: argparse.Namespace) -> int:
    app = None
    if args.oauth:
        try:
            app = oauth_app(args.name, args.oauth, await office.journal.read(read_apps))
        except LoginError as exc:
            raise OwnerError(str(exc)) from None
    account = account_from(args, app)
    await name_free(office, account.name, "email")  # before the password is asked
    if app is None:
        password = read_password(account)
    else:
        try:
            password = await credential_of(office, account)
        except MailError as exc:
            raise OwnerError(f"{exc}\nNothing was saved.") from None
    try:
        account, before = await keep_account(
            office, account, password, check=not args.no_check, keep_password=app is None,
            folders=(args.sent_folder, args.drafts_folder),
        )  # fmt: skip
    except MailError as exc:
        raise OwnerError(f"{exc}\nNothing was saved; fix it and try again (or add --no-check).") from None
    print(f"{'Reconnected' if before else 'Connected'} the email account '{account.name}': {account.describe()}.")
    print(f"Sent messages are kept in '{account.sent_folder}', drafts in '{account.drafts_folder}'.")
    if account.oauth:
        print(f"It signs in with the connection '{account.oauth}' (XOAUTH2); its token refreshes by itself.")
    print(
        "Grant it in a brief's tools as read_inbox, draft_email, send_email (the office's only account) "
        f"or email:{account.name}.*; send_email asks your approval for anyone outside your domains "
        "(`headcount domains`)."
    )
    return 0


async def keep_account(
    office: Office,
    account: EmailAccount,
    password: str,
    *,
    check: bool = True,
    keep_password: bool = True,
    folders: tuple[str | None, str | None] = (None, None),
) -> tuple[EmailAccount, EmailAccount | None]:
    """Log in once (finding Sent and Drafts unless `folders` names them), then keep the account and its
    password. Raises MailError, with nothing saved, when a server cannot be reached or refuses the login.
    Returns the account as kept and the one it replaced, if any. OwnerError when another kind of connection
    has its name."""
    await name_free(office, account.name, "email")
    if check:
        found = await check_account(account, password)
        account = account.model_copy(
            update={
                "sent_folder": folders[0] or found.get("sent", account.sent_folder),
                "drafts_folder": folders[1] or found.get("drafts", account.drafts_folder),
            }
        )
    before = (await office.journal.read(read_accounts)).get(account.name)
    if keep_password:
        Secrets(home=office.home.root).set(account.password_key, password)
    data = {"action": "connect_email", "name": account.name, "account": account.describe()}
    await owner_action(office, data, put_setting(account_key(account.name), account.stored()))
    return account, before


async def forget_account(office: Office, name: str) -> EmailAccount | None:
    """Forget the email account `name` and its password; None when there is none of that name."""
    account = (await office.journal.read(read_accounts)).get(name)
    if account is not None:
        await owner_action(office, {"action": "disconnect_email", "name": name}, delete_setting(account_key(name)))
        Secrets(home=office.home.root).delete(account.password_key)
    return account


async def disconnect_email(office: Office, name: str) -> bool:
    """Forget the email account `name` (and its password), naming the calls and employees that used it; False when
    there is none of that name."""
    if await forget_account(office, name) is None:
        return False
    print(f"Disconnected the email account '{name}'; its password is gone from the keyring.")
    left = len(await office.journal.read(read_accounts))
    for line in await email_left_behind(office, name, left):
        print(line)
    return True


async def email_rows(office: Office, *, check: bool) -> list[dict[str, Any]]:
    """The connected email accounts as `headcount connections` shows them, each logged in to once, all at the
    same time (each within its own timeout), in the order they are stored."""
    accounts = (await office.journal.read(read_accounts)).values()
    return list(await asyncio.gather(*(_email_row(office, account, check) for account in accounts)))


async def _email_row(office: Office, account: EmailAccount, check: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": account.name,
        "kind": "email",
        "runs": account.describe(),
        "grants": f"read_inbox, draft_email, send_email or email:{account.name}.*",
        "status": "unchecked",
        "error": None,
    }
    if check:
        try:
            await check_account(account, await credential_of(office, account))
            row["status"] = "ok"
        except MailError as exc:
            row["status"], row["error"] = "error", str(exc)
    return row


async def credential_of(office: Office, account: EmailAccount) -> str:
    """The password, or the OAuth connection's current access token (refreshed and kept when it expired)."""
    secrets = Secrets(home=office.home.root)
    apps = await office.journal.read(read_apps) if account.oauth else {}
    return await credential(account, get=secrets.get, put=secrets.set, clock=office.clock, apps=apps)
