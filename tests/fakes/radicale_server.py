"""A real Radicale CalDAV server on 127.0.0.1 for tests, with plain htpasswd users in a tmp dir."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Radicale:
    url: str  # the server's root, e.g. http://127.0.0.1:5232
    users: dict[str, str]
    folder: Path

    def calendar_url(self, user: str, calendar: str) -> str:
        return f"{self.url}/{user}/{calendar}/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def radicale(root: Path, users: dict[str, str]) -> Iterator[Radicale]:
    """Run Radicale until the block ends; each user gets an empty collection root."""
    root.mkdir(parents=True, exist_ok=True)
    htpasswd = root / "users"
    htpasswd.write_text("".join(f"{u}:{p}\n" for u, p in users.items()))
    port = _free_port()
    argv = [
        sys.executable, "-m", "radicale", "--config", "",
        "--server-hosts", f"127.0.0.1:{port}",
        "--storage-filesystem-folder", str(root / "collections"),
        "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(htpasswd),
        "--auth-htpasswd-encryption", "plain", "--rights-type", "owner_only",
        "--logging-level", "info",  # for its "Radicale server ready" line
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ready, listening = threading.Event(), threading.Event()
    copier = threading.Thread(target=_copy_log, args=(proc, root / "radicale.log", ready, listening), daemon=True)
    copier.start()
    try:
        # The server says when it listens; the wait ends then (the bound is only for a server that hangs).
        if not ready.wait(START_TIMEOUT_S) or not listening.is_set():
            raise RuntimeError(f"radicale did not start: {(root / 'radicale.log').read_text()}")
        yield Radicale(f"http://127.0.0.1:{port}", dict(users), root / "collections")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        copier.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def _copy_log(proc: subprocess.Popen[str], path: Path, ready: threading.Event, listening: threading.Event) -> None:
    """Copy the server's output to its log file; `ready` is set once it listens (`listening` too), or exits."""
    assert proc.stdout is not None
    with path.open("w") as log:
        for line in proc.stdout:
            log.write(line)
            log.flush()
            if "Radicale server ready" in line:
                listening.set()
                ready.set()
    ready.set()  # it exited: the caller sees why in the log
