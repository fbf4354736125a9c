"""What one line of `headcount doctor` is, and the one network look it may take (a TCP connect, no request)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

Status = Literal["ok", "warn", "problem", "skip"]
KeyLookup = Callable[[str], bool | None]  # is a key stored under this name? None: the keys cannot be read here
CONNECT_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One line of the report; `fix` says what to do whenever `status` is warn or problem."""

    name: str
    status: Status
    summary: str
    fix: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def reach(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> str | None:
    """None when a TCP connection to the address's host and port opens, else why not."""
    parts = urlsplit(address if "//" in address else f"http://{address}")
    host = parts.hostname or "127.0.0.1"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"{address!r} has no valid port"
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except OSError as exc:
        return f"cannot connect to {host}:{port} ({exc.strerror or exc})"
