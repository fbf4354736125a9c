"""The send's point of no return, written down before it is passed.

SMTP cannot be asked afterwards whether it took a message, so `send_email` writes one small file
(fsynced) just before it hands the message over (DATA), and the copy in the account's Sent folder
(found by its Message-ID) is the proof it went. After a crash the two answer the question:

- no file: the crash came before DATA, nothing left this machine, sending again is safe;
- the Message-ID in Sent: it went, and it is never sent again;
- a file but nothing in Sent: the server may have taken it in the instant between DATA and the
  Sent copy, so nobody can tell; the owner decides (it is never sent twice on a guess).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from engine.paths import Home


@dataclass(frozen=True, slots=True)
class Handed:
    """The record of a message handed to the SMTP server (or about to be)."""

    account: str
    message_id: str
    stage: str  # "data": DATA was about to be sent; "filed": it is in the Sent folder


def call_key(task_id: str, call_id: str) -> str:
    """A stable key for one tool call across attempts and restarts."""
    return hashlib.sha256(f"{task_id}/{call_id}".encode()).hexdigest()[:32]


class Outbox:
    def __init__(self, home: Home) -> None:
        self._dir = home.root / "outbox"

    def mark(self, key: str, handed: Handed) -> None:
        """Record `handed` durably before the step it describes."""
        self._dir.mkdir(parents=True, exist_ok=True)
        path = self._path(key)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump({"account": handed.account, "message_id": handed.message_id, "stage": handed.stage}, f)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        _fsync_dir(self._dir)

    def get(self, key: str) -> Handed | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return Handed(str(data["account"]), str(data["message_id"]), str(data["stage"]))

    def _path(self, key: str) -> Path:
        return self._dir / f"{key}.json"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform lets a folder be opened (Windows)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
