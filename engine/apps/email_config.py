"""An email account the owner connected: where its IMAP and SMTP servers are, never its password.

Kept in the office's `settings` table as `email:<name>` -> JSON; the password is the keyring entry
`email:<name>` (`password_key`). Light on purpose: nothing here talks to a server.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.hosts import LOCAL_EXAMPLES, on_this_machine
from engine.store import Connection
from engine.store.settings import read_named

EMAIL_PREFIX = "email:"  # settings key and tool namespace of an account: `email:<name>`
ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
Security = Literal["ssl", "starttls", "plain"]
TIMEOUT_S = 30.0


class EmailAccount(BaseModel):
    """One mailbox: read over IMAP, sent over SMTP with the same login."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    address: str  # the From of what it sends; its domain names the Message-IDs
    user: str  # the login, for both servers
    imap_host: str
    imap_port: int = Field(gt=0, lt=65536)
    imap_security: Security
    smtp_host: str
    smtp_port: int = Field(gt=0, lt=65536)
    smtp_security: Security
    sent_folder: str = "Sent"
    drafts_folder: str = "Drafts"
    timeout_s: float = Field(default=TIMEOUT_S, gt=0, le=600)
    oauth: str = ""  # a Google or Microsoft connection to sign in with (XOAUTH2) instead of a password

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not ACCOUNT_NAME.match(value):
            raise ValueError(
                f"an account name is lowercase letters, digits, - or _ (at most 32, e.g. 'work'), got {value!r}"
            )
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if not ADDRESS.match(value):
            raise ValueError(f"expected an email address like you@example.com, got {value!r}")
        return value

    @model_validator(mode="after")
    def _plain_only_here(self) -> EmailAccount:
        for host, security in ((self.imap_host, self.imap_security), (self.smtp_host, self.smtp_security)):
            if security == "plain" and not on_this_machine(host):
                raise ValueError(
                    f"--plain would send the password unencrypted to {host}; it is allowed only for a server on "
                    f"this machine ({LOCAL_EXAMPLES}): use --ssl or --starttls"
                )
        return self

    @property
    def namespace(self) -> str:
        return f"{EMAIL_PREFIX}{self.name}"

    @property
    def password_key(self) -> str:
        """The keyring entry holding the password."""
        return f"{EMAIL_PREFIX}{self.name}"

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()

    @property
    def credential_key(self) -> str:
        """The keyring entry it logs in with: its password, or its OAuth connection's tokens."""
        return f"app:{self.oauth}" if self.oauth else self.password_key

    def describe(self) -> str:
        signed = f", signed in with '{self.oauth}'" if self.oauth else ""
        return (
            f"{self.address} (IMAP {self.imap_host}:{self.imap_port} {self.imap_security}, "
            f"SMTP {self.smtp_host}:{self.smtp_port} {self.smtp_security}{signed})"
        )

    def stored(self) -> str:
        return self.model_dump_json(exclude={"name"})

    @classmethod
    def from_stored(cls, name: str, value: str) -> EmailAccount:
        try:
            return cls.model_validate({**json.loads(value), "name": name})
        except (json.JSONDecodeError, TypeError) as exc:
            raise ValueError(f"not a stored email account: {exc}") from None


@dataclass(frozen=True, slots=True)
class Preset:
    """Where a provider's mail servers are, for accounts signed in through its OAuth connection."""

    imap_host: str
    imap_port: int
    smtp_host: str
    smtp_port: int
    smtp_security: Security


PRESETS: dict[str, Preset] = {  # by the OAuth connection's kind
    "google": Preset("imap.gmail.com", 993, "smtp.gmail.com", 465, "ssl"),
    "microsoft": Preset("outlook.office365.com", 993, "smtp.office365.com", 587, "starttls"),
}


def default_security(port: int, *, implicit_tls_ports: tuple[int, ...]) -> Security:
    """TLS from the first byte on the well-known implicit-TLS ports, else STARTTLS."""
    return "ssl" if port in implicit_tls_ports else "starttls"


def account_key(name: str) -> str:
    return f"{EMAIL_PREFIX}{name}"


def read_accounts(conn: Connection) -> dict[str, EmailAccount]:
    """Every connected email account by name; a row that no longer parses is left out."""
    return read_named(conn, EMAIL_PREFIX, EmailAccount.from_stored)
