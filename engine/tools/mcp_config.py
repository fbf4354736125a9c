"""How the owner connects an MCP server: a command to run (stdio) or a URL (streamable HTTP).

Kept in the office's `settings` table as `mcp:<name>` -> JSON. Secrets are never stored: the
config names the keyring entries whose values become the server's environment variables or HTTP
headers when it starts. Light on purpose: the `mcp` SDK is imported only when a server starts
(`engine.tools.mcp`), never by a command that does not need one.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from engine.hosts import cleartext_refusal
from engine.secrets import redact

MCP_PREFIX = "mcp:"  # settings key of a server, `mcp:<name>`, and its tools' namespace
SERVER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")
KEY_NAME = re.compile(r"^\S{1,128}$")
# A flag that hands over a secret, by the word it ends in: `--token`, `--auth-token`, `--github-api-key`, `--pass`,
# `--bearer`, `--db-password=…`; not one that names where a secret is (`--token-file`, `--key-id`), nor a switch
# that turns something off (`--no-auth`).
_SECRET_WORD = (
    r"(?:api[-_]?key|apikey|key|token|bearer|auth|authorization|pass|passwd|password|passphrase|passcode|pwd|"
    r"secret|credentials?)"
)
_SECRET_FLAG = re.compile(
    rf"^--?(?!(?:no|disable|skip|without)[-_])(?:[a-z0-9]+[-_])*{_SECRET_WORD}(?:=(?P<value>.*))?$", re.IGNORECASE
)
_SHORT_PASSWORD = "-p"  # mysql and kin; also a port (a number) or a path, which are no secret
# A value that names where a secret is, or says yes or no: a path, an environment variable, a switch's word.
_NOT_SECRET = re.compile(r"^(?:[/~.$%]|[A-Za-z]:\\)|^(?:true|false|yes|no|on|off|none|null)$", re.IGNORECASE)
CALL_TIMEOUT_S = 60.0
MAX_CALL_TIMEOUT_S = 3600.0  # an hour: a longer "timeout" is a typo
START_TIMEOUT_S = 30.0  # from launch to a listing of its tools

Secret = Callable[[str], str | None]  # a keyring entry's value by name, or None


class McpStartError(Exception):
    """A server that could not start; the message names the server and its command or URL."""


class McpServerConfig(BaseModel):
    """One MCP server the owner connected. Exactly one of `command` and `url`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    cwd: str | None = None  # where the command runs: the folder `connect` was typed in, so relative paths hold
    url: str | None = None
    env: dict[str, str] = Field(default_factory=dict)  # environment variable -> keyring entry
    headers: dict[str, str] = Field(default_factory=dict)  # HTTP header -> keyring entry
    timeout_s: float = Field(default=CALL_TIMEOUT_S, gt=0, le=MAX_CALL_TIMEOUT_S)  # per tool call

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not SERVER_NAME.match(value):
            raise ValueError(
                f"a server name is lowercase letters, digits, - or _ (at most 32, e.g. 'files'), got {value!r}"
            )
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).hostname):
            raise ValueError(f"expected an http:// or https:// address, got {value!r}")
        return value

    @field_validator("env")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        for var, key in value.items():
            if not ENV_NAME.match(var):
                raise ValueError(f"{var!r} is not an environment variable name")
            if not KEY_NAME.match(key):
                raise ValueError(f"{key!r} is not a key name")
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for header, key in value.items():
            if not HEADER_NAME.match(header):
                raise ValueError(f"{header!r} is not an HTTP header name")
            if not KEY_NAME.match(key):
                raise ValueError(f"{key!r} is not a key name")
        return value

    @model_validator(mode="after")
    def _one_transport(self, info: ValidationInfo) -> McpServerConfig:
        if (self.command is None) == (self.url is None):
            raise ValueError("give either a command to run or a URL, not both")
        if self.command is not None and not self.command.strip():
            raise ValueError("the command is empty")
        if self.url and self.env:
            raise ValueError("environment variables are for a server Headcount runs; a URL server takes headers")
        if self.url and self.cwd:
            raise ValueError("a working folder is for a server Headcount runs, not one at a URL")
        if self.command and self.headers:
            raise ValueError("headers are for a server at a URL; a server Headcount runs takes environment variables")
        # A row stored before this rule still loads (to be shown, disconnected, or refused when it starts).
        if not (info.context or {}).get("stored") and (problem := self.cleartext()) is not None:
            raise ValueError(problem)
        return self

    def cleartext(self) -> str | None:
        """Why its keyring headers would travel unencrypted (plain http to another machine), or None."""
        if self.url is None or not self.headers:
            return None
        keys = f"the key{'s' if len(self.headers) > 1 else ''} in --header {', '.join(sorted(self.headers))}"
        return cleartext_refusal(self.url, keys)

    def unsafe_to_start(self) -> str | None:
        """What to tell the owner instead of sending its keys unencrypted (a row stored before the rule), or None."""
        if (problem := self.cleartext()) is None:
            return None
        return f"the MCP server '{self.name}' was not started: {problem} and connect it again"

    @property
    def namespace(self) -> str:
        """`mcp:<name>`: its tools' namespace (`mcp:files.read_file`)."""
        return f"{MCP_PREFIX}{self.name}"

    @property
    def key_names(self) -> tuple[str, ...]:
        """The keyring entries it needs."""
        return tuple(sorted({*self.env.values(), *self.headers.values()}))

    def describe(self) -> str:
        """The command line it runs, or its URL: how the owner recognises it in a message (secrets masked)."""
        if self.url is not None:
            return redact(self.url)
        return redact(shlex.join([self.command or "", *self.args]))

    def secret_looking(self) -> str | None:
        """What on its command line (or in its URL) looks like a key or password, which belongs in the keyring, in
        words that never repeat the secret: "the value after --auth-token on the server's command line"."""
        args = self.args
        for i, part in enumerate(args):
            given = _given(part, args[i + 1] if i + 1 < len(args) else None)
            port = part == _SHORT_PASSWORD and bool(given) and str(given).isdigit()
            if given and not _NOT_SECRET.match(given) and not port:
                return f"the value after {part.partition('=')[0]} on the server's command line"
            if redact(part) != part:
                return f"argument {i + 1} on the server's command line"
        if self.url is not None and redact(self.url) != self.url:
            return "the server's URL"
        return None

    def stored(self) -> str:
        """The settings row's value (its name is in the key)."""
        data: dict[str, Any] = self.model_dump(exclude={"name"}, exclude_defaults=True)
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_stored(cls, name: str, value: str) -> McpServerConfig:
        """Raises ValueError (a pydantic ValidationError, or bad JSON) for a row that no longer parses."""
        data = json.loads(value)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return cls.model_validate({**data, "name": name}, context={"stored": True})


def _given(part: str, following: str | None) -> str | None:
    """The value `part` hands over when it is a secret's flag (`--token=X`, or `--token X`: the next argument
    unless that is another flag); None when it is no such flag."""
    if part == _SHORT_PASSWORD:
        flag = None
    else:
        flag = _SECRET_FLAG.match(part)
        if flag is None:
            return None
        if flag["value"] is not None:
            return str(flag["value"])
    return following if following is not None and not following.startswith("-") else None
