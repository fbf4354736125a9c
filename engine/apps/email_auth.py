"""How an email account logs in: its password, or a Google/Microsoft sign-in's access token (SASL XOAUTH2).

Gmail and Outlook take no passwords from programs: an account connected with `--oauth CONNECTION`
logs in to IMAP and SMTP with the XOAUTH2 mechanism
(https://developers.google.com/gmail/imap/xoauth2-protocol), carrying the access token of that
Google or Microsoft connection, refreshed first when the office clock says it expired.
"""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Callable, Mapping
from typing import Any

from engine.apps.accounts import AppConfig
from engine.apps.email_config import EmailAccount
from engine.apps.oauth import CLIENT_SECRET, OAuthError, access_token
from engine.clock import Clock
from engine.redaction import remember
from engine.tools.base import ToolError

OAUTH_KINDS = ("google", "microsoft")


class MailError(ToolError):
    """The mail server refused or could not be reached; the message is safe to show (no password)."""


class LoginError(MailError):
    """The account's credential is missing or could not be refreshed; the message says what to do."""


def untrusted(where: str, exc: BaseException) -> str | None:
    """What to say when `exc` (or what caused it) is a TLS certificate this computer does not trust."""
    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, ssl.SSLCertVerificationError):
        seen = seen.__cause__ or seen.__context__
    if seen is None:
        return None
    return (
        f"{where} presented a certificate this computer does not trust ({seen.verify_message}): check the "
        "server's name and port; a provider's own certificate is trusted through the system's certificates"
    )


def unreachable(where: str, exc: BaseException) -> str:
    """Why `where` could not be used, in words."""
    return untrusted(where, exc) or f"cannot reach {where}: {exc}"


def xoauth2(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64, which imaplib and aiosmtplib add)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def imap_login(client: imaplib.IMAP4, account: EmailAccount, secret: str) -> None:
    """Log in with the password, or with XOAUTH2 when the account signs in through an OAuth connection."""
    if account.oauth:
        client.authenticate("XOAUTH2", lambda _challenge: xoauth2(account.user, secret).encode())
    else:
        client.login(account.user, secret)


def smtp_client(account: EmailAccount) -> Any:
    """An aiosmtplib client for the account's SMTP server, not connected yet (the import is paid only here)."""
    import aiosmtplib

    return aiosmtplib.SMTP(
        hostname=account.smtp_host,
        port=account.smtp_port,
        use_tls=account.smtp_security == "ssl",
        start_tls=account.smtp_security == "starttls",
        timeout=account.timeout_s,
    )


def smtp_where(account: EmailAccount) -> str:
    return f"the SMTP server {account.smtp_host}:{account.smtp_port}"


async def smtp_open(smtp: Any, account: EmailAccount, secret: str) -> None:
    """Connect the client, say EHLO (the extensions, AUTH among them, are known only after it) and log in."""
    await smtp.connect()
    await smtp.ehlo()
    await smtp_login(smtp, account, secret)


async def smtp_login(smtp: Any, account: EmailAccount, secret: str) -> None:
    """Log in to a connected aiosmtplib client (after EHLO) the way the account does."""
    if account.oauth:
        if "xoauth2" not in smtp.server_auth_methods:
            where = f"{account.smtp_host}:{account.smtp_port}"
            raise LoginError(f"the SMTP server {where} does not offer XOAUTH2, so the sign-in cannot be used there")
        await smtp.auth_xoauth2(account.user, secret)
    elif smtp.supports_extension("auth"):
        await smtp.login(account.user, secret)


def oauth_app(account: str, oauth: str, apps: Mapping[str, AppConfig]) -> AppConfig:
    """The Google or Microsoft connection `oauth` the email account signs in with. Raises LoginError."""
    app = apps.get(oauth)
    if app is None or app.kind not in OAUTH_KINDS:
        raise LoginError(
            f"the email account '{account}' signs in with '{oauth}', which is not a connected Google "
            f"or Microsoft account: connect it with `headcount connect google {oauth} …` (or microsoft)"
        )
    return app


async def credential(
    account: EmailAccount,
    *,
    get: Callable[[str], str | None],
    put: Callable[[str, str], None],
    clock: Clock | None,
    apps: Mapping[str, AppConfig],
) -> str:
    """The account's password from the keyring, or a current access token of its OAuth connection."""
    if not account.oauth:
        password = get(account.password_key)
        if not password:
            raise LoginError(
                f"the password of the email account '{account.name}' is not in the keyring: the owner connects "
                f"it again with `headcount connect email {account.name} …`"
            )
        return password
    app = oauth_app(account.name, account.oauth, apps)
    if clock is None:
        raise LoginError("an OAuth sign-in needs the office's clock to know when its token expires")
    try:
        token = await access_token(app, clock, get, put, client_secret=get(CLIENT_SECRET.format(app.secret_key)))
    except OAuthError as exc:
        raise LoginError(f"the email account '{account.name}' cannot sign in: {exc}") from None
    remember(token)  # masked in every log from now on
    return token
