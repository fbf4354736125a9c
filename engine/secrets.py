"""API keys live in the OS keyring, never in the database or the logs.

On a desktop we use the real OS store (Secret Service, KWallet, macOS Keychain, Windows Credential Locker).
Headless Linux has none, and keyring's own default there either fails or silently picks a plain file in
some other folder; we use an encrypted file inside the Headcount home instead, unlocked by a passphrase the
owner sets once (`engine.secretfile`). Nothing here ever prompts on a terminal: the CLI and the window ask.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Literal

import keyring
import keyring.backend
from keyring.errors import KeyringError, PasswordDeleteError

from engine.paths import Home
from engine.redaction import MASK, RedactingFilter, redact, remember

__all__ = ["MASK", "SERVICE", "KeyNotKept", "MemoryKeyring", "RedactingFilter", "Secrets", "redact", "remember"]

Need = Literal["choose", "enter"]  # what the owner is asked for the key file: set its passphrase, or type it
SERVICE = "Headcount"
_INDEX = "__names__"  # keyring cannot list entries, so we keep our own index of names
_OS_BACKENDS = (
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
)
_PLATFORM = {"keyring.backends.macOS": "darwin", "keyring.backends.Windows": "win32"}
# keyring's own stand-ins that keep nothing: `null` (often set to stop pip asking a keyring) and `fail`.
_KEEP_NOTHING = ("keyring.backends.null", "keyring.backends.fail")


class KeyNotKept(KeyringError):
    """The keyring took a key and kept nothing (read back, it is not there)."""


def keeps_nothing(backend: keyring.backend.KeyringBackend) -> bool:
    """Whether `backend` is one of keyring's stand-ins that store nothing."""
    return type(backend).__module__.startswith(_KEEP_NOTHING)


def chosen_backend_problem(*, loading_only: bool = False) -> str | None:
    """Why the keyring PYTHON_KEYRING_BACKEND chooses cannot keep keys (or, `loading_only`, cannot be
    loaded), or None when it can, or when none is chosen."""
    chosen = os.environ.get("PYTHON_KEYRING_BACKEND")
    if not chosen:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # keyring raises whatever importing the module raises
        return f"PYTHON_KEYRING_BACKEND={chosen} cannot be loaded ({type(exc).__name__}: {exc})"
    if not loading_only and keeps_nothing(backend):
        return f"PYTHON_KEYRING_BACKEND={chosen} chooses a keyring that keeps nothing: keys set there are lost"
    return None


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory backend for tests: `keyring.set_keyring(MemoryKeyring())`."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def os_keyring() -> keyring.backend.KeyringBackend | None:
    """The best real OS keyring that says it works here, or None.

    Only the whitelisted OS stores are imported and asked, not keyring's every plugin: loading and
    rating those (keyrings.alt's file backends import a cipher library to do it) cost 0.1-0.2 s of
    every `run`'s start, for backends that never count here.
    """
    for name in _OS_BACKENDS:
        platform = _PLATFORM.get(name)  # macOS and Windows stores rate themselves unusable elsewhere
        if platform is None or sys.platform.startswith(platform):
            with contextlib.suppress(Exception):  # a store whose module cannot load here does not count
                importlib.import_module(name)
    # Every KeyringBackend subclass in the process registers itself (file backends, test doubles):
    # only a whitelisted OS store counts, and only when it rates itself usable.
    classes = [cls for cls in keyring.backend.KeyringBackend._classes if cls.__module__.startswith(_OS_BACKENDS)]
    candidates = []
    for cls in classes:
        if not cls.viable:
            continue
        with contextlib.suppress(TypeError):  # one that needs arguments cannot be the default (as keyring does)
            backend = cls()
            if backend.priority >= 1:
                candidates.append(backend)
    return max(candidates, key=lambda b: b.priority) if candidates else None


def file_keyring(path: Path) -> keyring.backend.KeyringBackend:
    """A plain file keyring at `path`, created with owner-only permissions."""
    from keyrings.alt.file import PlaintextKeyring

    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)
    backend = PlaintextKeyring()
    backend.file_path = str(path)
    result: keyring.backend.KeyringBackend = backend
    return result


def select_backend(home: Path | None = None) -> keyring.backend.KeyringBackend:
    """The backend `Secrets` uses when none is given.

    An explicit choice wins (`PYTHON_KEYRING_BACKEND`, or a `MemoryKeyring` a test installed), then a real
    OS keyring, then the file in the Headcount home.
    """
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        if problem := chosen_backend_problem(loading_only=True):
            raise KeyringError(f"{problem}: unset it, or name a keyring that is installed")
        return keyring.get_keyring()
    if isinstance(installed := _installed(), MemoryKeyring):
        return installed
    return os_keyring() or encrypted_keyring(home or Home.resolve().root)


def encrypted_keyring(home: Path) -> keyring.backend.KeyringBackend:
    """The encrypted key file in `home`; keys left in the old plain file move into it once it is unlocked."""
    from engine.secretfile import FILE_NAME, PLAIN_NAME, EncryptedFileKeyring, import_plain, passphrase_for

    path = home / FILE_NAME
    backend = EncryptedFileKeyring(path)
    plain = home / PLAIN_NAME
    if plain.is_file() and not path.exists() and passphrase_for(path):
        old = file_keyring(plain)
        names = Secrets(old, home).names()
        moved = import_plain(old, backend, SERVICE, [*names, _INDEX]) - 1  # the index is not a key
        plain.unlink()
        logging.getLogger(__name__).info("moved %d keys from the plain file %s into %s", moved, plain, path)
    return backend


def _installed() -> keyring.backend.KeyringBackend | None:
    """The backend installed with `keyring.set_keyring`, if any, read without keyring's own detection
    (which loads and rates every plugin, when all we ask is whether a test installed its double)."""
    import keyring.core

    backend: keyring.backend.KeyringBackend | None = keyring.core._keyring_backend
    return backend


def passphrase_needed(home: Path) -> Need | None:
    """Whether this process must be given the passphrase before it reads keys: "choose" (no key file
    yet: the owner sets one, typed twice), "enter" (the file exists), or None (an OS keyring holds the
    keys, a backend was chosen explicitly, or the passphrase was already given)."""
    from engine.secretfile import FILE_NAME, passphrase_for

    path = home / FILE_NAME
    if passphrase_for(path) or os.environ.get("PYTHON_KEYRING_BACKEND"):
        return None
    if isinstance(_installed(), MemoryKeyring) or os_keyring() is not None:
        return None
    return "enter" if path.exists() else "choose"


class Secrets:
    """Named secrets (API keys) under the service "Headcount"."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None, home: Path | None = None) -> None:
        self._backend = backend or select_backend(home)

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        return self._backend

    def backend_description(self) -> str:
        """One line for the settings screen: where keys are kept and how safe that is."""
        backend = self._backend
        path = getattr(backend, "file_path", None)
        if path and type(backend).__name__ == "EncryptedFileKeyring":
            return f"encrypted key file at {path} (no OS keyring found; opened with your passphrase)"
        if path and type(backend).__module__.startswith("keyrings.alt"):
            return f"file keyring at {path} (not encrypted: no OS keyring found; readable only by you)"
        if isinstance(backend, MemoryKeyring):
            return "in-memory keyring (tests only: nothing is saved)"
        return f"OS keyring ({type(backend).__name__})"

    def get(self, name: str) -> str | None:
        value = self._backend.get_password(SERVICE, check_name(name))
        if value:
            remember(value)
        return value

    def set(self, name: str, value: str) -> None:
        if not value:
            raise ValueError("a secret cannot be empty")
        self._backend.set_password(SERVICE, check_name(name), value)
        remember(value)
        if self._backend.get_password(SERVICE, name) != value:  # keyring's `null` takes it and says nothing
            raise KeyNotKept(self._not_kept(name))
        names = self.names()
        if name not in names:
            self._write_index([*names, name])
        self._tighten()

    def delete(self, name: str) -> None:
        """Forget `name`; deleting a name that is not there is not an error."""
        with contextlib.suppress(PasswordDeleteError):
            self._backend.delete_password(SERVICE, check_name(name))
        self._write_index([n for n in self.names() if n != name])

    def names(self) -> list[str]:
        raw = self._backend.get_password(SERVICE, _INDEX)
        if not raw:
            return []
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return []
        return [str(n) for n in value] if isinstance(value, list) else []

    def remember_all(self) -> None:
        """Load every stored value into the redaction set (call once at start-up)."""
        for name in self.names():
            self.get(name)

    def _not_kept(self, name: str) -> str:
        message = f"the keyring ({type(self._backend).__module__}) did not keep the key {name!r}: nothing was stored"
        if os.environ.get("PYTHON_KEYRING_BACKEND"):
            message += (
                "; PYTHON_KEYRING_BACKEND chooses that keyring: unset it, and Headcount keeps keys in the OS "
                "keyring, or in its own encrypted key file where there is none"
            )
        return message

    def _write_index(self, names: list[str]) -> None:
        self._backend.set_password(SERVICE, _INDEX, json.dumps(sorted(set(names))))

    def _tighten(self) -> None:
        path = getattr(self._backend, "file_path", None)
        if path and Path(path).exists():
            Path(path).chmod(0o600)


def check_name(name: str) -> str:
    """`name` when the keyring can keep a secret under it; ValueError otherwise."""
    if not name or name == _INDEX or name.strip() != name:
        raise ValueError(f"{name!r} is not a usable secret name")
    return name
