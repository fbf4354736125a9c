"""The encrypted key file used where there is no OS keyring: passphrase, contents, migration, the CLI."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import engine.secrets as secrets_module
from engine.secretfile import PASSPHRASE_ENV, EncryptedFileKeyring, KeyringLocked, WrongPassphrase, unlock
from engine.secrets import Secrets, file_keyring

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(secrets_module, "os_keyring", lambda: None)


def test_keys_are_encrypted_in_the_home_and_read_back(headless: None, headcount_home: Path) -> None:
    store = Secrets()
    path = headcount_home / "secrets.enc"
    assert store.backend_description() == (
        f"encrypted key file at {path} (no OS keyring found; opened with your passphrase)"
    )
    store.set("openai", "sk-file-000111222333")
    store.set("app:cal", "calendar-password-77")
    raw = path.read_bytes()
    assert b"sk-file-000111222333" not in raw and b"calendar-password-77" not in raw and b"openai" not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    fresh = Secrets()  # a fresh instance (another process, say) reads the same file
    assert fresh.get("openai") == "sk-file-000111222333" and fresh.names() == ["app:cal", "openai"]
    fresh.delete("openai")
    assert Secrets().get("openai") is None and Secrets().get("app:cal") == "calendar-password-77"


def test_a_wrong_or_missing_passphrase_is_a_clear_message(
    headless: None, headcount_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Secrets().set("openai", "sk-file-000111222333")
    path = headcount_home / "secrets.enc"
    before = path.read_bytes()
    monkeypatch.setenv(PASSPHRASE_ENV, "not-the-passphrase")
    with pytest.raises(WrongPassphrase, match=f"^that passphrase does not open the key file at {path}$"):
        Secrets().get("openai")
    with pytest.raises(WrongPassphrase):
        Secrets().set("other", "value-1234")
    assert path.read_bytes() == before  # nothing lost, nothing overwritten
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(KeyringLocked, match=f"set {PASSPHRASE_ENV} for a headless run"):
        Secrets().get("openai")
    with pytest.raises(WrongPassphrase):
        unlock(path, "guess")
    unlock(path, "test-passphrase")  # what the CLI does after asking
    assert Secrets().get("openai") == "sk-file-000111222333"


def test_keys_in_the_old_plain_file_move_into_the_encrypted_one(headless: None, headcount_home: Path) -> None:
    plain = headcount_home / "secrets.cfg"
    Secrets(file_keyring(plain), headcount_home).set("openai", "sk-plain-000111222333")
    assert b"c2stcGxhaW4tMDAwMTExMjIyMzMz" in plain.read_bytes()  # base64 only: which is why it goes
    store = Secrets()
    assert store.get("openai") == "sk-plain-000111222333" and store.names() == ["openai"]
    assert not plain.exists() and b"sk-plain" not in (headcount_home / "secrets.enc").read_bytes()


def test_the_backend_alone(tmp_path: Path) -> None:
    backend = EncryptedFileKeyring(tmp_path / "k.enc", "pass-phrase")
    backend.set_password("svc", "a", "one")
    assert EncryptedFileKeyring(tmp_path / "k.enc", "pass-phrase").get_password("svc", "a") == "one"
    (tmp_path / "k.enc").write_text("not json")
    with pytest.raises(Exception, match="is damaged"):
        backend.get_password("svc", "a")


def test_the_command_line_without_a_terminal_says_how_to_unlock(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in (PASSPHRASE_ENV, "PYTHON_KEYRING_BACKEND")}
    env |= {"PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), "DBUS_SESSION_BUS_ADDRESS": "disabled:"}

    def key(*args: str, given: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "engine.cli", "key", *args], capture_output=True, text=True,
            env={**env, **extra}, timeout=120, input=given,
        )  # fmt: skip

    stored = key("set", "openai", given="sk-cli-000111222333\n", **{PASSPHRASE_ENV: "headless-pass"})
    locked = key("list")
    wrong = key("list", **{PASSPHRASE_ENV: "nope"})
    assert stored.returncode == 0, stored.stderr
    assert "encrypted key file" in stored.stdout and b"sk-cli" not in (home / "secrets.enc").read_bytes()
    assert "openai" in key("list", **{PASSPHRASE_ENV: "headless-pass"}).stdout
    assert locked.returncode == 1 and locked.stderr.startswith("headcount: the key file at ")
    assert PASSPHRASE_ENV in locked.stderr and "Traceback" not in locked.stderr
    assert wrong.returncode == 1 and "that passphrase does not open the key file" in wrong.stderr


async def test_a_model_call_whose_key_cannot_be_read_waits_and_never_crashes_the_run(
    headless: None, headcount_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`headcount run` with the wrong passphrase (or none, headless) ended in a sixty-line exception group."""
    from engine.llm.client import LiteLLMClient
    from engine.llm.types import ModelConfig, ModelRequest, ModelUnavailable, Price

    Secrets().set("openai", "sk-file-000111222333")
    monkeypatch.setenv(PASSPHRASE_ENV, "not-the-passphrase")
    config = ModelConfig(model="openai/gpt-4o-mini", api_key_name="openai", price=Price(0.15, 0.6))
    request = ModelRequest(config, [{"role": "user", "content": "Hello"}], [])
    with pytest.raises(ModelUnavailable) as waiting:
        await LiteLLMClient().complete(request)
    assert waiting.value.passes  # tried again by the office, and at the next start: no `resume` needed
    assert str(waiting.value) == "the API key 'openai' cannot be read: that passphrase does not open the key file " + (
        f"at {headcount_home / 'secrets.enc'}"
    )


async def test_doctor_tells_a_wrong_passphrase_and_a_locked_file_from_a_missing_key(
    headless: None, headcount_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It said "no key is stored" for a key it could not read, and advised storing it again."""
    from engine import doctor
    from engine.paths import Home

    Secrets().set("openai", "sk-file-000111222333")
    monkeypatch.setattr(doctor, "app_graphics", lambda: doctor.Check(name="graphics", status="ok", summary="stub"))
    home = Home.resolve(headcount_home)
    home.database.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(home.database) as db:  # the one setting the model line reads
        db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)")
        model = '{"model": "gpt-4o-mini", "api_key_name": "openai"}'
        db.execute("INSERT INTO settings VALUES ('model:all', ?)", (model,))

    def lines() -> dict[str, doctor.Check]:
        return {c.name: c for c in doctor.examine(home, now=datetime(2026, 12, 6, 3, 0, tzinfo=UTC))}

    opened = lines()
    assert opened["keyring"].status == "ok" and opened["model"].status == "ok", opened["model"].summary
    monkeypatch.setenv(PASSPHRASE_ENV, "not-the-passphrase")
    wrong = lines()
    assert wrong["keyring"].status == "problem" and "passphrase given" in wrong["keyring"].summary
    assert wrong["model"].status == "warn" and "'openai' was not checked" in wrong["model"].summary
    monkeypatch.delenv(PASSPHRASE_ENV)
    monkeypatch.setattr("engine.secretfile._unlocked", {})
    locked = lines()
    assert locked["keyring"].status == "ok" and "locked here" in locked["keyring"].summary
    assert PASSPHRASE_ENV in locked["keyring"].fix and locked["model"].status == "warn"


def test_keys_in_the_old_plain_file_are_locked_not_missing_until_a_passphrase_is_given(
    headless: None, headcount_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A headless run said "no API key named 'openai' is stored" and turned the task down; doctor advised
    storing the key again. The key waited in the old plain file for a passphrase to move."""
    from engine import doctor

    Secrets(file_keyring(headcount_home / "secrets.cfg"), headcount_home).set("openai", "sk-plain-000111222333")
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(KeyringLocked, match="kept there by an older Headcount"):
        Secrets().get("openai")
    line = doctor.keyring_check(headcount_home)
    assert line.status == "warn" and "secrets.cfg" in line.summary and PASSPHRASE_ENV in line.fix
    monkeypatch.setenv(PASSPHRASE_ENV, "test-passphrase")
    assert Secrets().get("openai") == "sk-plain-000111222333"  # moved in, as before
    assert not (headcount_home / "secrets.cfg").exists()
