"""The encrypted key file: where secrets go when there is no OS keyring (headless Linux).

One file in the Headcount home holds every entry, encrypted with Fernet (AES-128-CBC with an HMAC)
under a key derived from the owner's passphrase by scrypt. The passphrase is set once and never
stored: the command line asks for it (`getpass`), the window asks in a dialog, and a headless run
gives it in the environment variable HEADCOUNT_KEYRING_PASSPHRASE. Nothing here prompts: a process
that has none gets `KeyringLocked`, whose message says how to give it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
from pathlib import Path

import keyring.backend
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from keyring.errors import KeyringError, PasswordDeleteError

PASSPHRASE_ENV = "HEADCOUNT_KEYRING_PASSPHRASE"
FILE_NAME = "secrets.enc"
PLAIN_NAME = "secrets.cfg"  # where keys were kept, unencrypted, before the encrypted file
_N, _R, _P = 2**15, 8, 1  # scrypt: ~32 MB and a tenth of a second, once per process
_unlocked: dict[str, str] = {}  # passphrases given to this process, by key file
_lock = threading.Lock()


class KeyringLocked(KeyringError):
    """No passphrase was given for the key file; the message says how to give one."""


class WrongPassphrase(KeyringError):
    """The passphrase given does not open the key file."""


def unlock(path: Path, passphrase: str) -> None:
    """Give this process the passphrase of the key file at `path` (asked by the CLI or the window).

    Raises WrongPassphrase when the file exists and the passphrase does not open it.
    """
    if not passphrase:
        raise ValueError("the passphrase cannot be empty")
    if path.exists():
        EncryptedFileKeyring(path, passphrase).entries()  # raises WrongPassphrase
    _unlocked[str(path)] = passphrase


def choose(path: Path, passphrase: str, again: str) -> None:
    """Set the passphrase of a new key file (typed twice). Raises WrongPassphrase when the two differ."""
    if not passphrase or passphrase != again:
        raise WrongPassphrase("the two passphrases were empty or not the same; nothing was saved")
    unlock(path, passphrase)


def passphrase_for(path: Path) -> str | None:
    """The passphrase this process was given for `path`, or the environment's, or None."""
    return _unlocked.get(str(path)) or os.environ.get(PASSPHRASE_ENV) or None


class EncryptedFileKeyring(keyring.backend.KeyringBackend):
    """A keyring backend over the encrypted file; its passphrase comes with it or from `passphrase_for`."""

    priority = 0  # never chosen by keyring itself: engine.secrets picks it

    def __init__(self, path: Path, passphrase: str | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.file_path = str(path)
        self._path = path
        self._passphrase = passphrase
        self._keys: dict[tuple[str, bytes], bytes] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries().get(_entry(service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with _lock:
            entries = self.entries()
            entries[_entry(service, username)] = password
            self._write(entries)

    def delete_password(self, service: str, username: str) -> None:
        with _lock:
            entries = self.entries()
            if entries.pop(_entry(service, username), None) is None:
                raise PasswordDeleteError(username)
            self._write(entries)

    def entries(self) -> dict[str, str]:
        """Every entry, decrypted. Raises KeyringLocked or WrongPassphrase."""
        if not self._path.exists():
            if self._path.with_name(PLAIN_NAME).is_file() and not (self._passphrase or passphrase_for(self._path)):
                # Keys an older Headcount kept in the plain file: they move in once a passphrase is given.
                raise KeyringLocked(
                    f"the keys in {self._path.with_name(PLAIN_NAME)} (kept there by an older Headcount) move into "
                    f"the encrypted key file {self._path} once it has a passphrase: run the command in a terminal "
                    f"to choose one, or set {PASSPHRASE_ENV} for a headless run"
                )
            return {}
        try:
            stored = json.loads(self._path.read_text())
            salt = base64.b64decode(stored["salt"])
            token = stored["token"].encode()
        except (ValueError, KeyError, TypeError):
            raise KeyringError(f"the key file at {self._path} is damaged (not a Headcount key file)") from None
        try:
            plain = Fernet(self._key(salt)).decrypt(token)
        except InvalidToken:
            raise WrongPassphrase(f"that passphrase does not open the key file at {self._path}") from None
        value = json.loads(plain)
        return {str(k): str(v) for k, v in value.items()}

    def _key(self, salt: bytes) -> bytes:
        passphrase = self._passphrase or passphrase_for(self._path)
        if not passphrase:
            raise KeyringLocked(
                f"the key file at {self._path} is locked: run the command in a terminal to be asked for its "
                f"passphrase, or set {PASSPHRASE_ENV} for a headless run"
            )
        cache = (passphrase, salt)
        if cache not in self._keys:
            kdf = Scrypt(salt=salt, length=32, n=_N, r=_R, p=_P)
            self._keys[cache] = base64.urlsafe_b64encode(kdf.derive(passphrase.encode()))
        return self._keys[cache]

    def _write(self, entries: dict[str, str]) -> None:
        salt = os.urandom(16)
        if self._path.exists():  # keep the salt: the key derived once stays good
            with contextlib.suppress(ValueError, KeyError):
                salt = base64.b64decode(json.loads(self._path.read_text())["salt"])
        token = Fernet(self._key(salt)).encrypt(json.dumps(entries, sort_keys=True).encode())
        body = {"format": "headcount-keys/1", "kdf": "scrypt", "n": _N, "r": _R, "p": _P}
        body |= {"salt": base64.b64encode(salt).decode(), "token": token.decode()}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_name(self._path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps(body))
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(self._path)


def _entry(service: str, username: str) -> str:
    return f"{service}\x00{username}"


def import_plain(
    plain: keyring.backend.KeyringBackend, encrypted: EncryptedFileKeyring, service: str, names: list[str]
) -> int:
    """Copy `names` of `service` from the old plain file into the encrypted one; how many were copied."""
    copied = 0
    for name in names:
        value = plain.get_password(service, name)
        if value:
            encrypted.set_password(service, name, value)
            copied += 1
    return copied
