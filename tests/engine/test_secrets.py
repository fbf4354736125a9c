"""Secrets: keyring storage, backend choice on a headless machine, and redaction everywhere."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.errors import KeyringError

from engine import secrets as secrets_module
from engine.secrets import (
    MASK,
    KeyNotKept,
    MemoryKeyring,
    RedactingFilter,
    Secrets,
    chosen_backend_problem,
    os_keyring,
    redact,
    select_backend,
)


def test_set_get_delete_and_names() -> None:
    store = Secrets(MemoryKeyring())
    assert store.get("openai") is None and store.names() == []
    store.set("openai", "sk-openai-000111222333")
    store.set("anthropic", "sk-ant-444555666777")
    store.set("openai", "sk-openai-999888777666")  # replacing keeps one name
    assert store.get("openai") == "sk-openai-999888777666"
    assert store.names() == ["anthropic", "openai"]
    store.delete("openai")
    store.delete("openai")  # deleting twice is fine
    assert store.get("openai") is None and store.names() == ["anthropic"]


@pytest.mark.parametrize("name", ["", " padded", "__names__"])
def test_unusable_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        Secrets(MemoryKeyring()).set(name, "value")


def test_the_service_is_headcount() -> None:
    backend = MemoryKeyring()
    Secrets(backend).set("openai", "sk-openai-000111222333")
    assert backend.entries[("Headcount", "openai")] == "sk-openai-000111222333"


def test_stored_values_and_key_shapes_are_redacted() -> None:
    Secrets(MemoryKeyring()).set("custom", "hunter2-custom-token")
    text = "key hunter2-custom-token and sk-proj-ABCDEFGH12345678 and Bearer abc.def-123456 and gsk_12345678abcd"
    assert redact(text) == f"key {MASK} and {MASK} and Bearer {MASK} and {MASK}"
    assert redact("plain words stay") == "plain words stay"
    assert redact("one-off value here", "one-off value") == f"{MASK} here"
    assert redact("abc", "abc") == "abc"  # too short to mask safely


def test_logging_filter_masks_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    Secrets(MemoryKeyring()).set("custom", "hunter2-custom-token")
    logger = logging.getLogger("test.secrets")
    caplog.handler.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="test.secrets"):
            logger.info("calling with %s", "hunter2-custom-token")
            try:
                raise RuntimeError("bad key sk-live-0123456789abcdef")
            except RuntimeError:
                logger.exception("failed")
    finally:
        caplog.handler.removeFilter(caplog.handler.filters[-1])
    assert "hunter2" not in caplog.text and "0123456789abcdef" not in caplog.text
    assert f"calling with {MASK}" in caplog.text and f"bad key {MASK}" in caplog.text


def test_headless_falls_back_to_a_private_encrypted_file_in_the_home(
    headcount_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(secrets_module, "os_keyring", lambda: None)
    store = Secrets()
    path = headcount_home / "secrets.enc"  # more in test_secret_file.py
    assert store.backend_description() == (
        f"encrypted key file at {path} (no OS keyring found; opened with your passphrase)"
    )
    store.set("openai", "sk-file-000111222333")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Secrets().get("openai") == "sk-file-000111222333"  # a fresh instance reads the same file


def test_a_test_keyring_wins_over_the_os(memory_keyring: MemoryKeyring) -> None:
    assert select_backend() is memory_keyring
    assert Secrets().backend_description() == "in-memory keyring (tests only: nothing is saved)"


def test_choosing_a_backend_loads_no_keyring_plugin(tmp_path: Path) -> None:
    """Only the OS stores are asked: keyring's plugins (keyrings.alt, whose rating imports a cipher library)
    stay unloaded, and the choice is the one keyring's own detection makes among the OS stores."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    code = (
        "import sys; from pathlib import Path; from engine.secrets import _OS_BACKENDS, select_backend, os_keyring\n"
        f"chosen = select_backend(Path({str(tmp_path)!r}))\n"
        "print(sorted(m for m in ('keyrings.alt', 'Crypto') if m in sys.modules))\n"
        "import keyring.backend\n"
        "found = os_keyring()\n"
        "every = [b for b in keyring.backend.get_all_keyring()"
        " if type(b).__module__.startswith(_OS_BACKENDS) and b.priority >= 1]\n"
        "best = max(every, key=lambda b: b.priority) if every else None\n"
        "print(type(found).__name__, type(best).__name__, type(chosen).__name__ == type(found or chosen).__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2]
    )
    loaded, same = result.stdout.splitlines()
    assert loaded == "[]", result.stderr
    found, best, chosen_is_found = same.split()
    assert found == best and chosen_is_found == "True"


def test_only_real_os_keyrings_count() -> None:
    found = os_keyring()
    # Whatever this machine has, a test double or a file backend is never mistaken for an OS keyring.
    assert found is None or type(found).__module__.startswith("keyring.backends.")
    assert not isinstance(found, MemoryKeyring)
    assert keyring.get_keyring() is not None


def test_a_keyring_that_keeps_nothing_is_refused_and_lists_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """keyring's `null` backend (often set to stop pip asking) takes a key and keeps nothing: never "stored"."""
    from keyring.backends.null import Keyring as NullKeyring

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # as in a new process: nothing loaded yet
    store = Secrets(NullKeyring())
    with pytest.raises(KeyNotKept, match="did not keep the key 'openai': nothing was stored; PYTHON_KEYRING_BACKEND"):
        store.set("openai", "sk-openai-000111222333")
    assert store.names() == []
    assert chosen_backend_problem() is not None and "keeps nothing" in str(chosen_backend_problem())


def test_a_keyring_named_in_the_environment_that_does_not_load_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no_such_module.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # as in a new process: nothing loaded yet
    with pytest.raises(KeyringError, match=r"^PYTHON_KEYRING_BACKEND=no_such_module\.Keyring cannot be loaded"):
        select_backend()
