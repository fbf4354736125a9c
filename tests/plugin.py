"""Our pytest plugin (loaded by tests/conftest.py): real network calls fail the test; keyring and server fixtures.

- `network_guard` (autouse) makes any connection to a non-loopback host fail the test, even one the
  code under test caught and retried; mark a test `allow_network` to let it through.
- `memory_keyring` installs an in-memory keyring; `fake_openai` serves a local OpenAI-compatible server.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import keyring
import pytest

from engine.secrets import MemoryKeyring
from tests.fakes.openai_server import FakeOpenAIServer


def _is_loopback_host(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").split("%")[0].lower()
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class NetworkGuard:
    """Refuses and records every attempt to reach a non-loopback host; `check()` fails the test if any."""

    attempts: list[str] = field(default_factory=list)
    _saved: dict[str, Any] = field(default_factory=dict)

    def install(self) -> NetworkGuard:
        original_connect = socket.socket.connect
        original_connect_ex = socket.socket.connect_ex
        original_getaddrinfo = socket.getaddrinfo
        self._saved = {
            "connect": original_connect,
            "connect_ex": original_connect_ex,
            "getaddrinfo": original_getaddrinfo,
        }
        guard = self

        def refused(address: Any) -> bool:
            if not isinstance(address, tuple):
                return False  # AF_UNIX paths are local
            if _is_loopback_host(address[0]):
                return False
            guard.attempts.append(f"connect to {address[0]}:{address[1] if len(address) > 1 else '?'}")
            return True

        def connect(sock: socket.socket, address: Any) -> None:
            if refused(address):
                raise ConnectionRefusedError(errno.ECONNREFUSED, f"network guard: {address[0]} is not loopback")
            original_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            return errno.ECONNREFUSED if refused(address) else original_connect_ex(sock, address)

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not _is_loopback_host(host):
                guard.attempts.append(f"resolve {host}")
                raise socket.gaierror(socket.EAI_NONAME, f"network guard: {host} is not loopback")
            return original_getaddrinfo(host, *args, **kwargs)

        socket.socket.connect = connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
        socket.getaddrinfo = getaddrinfo
        return self

    def uninstall(self) -> None:
        if self._saved:
            socket.socket.connect = self._saved["connect"]  # type: ignore[method-assign]
            socket.socket.connect_ex = self._saved["connect_ex"]  # type: ignore[method-assign]
            socket.getaddrinfo = self._saved["getaddrinfo"]
            self._saved = {}

    def check(self) -> None:
        if self.attempts:
            shown = "; ".join(dict.fromkeys(self.attempts))
            pytest.fail(
                f"the test tried to reach the network ({shown}); use ScriptedModel or fake_openai",
                pytrace=False,
            )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_network: let this test reach non-loopback hosts")


@pytest.fixture(autouse=True)
def network_guard(request: pytest.FixtureRequest) -> Iterator[NetworkGuard]:
    """Any real network call fails the test, even one the code under test caught and retried."""
    guard = NetworkGuard()
    if request.node.get_closest_marker("allow_network"):
        yield guard
        return
    guard.install()
    try:
        yield guard
    finally:
        guard.uninstall()
    guard.check()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory keyring installed with `keyring.set_keyring`, restored afterwards."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    """A local OpenAI-compatible server; script it with `fake_openai.script(model, Fail(429), Reply(...))`."""
    with FakeOpenAIServer() as server:
        yield server
