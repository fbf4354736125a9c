"""Trying an email account before it is kept: log in to IMAP (finding Sent and Drafts) and to SMTP."""

from __future__ import annotations

import asyncio

from engine.apps import email_imap as imap
from engine.apps.email_auth import smtp_login
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

    smtp = aiosmtplib.SMTP(
        hostname=account.smtp_host,
        port=account.smtp_port,
        use_tls=account.smtp_security == "ssl",
        start_tls=account.smtp_security == "starttls",
        timeout=account.timeout_s,
    )
    where = f"the SMTP server {account.smtp_host}:{account.smtp_port}"
    try:
        await smtp.connect()
        await smtp.ehlo()  # the extensions (AUTH) are known only after EHLO
        await smtp_login(smtp, account, password)
        await smtp.quit()
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise imap.MailError(f"{where} refused the login of {account.user}: {exc.code} {exc.message}") from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise imap.MailError(f"cannot reach {where}: {exc}") from None
    finally:
        if smtp.is_connected:
            smtp.close()
