"""The few IMAP operations the email tools need, on the standard library's `imaplib`.

Why `imaplib` and not an async client: it is the most used and most tested IMAP parser for Python,
ships with it, speaks IMAPS and STARTTLS, and each tool call is a handful of commands (log in,
select, search, fetch or append, log out). Each call runs in a worker thread (`asyncio.to_thread`)
with a socket timeout, so the event loop never waits on the network and a dead server cannot hang a
task. Every session is short: opened, used, closed, so a changed password or a restarted server
never leaves a stale connection behind.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from engine.apps.email_auth import MailError, imap_login, unreachable
from engine.apps.email_config import EmailAccount

__all__ = ["Fetched", "MailError", "append_once", "fetch", "has_message", "session", "special_folders"]

_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>.+)$')


@dataclass(frozen=True, slots=True)
class Fetched:
    uid: str
    raw: bytes


@contextlib.contextmanager
def session(account: EmailAccount, password: str) -> Iterator[imaplib.IMAP4]:
    """A logged-in IMAP session, logged out (or dropped) on the way out. Raises MailError."""
    where = f"the IMAP server {account.imap_host}:{account.imap_port}"
    try:
        if account.imap_security == "ssl":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                account.imap_host,
                account.imap_port,
                ssl_context=ssl.create_default_context(),
                timeout=account.timeout_s,
            )
        else:
            client = imaplib.IMAP4(account.imap_host, account.imap_port, timeout=account.timeout_s)
            if account.imap_security == "starttls":
                client.starttls(ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailError(unreachable(where, exc)) from None
    try:
        try:
            imap_login(client, account, password)
        except imaplib.IMAP4.error as exc:
            raise MailError(f"{where} refused the login of {account.user}: {_text(exc)}") from None
        yield client
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailError(f"{where} failed: {_text(exc)}") from None
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def special_folders(account: EmailAccount, password: str) -> dict[str, str]:
    """The folders the server marks \\Sent and \\Drafts (RFC 6154), by use: {'sent': ..., 'drafts': ...}."""
    found: dict[str, str] = {}
    with session(account, password) as client:
        _, lines = client.list()
        for line in lines:
            match = _LIST_LINE.match(line) if isinstance(line, bytes) else None
            if match is None:
                continue
            flags = match.group("flags").lower()
            name = match.group("name").decode("utf-8", "replace").strip().strip('"')
            for use in ("sent", "drafts"):
                if f"\\{use}".encode() in flags:
                    found.setdefault(use, name)
    return found


def fetch(account: EmailAccount, password: str, folder: str, *, query: str, unread: bool, limit: int) -> list[Fetched]:
    """The newest `limit` messages of `folder` matching `query` (full text), without marking them read."""
    with session(account, password) as client:
        _select(client, folder, readonly=True)
        criteria = ["UNSEEN"] if unread else []
        if query:
            client.literal = query.encode("utf-8")  # type: ignore[assignment]  # a literal: any text, any language
            typ, data = client.uid("SEARCH", "CHARSET", "UTF-8", *criteria, "TEXT")
        else:
            typ, data = client.uid("SEARCH", *(criteria or ["ALL"]))
        _ok(typ, data, f"searching {folder}")
        uids = (data[0] or b"").split()[::-1][:limit]
        found: list[Fetched] = []
        for uid in (u.decode() for u in uids):
            typ, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            _ok(typ, parts, f"reading a message in {folder}")
            raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) == 2), None)
            if isinstance(raw, bytes):
                found.append(Fetched(uid, raw))
        return found


def has_message(account: EmailAccount, password: str, folder: str, message_id: str) -> bool:
    """Whether `folder` holds a message with this Message-ID header."""
    with session(account, password) as client:
        return _has(client, folder, message_id)


def append_once(account: EmailAccount, password: str, folder: str, raw: bytes, message_id: str, flags: str) -> bool:
    """Put `raw` into `folder` unless a message with its Message-ID is there; True when it appended."""
    with session(account, password) as client:
        if _has(client, folder, message_id):
            return False
        typ, data = client.append(_quote(folder), flags, None, raw)
        _ok(typ, data, f"saving into {folder}")
        return True


def _has(client: imaplib.IMAP4, folder: str, message_id: str) -> bool:
    _select(client, folder, readonly=True)
    typ, data = client.uid("SEARCH", "HEADER", "Message-ID", _quote(message_id))
    _ok(typ, data, f"searching {folder}")
    return bool((data[0] or b"").split())


def _select(client: imaplib.IMAP4, folder: str, *, readonly: bool) -> None:
    typ, data = client.select(_quote(folder), readonly=readonly)
    if typ != "OK":
        raise MailError(f"the mailbox has no folder {folder!r} ({_text(data)})")


def _ok(typ: str, data: object, doing: str) -> None:
    if typ != "OK":
        raise MailError(f"the IMAP server failed {doing}: {_text(data)}")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(value: object) -> str:
    if isinstance(value, BaseException) and value.args:  # imaplib's errors carry the server's bytes
        value = value.args[0]
    if isinstance(value, (list, tuple)):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
