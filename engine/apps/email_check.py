"""Trying an email account before it is kept: log in to IMAP (finding Sent and Drafts) and to SMTP."""

from __future__ import annotations

import asyncio

from engine.apps import email_imap as imap
from engine.apps.email_auth import smtp_client, smtp_open, smtp_where, unreachable
from engine.apps.email_config import EmailAccount


async def check_account(account: EmailAccount, password: str) -> dict[str, str]:
    """The special folders the IMAP server names ({'sent': …, 'drafts': …}); raises MailError when
    either server cannot be reached or refuses the login. `password` is the access token of an
    account that signs in with OAuth (`email_auth.credential`)."""
    folders = await asyncio.to_thread(imap.special_folders, account, password)
    await check_smtp(account, password)
    return folders


async def check_smtp(account: EmailAccount, password: str) -> None:
    import aiosmtplib

    smtp, where = smtp_client(account), smtp_where(account)
    try:
        await smtp_open(smtp, account, password)
        await smtp.quit()
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise imap.MailError(f"{where} refused the login of {account.user}: {exc.code} {exc.message}") from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise imap.MailError(unreachable(where, exc)) from None
    finally:
        if smtp.is_connected:
            smtp.close()
