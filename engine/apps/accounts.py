"""The owner's connected apps (calendars, GitHub, Google and Microsoft accounts) and who may use them.

Each is the settings row `app:<name>` -> JSON, read by every process from there. The row holds
where the app is and whose it is, never a password or token: those are the keyring entry
`app:<name>` (`secret_key`). An app is granted to employees by id; an employee never sees the tools
of an app it was not granted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator

from engine.apps.email_config import EMAIL_PREFIX
from engine.errors import OwnerError
from engine.hosts import cleartext_refusal
from engine.owner_action import OwnerDesk, owner_action
from engine.store import Connection
from engine.store.records import EmployeeRecord
from engine.store.settings import delete_setting, put_setting, read_named, read_setting
from engine.tools.mcp_config import MCP_PREFIX

APP_PREFIX = "app:"
AppKind = Literal["calendar", "github", "google", "microsoft"]
KINDS: tuple[AppKind, ...] = ("calendar", "github", "google", "microsoft")
APP_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class AppConfig(BaseModel):
    """One connected app. `url` is the CalDAV calendar home or the API's base; `user` the account's name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: AppKind
    url: str
    user: str = ""
    client_id: str = ""  # OAuth apps: the owner's registered client
    auth_url: str = ""  # OAuth: where the owner signs in (device flow: the device-code endpoint)
    token_url: str = ""
    scopes: tuple[str, ...] = ()
    granted: tuple[str, ...] = ()  # employee ids

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not APP_NAME.match(value):
            raise ValueError(f"an app's name is lowercase letters, digits, - or _ (at most 32), got {value!r}")
        return value

    @field_validator("url", "auth_url", "token_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"an address starts with https:// (or http://), got {value!r}")
        return value.rstrip("/") if value.count("/") > 2 else value

    @model_validator(mode="after")
    def _encrypted_elsewhere(self, info: ValidationInfo) -> AppConfig:
        # A row stored before this rule still loads (to be shown, disconnected, or refused when used: `cleartext`).
        if not (info.context or {}).get("stored") and (problem := self.cleartext()) is not None:
            raise ValueError(problem)
        return self

    def cleartext(self) -> str | None:
        """Why its password or token would travel unencrypted (plain http to another machine), or None."""
        what = "the password" if self.kind == "calendar" else "the token"
        for url in (self.url, self.auth_url, self.token_url):
            if url and (problem := cleartext_refusal(url, what)) is not None:
                return problem
        return None

    def unsafe_to_use(self) -> str | None:
        """What to tell the owner instead of sending its password or token unencrypted (a row stored before the
        rule), or None."""
        problem = self.cleartext()
        return None if problem is None else f"'{self.name}' was not used: {problem} and connect it again"

    @property
    def secret_key(self) -> str:
        """The keyring entry holding its password or tokens."""
        return f"{APP_PREFIX}{self.name}"

    def stored(self) -> str:
        return self.model_dump_json(exclude={"name"})

    @classmethod
    def from_stored(cls, name: str, value: str) -> AppConfig:
        try:
            return cls.model_validate({**json.loads(value), "name": name}, context={"stored": True})
        except (ValidationError, json.JSONDecodeError, TypeError) as exc:
            raise ValueError(str(exc).splitlines()[0]) from None

    def describe(self) -> str:
        who = f"{self.user} at " if self.user else ""
        return f"{self.kind}: {who}{self.url}"


def app_key(name: str) -> str:
    return f"{APP_PREFIX}{name}"


def read_apps(conn: Connection) -> dict[str, AppConfig]:
    """Every connected app by name; a row that no longer parses is skipped with a warning."""
    return read_named(conn, APP_PREFIX, AppConfig.from_stored, "app")


# --- one name, one connection --------------------------------------------------------------------

# What a name may be qualified with where a bare one is ambiguous (`disconnect calendar:work`): the kinds.
QUALIFIERS = ("email", *KINDS, "mcp")
_HOLDER = {"email": "the email account", "calendar": "the calendar", "github": "the GitHub account",
           "google": "the Google account", "microsoft": "the Microsoft account", "mcp": "the MCP server"}  # fmt: skip


def holder(kind: str, name: str) -> str:
    """A connection in words: "the email account 'work'"."""
    return f"{_HOLDER.get(kind, f'the {kind} app')} '{name}'"


def qualified(text: str) -> tuple[str | None, str]:
    """(`kind`, name) of `calendar:work`; (None, text) for a bare name."""
    kind, colon, name = text.partition(":")
    return (kind, name) if colon and kind in QUALIFIERS else (None, text)


def holders(conn: Connection, name: str) -> dict[str, str]:
    """The kinds of connection called `name` (email, calendar, github, google, microsoft, mcp), each in words.

    One name was once allowed for several kinds at a time: an office may still hold such a clash."""
    found: dict[str, str] = {}
    if read_setting(conn, f"{EMAIL_PREFIX}{name}") is not None:
        found["email"] = holder("email", name)
    stored = read_setting(conn, app_key(name))
    if stored is not None:
        try:
            kind = str(json.loads(stored).get("kind", "app"))
        except (ValueError, AttributeError):
            kind = "app"
        found[kind] = holder(kind, name)
    if read_setting(conn, f"{MCP_PREFIX}{name}") is not None:
        found["mcp"] = holder("mcp", name)
    return found


async def name_free(office: OwnerDesk, name: str, kind: str) -> None:
    """OwnerError when another kind of connection is called `name` (one of `kind` may be connected again)."""
    held = await office.journal.read(lambda conn: holders(conn, name))
    others = [words for k, words in held.items() if k != kind]
    if others:
        base = f"{name[: 31 - len(kind)]}-{kind}"
        raise OwnerError(
            f"the name '{name}' is taken by {' and '.join(others)}; a name belongs to one connection: "
            f"connect this {_HOLDER.get(kind, 'app').removeprefix('the ')} under another, e.g. '{base}'"
        )


def granted_to(apps: Mapping[str, AppConfig], employee_id: str, kind: AppKind) -> AppConfig | None:
    """The app of `kind` granted to the employee (the first by name when several are)."""
    return next((a for _, a in sorted(apps.items()) if a.kind == kind and employee_id in a.granted), None)


class _Seated(Protocol):
    @property
    def record(self) -> EmployeeRecord: ...


class AppOffice(OwnerDesk, Protocol):
    """What changing the owner's apps needs of the office (the Office front has it)."""

    @property
    def employees(self) -> Mapping[str, _Seated]: ...


async def apps_of(office: AppOffice) -> dict[str, AppConfig]:
    return await office.journal.read(read_apps)


async def app_named(office: AppOffice, name: str) -> AppConfig:
    app = (await apps_of(office)).get(name)
    if app is None:
        raise OwnerError(f"no app '{name}' is connected (see `headcount connections`)")
    return app


async def save_app(office: AppOffice, app: AppConfig) -> bool:
    """Keep `app` (its grants carried over from one of the same name); True when it replaced one."""
    await name_free(office, app.name, app.kind)
    before = (await apps_of(office)).get(app.name)
    if before is not None and not app.granted:
        app = app.model_copy(update={"granted": before.granted})
    data = {"action": "connect_app", "name": app.name, "app": app.describe()}
    await owner_action(office, data, put_setting(app_key(app.name), app.stored()))
    return before is not None


def employee_id(office: AppOffice, who: str) -> str:
    """The id of the employee called `who` (by id or by name, any case). Raises OwnerError."""
    for eid, seated in office.employees.items():
        if who in (eid, seated.record.name) or who.lower() == seated.record.name.lower():
            return eid
    names = ", ".join(sorted(s.record.name for s in office.employees.values())) or "nobody is hired"
    raise OwnerError(f"no employee '{who}' (employees: {names})")


async def grant(office: AppOffice, name: str, who: str, *, allow: bool = True) -> AppConfig:
    """Grant the app to an employee (or take it back with `allow=False`: an employee let go while it was granted
    is named by the id `connections` shows). OwnerError when there is nothing to take back."""
    app = await app_named(office, name)
    left = not allow and who in app.granted and who not in office.employees  # let go before dismissal took it back
    eid = who if left else employee_id(office, who)
    if not allow and eid not in app.granted:
        raise OwnerError(f"'{name}' is not granted to {office.employees[eid].record.name}: nothing to take back")
    granted = sorted({*app.granted, eid} if allow else set(app.granted) - {eid})
    app = app.model_copy(update={"granted": tuple(granted)})
    data = {"action": "grant_app" if allow else "revoke_app", "name": name, "employee": eid}
    await owner_action(office, data, put_setting(app_key(name), app.stored()))
    return app


def taken_back(apps: Mapping[str, AppConfig], employee_id: str) -> list[tuple[str, str]]:
    """(settings key, value) of each app in `apps` granted to `employee_id`, without that grant: for an employee
    who is let go, whose id would otherwise stay in the grant."""
    return [
        (app_key(name), app.model_copy(update={"granted": tuple(e for e in app.granted if e != employee_id)}).stored())
        for name, app in sorted(apps.items())
        if employee_id in app.granted
    ]


async def forget(office: AppOffice, name: str) -> AppConfig:
    """Disconnect an app (its keyring entry is the caller's to delete)."""
    app = await app_named(office, name)
    await owner_action(office, {"action": "disconnect_app", "name": name}, delete_setting(app_key(name)))
    return app
