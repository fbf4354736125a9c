"""The doctor's look at connected apps: for each connection, are its keys in the keyring, and (with
`--online`) does its address answer. Generic over kinds of connection.

A kind of connection is kept as settings rows `<prefix><name>` (an MCP server: `mcp:files`). It tells
the doctor which keyring entries a row needs and where it is reached (`AppKind.keys`, `.address`);
the generic check does the rest. A kind with more to say (an MCP server's command must exist) gives
its own `check`, which may call `generic_check`. A new kind joins with `register(AppKind(...))`.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from engine.apps.accounts import APP_PREFIX, AppConfig
from engine.apps.email_config import EMAIL_PREFIX, EmailAccount
from engine.doctor_check import Check, KeyLookup, reach
from engine.store.health import settings_like
from engine.tools.mcp_config import McpServerConfig

log = logging.getLogger(__name__)

NAME = "apps"  # the report's line name


@dataclass(frozen=True, slots=True, kw_only=True)
class AppKind:
    """How the doctor reads one kind of connection. `keys` and `address` take (name, stored value) and
    raise ValueError for a row that cannot be read; `reconnect` is the command that connects it again
    (`{name}` is filled in)."""

    prefix: str
    label: str
    keys: Callable[[str, str], Sequence[str]]
    reconnect: str
    address: Callable[[str, str], str | None] = lambda name, value: None
    check: Callable[[AppKind, str, str, KeyLookup, bool], Check] | None = None


def generic_check(kind: AppKind, name: str, value: str, has_key: KeyLookup, online: bool) -> Check:
    """Every key it names is stored; with `online`, its address takes a TCP connection."""
    who = f"{kind.label} {name!r}"
    keys = sorted(set(kind.keys(name, value)))
    details: dict[str, object] = {"kind": kind.prefix.rstrip(":"), "name": name, "keys": keys}
    found = {k: has_key(k) for k in keys}
    unread = [k for k, present in found.items() if present is None]
    missing = [k for k, present in found.items() if present is False]
    if missing:
        details["missing_keys"] = missing
        return Check(
            name=NAME,
            status="problem",
            summary=f"{who}: no key stored as {', '.join(repr(k) for k in missing)}",
            fix="; ".join(f"store it (typed, never echoed): headcount key set {k}" for k in missing),
            details=details,
        )
    if unread:
        details["unread_keys"] = unread
        return Check(
            name=NAME,
            status="warn",
            summary=f"{who}: its key{'s' if len(unread) > 1 else ''} {', '.join(repr(k) for k in unread)} "
            "not checked: the keys cannot be read here (see keyring)",
            fix="see the keyring line",
            details=details,
        )
    address = kind.address(name, value)
    key_note = f", key{'s' if len(keys) > 1 else ''} {', '.join(repr(k) for k in keys)} stored" if keys else ""
    if address is None:
        return Check(name=NAME, status="ok", summary=f"{who}{key_note}", details=details)
    details["address"] = address
    if not online:
        return Check(
            name=NAME,
            status="ok",
            summary=f"{who} at {address}{key_note}; not contacted (add --online to try its address)",
            details=details,
        )
    unreachable = reach(address)
    details["reached"] = unreachable is None
    if unreachable is not None:
        return Check(
            name=NAME,
            status="problem",
            summary=f"{who} at {address}: {unreachable}",
            fix="check the address and your network (is the service up?), or connect it again: "
            + kind.reconnect.format(name=name),
            details=details,
        )
    signing_in = "; reached (the address only: `headcount connections` tries the connection itself, login and all)"
    return Check(name=NAME, status="ok", summary=f"{who} at {address}{key_note}{signing_in}", details=details)


# --- the kinds this office knows -----------------------------------------------------------------


def _mcp(name: str, value: str) -> McpServerConfig:
    try:
        return McpServerConfig.from_stored(name, value)
    except ValueError as exc:  # pydantic's ValidationError is one; keep only its first line
        raise ValueError(str(exc).splitlines()[0]) from None


def _mcp_check(kind: AppKind, name: str, value: str, has_key: KeyLookup, online: bool) -> Check:
    """The generic check, and before it: the command a server runs must be there to run."""
    config = _mcp(name, value)
    if config.command is not None and _program(config.command, config.cwd) is None:
        return Check(
            name=NAME,
            status="problem",
            summary=f"{kind.label} {name!r}: its command {config.command!r} is not found"
            + (f" (from {config.cwd})" if config.cwd else " on PATH"),
            fix=f"install it, or connect the server again with the command's full path: "
            f"headcount connect mcp {name} -- /full/path/to/{Path(config.command).name} ARGS…",
            details={"kind": "mcp", "name": name, "command": config.command},
        )
    return generic_check(kind, name, value, has_key, online)


def _program(command: str, cwd: str | None) -> str | None:
    if "/" in command or "\\" in command:
        path = Path(command).expanduser()
        if not path.is_absolute() and cwd:
            path = Path(cwd) / path
        return str(path) if path.is_file() else None
    return shutil.which(command)


MCP = AppKind(
    prefix="mcp:",
    label="MCP server",
    keys=lambda name, value: _mcp(name, value).key_names,
    address=lambda name, value: _mcp(name, value).url,
    reconnect="headcount disconnect {name}, then headcount connect mcp {name} …",
    check=_mcp_check,
)


def _email(name: str, value: str) -> EmailAccount:
    try:
        return EmailAccount.from_stored(name, value)
    except ValueError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None


def _email_check(kind: AppKind, name: str, value: str, has_key: KeyLookup, online: bool) -> Check:
    """The generic check (its password, its IMAP server), then with `online` its SMTP server too."""
    first = generic_check(kind, name, value, has_key, online)
    account = _email(name, value)
    smtp = f"{account.smtp_host}:{account.smtp_port}"
    unreachable = reach(smtp) if online and first.status == "ok" else None
    if unreachable is None:
        return first
    return Check(
        name=NAME,
        status="problem",
        summary=f"{kind.label} {name!r}: its SMTP server {smtp}: {unreachable}",
        fix="check the address and your network (is the service up?), or connect it again: "
        + kind.reconnect.format(name=name),
        details={**first.details, "smtp": smtp, "smtp_reached": False},
    )


EMAIL = AppKind(
    prefix=EMAIL_PREFIX,
    label="email account",
    keys=lambda name, value: [_email(name, value).credential_key],  # an OAuth one: its connection's tokens
    address=lambda name, value: f"{_email(name, value).imap_host}:{_email(name, value).imap_port}",
    reconnect="headcount connect email {name} …",
    check=_email_check,
)

_APP_LABELS = {"calendar": "calendar", "github": "GitHub account", "google": "Google account",
               "microsoft": "Microsoft account"}  # fmt: skip


def _app(name: str, value: str) -> AppConfig:
    try:
        return AppConfig.from_stored(name, value)
    except ValueError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None


def _app_check(kind: AppKind, name: str, value: str, has_key: KeyLookup, online: bool) -> Check:
    """The generic check, named for what the app is (a calendar, a GitHub or Google account); a missing
    credential is signed in again (a token cannot be typed in with `headcount key set`)."""
    app = _app(name, value)
    how = "calendar {name} --url … --user …" if app.kind == "calendar" else f"{app.kind} {{name}} --client-id …"
    own = replace(kind, label=_APP_LABELS.get(app.kind, app.kind), reconnect=f"headcount connect {how}")
    found = generic_check(own, name, value, has_key, online)
    if found.details.get("missing_keys"):
        return replace(
            found, fix=f"connect it again (its credential is gone from the keyring): {own.reconnect}".format(name=name)
        )
    return found


def _app_address(name: str, value: str) -> str:
    """The CalDAV server, the GitHub API, or the Google/Microsoft token endpoint (what a refresh reaches)."""
    app = _app(name, value)
    return (app.token_url or app.url) if app.kind in ("google", "microsoft") else app.url


APP = AppKind(
    prefix=APP_PREFIX,
    label="app",
    keys=lambda name, value: [_app(name, value).secret_key],
    address=_app_address,
    reconnect="headcount connect … {name}",
    check=_app_check,
)

KINDS: dict[str, AppKind] = {MCP.prefix: MCP, EMAIL.prefix: EMAIL, APP.prefix: APP}


def register(kind: AppKind) -> None:
    """Add (or replace) a kind of connection the doctor checks."""
    KINDS[kind.prefix] = kind


def connected_apps(db: Path, has_key: KeyLookup, *, online: bool = False) -> list[Check]:
    """One line per connection of every known kind, or one line saying there are none."""
    checks: list[Check] = []
    readable = db.is_file() and db.stat().st_size > 0
    for kind in KINDS.values():
        try:
            rows = settings_like(db, kind.prefix) if readable else {}
        except sqlite3.DatabaseError:
            return []  # the database line already says it is damaged
        for key, value in sorted(rows.items()):
            checks.append(_one(kind, key.removeprefix(kind.prefix), value, has_key, online))
    if not checks:
        return [Check(name=NAME, status="ok", summary="none connected (e.g. headcount connect mcp NAME -- COMMAND)")]
    return checks


def _one(kind: AppKind, name: str, value: str, has_key: KeyLookup, online: bool) -> Check:
    try:
        return (kind.check or generic_check)(kind, name, value, has_key, online)
    except ValueError as exc:
        return Check(
            name=NAME,
            status="problem",
            summary=f"{kind.label} {name!r}: the stored connection cannot be read ({exc})",
            fix=f"connect it again: {kind.reconnect.format(name=name)}",
            details={"kind": kind.prefix.rstrip(":"), "name": name},
        )
    except Exception as exc:  # one kind's faulty check must not hide the rest of the report
        log.exception("the doctor's check of %s%s failed", kind.prefix, name)
        return Check(
            name=NAME,
            status="warn",
            summary=f"{kind.label} {name!r}: not checked ({type(exc).__name__})",
            fix="report this with the log in the data folder's logs/ (the check itself failed)",
            details={"kind": kind.prefix.rstrip(":"), "name": name},
        )
