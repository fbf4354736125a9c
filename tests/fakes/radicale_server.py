"""A real Radicale CalDAV server on 127.0.0.1 for tests, with plain htpasswd users in a tmp dir."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
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
        "--logging-level", "warning",
    ]  # fmt: skip
    log = (root / "radicale.log").open("w")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"radicale did not start: {(root / 'radicale.log').read_text()}")
            time.sleep(0.05)
        yield Radicale(f"http://127.0.0.1:{port}", dict(users), root / "collections")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
