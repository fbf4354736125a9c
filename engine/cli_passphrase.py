"""The command line asks for the key file's passphrase (only where there is no OS keyring)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

# Commands that read or store keys; the others never open the key file, so they never ask.
NEEDS_KEYS = frozenset({"key", "connect", "connections", "disconnect", "run", "model"})
TRIES = 3


def ask_passphrase(home: Path, command: str) -> None:
    """Ask once on the terminal when `command` needs keys, no OS keyring exists and none was given.

    The first time, the owner chooses the passphrase (typed twice). Without a terminal nothing is asked;
    the command then fails with how to give it (HEADCOUNT_KEYRING_PASSPHRASE).
    """
    if command not in NEEDS_KEYS or not sys.stdin.isatty():
        return
    # keyring and cryptography load only for the commands that use keys
    from engine.secretfile import FILE_NAME, PASSPHRASE_ENV, WrongPassphrase, choose, unlock
    from engine.secrets import passphrase_needed

    path = home / FILE_NAME

    need = passphrase_needed(home)
    if need is None:
        return
    if need == "choose":
        print(f"No OS keyring here: your keys go to an encrypted file, {path}.", file=sys.stderr)
        print("Choose a passphrase for it (you will need it for every command that uses keys;", file=sys.stderr)
        print(f"a headless run can give it in {PASSPHRASE_ENV}).", file=sys.stderr)
        first = getpass.getpass("New passphrase: ")
        choose(path, first, getpass.getpass("Again: "))
        return
    for attempt in range(TRIES):
        try:
            unlock(path, getpass.getpass(f"Passphrase for {path}: "))
            return
        except (WrongPassphrase, ValueError):
            if attempt == TRIES - 1:
                raise WrongPassphrase(f"that passphrase does not open the key file at {path}") from None
            print("That passphrase does not open it; try again.", file=sys.stderr)
