"""`headcount doctor`: what matters on this machine, each problem with the command or step that fixes it.

Headless and read-only: it never opens the office, never takes the run lock, never calls a model
(unless `--online`, and then only opens a connection to a local model server's or a connected app's
address). The graphics
check asks the app's own code when the app is installed alongside (`app.office.pipes`); the engine
never imports Qt or Panda3D itself.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from engine.clock import SystemClock
from engine.doctor_apps import connected_apps
from engine.doctor_briefs import briefs
from engine.doctor_check import Check, KeyLookup, Status, reach
from engine.doctor_domains import ignored_domains
from engine.paths import Home
from engine.runlock import lock_holder
from engine.store.backups import BackupError, damaged_advice, list_backups
from engine.store.health import employee_names, quick_check, schema_revision, settings_like
from engine.store.reading import newer_schema

if TYPE_CHECKING:
    from engine.secrets import Secrets

Command = Callable[[argparse.Namespace], int]

LOW_DISK = 500 * 1024**2  # bytes: below this, backups and the journal may soon fail
BACKUP_STALE = timedelta(days=2)  # the office takes one a day while it works


GraphicsProbe = Callable[[], Check]


def add_command(sub: Any) -> dict[str, Command]:
    """Register `doctor` (it needs no office): `WITHOUT_OFFICE.update(add_command(sub))`."""
    p = sub.add_parser(
        "doctor", help="check this machine: graphics, keyring, data, backups, briefs, model, connected apps, run lock"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--online", action="store_true", help="also try the addresses of a local model server and connected apps"
    )
    return {"doctor": _doctor}


def _doctor(args: argparse.Namespace) -> int:
    home = Home.resolve()
    checks = examine(home, now=SystemClock().now(), online=args.online)
    print(json.dumps(as_json(home, checks), indent=2) if args.json else render(home, checks))
    return 1 if any(c.status == "problem" for c in checks) else 0


def examine(
    home: Home,
    *,
    now: datetime,
    graphics: GraphicsProbe | None = None,
    keyring: Check | None = None,
    has_key: KeyLookup | None = None,
    online: bool = False,
) -> list[Check]:
    """Every check, in the order the report shows them. Tests pass the probes that would touch the machine."""
    lookup = has_key or _keyring_lookup(home.root)
    return [
        (graphics or app_graphics)(),
        keyring or keyring_check(home.root),
        data_folder(home.root),
        database(home.database),
        last_backup(home.backups, now, has_database=home.database.is_file()),
        *briefs(home.root, home.database),
        *models(home.database, lookup, online=online),
        *connected_apps(home.database, lookup, online=online),
        *ignored_domains(home.database),
        run_lock(home.root / "run.lock"),
    ]


# --- graphics ------------------------------------------------------------------------------------


def app_graphics() -> Check:
    """The app's answer to "which pipe would the office use here", when the app is installed."""
    try:
        probe = importlib.import_module("app.office.pipes").probe
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.split(".")[0] == "app":
            return Check(name="graphics", status="skip", summary="not checked: only the engine is installed here")
        return _no_graphics(f"{exc}")
    except ImportError as exc:  # Panda3D present but a library it needs is not
        return _no_graphics(f"{exc}")
    try:
        found: dict[str, Any] = probe()
    except Exception as exc:
        return _no_graphics(str(exc) or type(exc).__name__)
    return graphics_check(found)


def graphics_check(found: dict[str, Any]) -> Check:
    """Turn the app's probe (pipe module, interface, whether it is software) into a report line."""
    pipe, interface = found.get("pipe", "?"), found.get("interface", "?")
    if found.get("software"):
        return Check(
            name="graphics",
            status="ok",
            summary=f"{pipe} ({interface}, software rendering: no GPU in use; fine up to ~50 busy employees)",
            details=found,
        )
    return Check(name="graphics", status="ok", summary=f"{pipe} ({interface}, hardware)", details=found)


def no_graphics(reason: str) -> Check:
    """The graphics line when the 3D office cannot draw (the window shows its 2D floor plan)."""
    return _no_graphics(reason)


def _no_graphics(reason: str) -> Check:
    return Check(
        name="graphics",
        status="problem",
        summary=f"the 3D office cannot draw here ({reason}); the window shows a 2D floor plan",
        fix=(
            "install the system graphics libraries (Debian/Ubuntu: sudo apt-get install libgl1 libegl1 libx11-6), "
            "or use Panda3D's software renderer: HEADCOUNT_PANDA_PIPE=p3tinydisplay headcount"
        ),
        details={"reason": reason},
    )


# --- keyring -------------------------------------------------------------------------------------


def keyring_check(home: Path) -> Check:
    """Where API keys are kept: an OS keyring is encrypted, the file fallback is opened by a passphrase."""
    from engine.secretfile import FILE_NAME, PASSPHRASE_ENV, PLAIN_NAME, passphrase_for
    from engine.secrets import chosen_backend_problem, os_keyring

    chosen = os.environ.get("PYTHON_KEYRING_BACKEND")
    if chosen:
        if problem := chosen_backend_problem():
            return Check(
                name="keyring",
                status="problem",
                summary=problem,
                fix="run Headcount without it (env -u PYTHON_KEYRING_BACKEND headcount ...), "
                "then store your keys again: headcount key set NAME",
            )
        return Check(name="keyring", status="ok", summary=f"{chosen} (chosen by PYTHON_KEYRING_BACKEND)")
    backend = os_keyring()
    if backend is not None:
        return Check(name="keyring", status="ok", summary=f"OS keyring ({type(backend).__name__})")
    path = home / FILE_NAME
    where = f"no OS keyring found: keys go to the encrypted file {path}"

    def line(status: Status, said: str, fix: str) -> Check:
        return Check(name="keyring", status=status, summary=where + said, fix=fix, details={"file": str(path)})

    unreadable = _key_file_problem(path)
    if unreadable is not None:
        return line("problem", f", but {unreadable}", _KEY_FILE_FIX)
    if not path.is_file() and (home / PLAIN_NAME).is_file() and not passphrase_for(path):
        return line(
            "warn",
            f"; the keys an older Headcount kept in {home / PLAIN_NAME} move there once it has a passphrase, "
            "and cannot be used before",
            f"run `headcount key list` in a terminal to choose one (or set {PASSPHRASE_ENV} for a headless run)",
        )
    if path.is_file() and not passphrase_for(path):
        return line(
            "ok",
            ", locked here: the keys in it were not checked",
            f"to check them, give its passphrase: {PASSPHRASE_ENV}=... headcount doctor",
        )
    return line(
        "ok",
        ", opened with your passphrase",
        f"commands that use keys ask for the passphrase in a terminal; a headless run gives it in {PASSPHRASE_ENV}",
    )


_KEY_FILE_FIX = (
    "give the passphrase you chose for it; a forgotten one cannot be recovered: move the file away, "
    "then store your keys again (headcount key set NAME)"
)


def _key_file_problem(path: Path) -> str | None:
    """Why the key file at `path` cannot be opened with the passphrase given, or None (opened, absent, or locked)."""
    from keyring.errors import KeyringError

    from engine.secretfile import PASSPHRASE_ENV, EncryptedFileKeyring, KeyringLocked, WrongPassphrase

    if not path.is_file():
        return None
    try:
        EncryptedFileKeyring(path).entries()
    except KeyringLocked:
        return None  # no passphrase given: said as "locked", not as a problem
    except WrongPassphrase:
        return f"the passphrase given ({PASSPHRASE_ENV}) does not open it"
    except KeyringError:
        return "it is damaged (not a Headcount key file)"
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    return None


def _keyring_lookup(home: Path) -> KeyLookup:
    """Whether a key is stored; None when the keys cannot be read here (the keyring line says why)."""
    opened: list[Secrets] = []

    def has_key(name: str) -> bool | None:
        from keyring.errors import KeyringError

        from engine.secretfile import FILE_NAME, PLAIN_NAME
        from engine.secrets import Secrets, encrypted_keyring, os_keyring

        backend = None
        if not opened and not os.environ.get("PYTHON_KEYRING_BACKEND"):
            backend = os_keyring()
            if backend is None:
                if not (home / FILE_NAME).is_file() and not (home / PLAIN_NAME).is_file():
                    return False  # asking must not create the file
                backend = encrypted_keyring(home)
        try:
            if not opened:  # one backend for every key: the file's key is derived once
                opened.append(Secrets(backend, home))  # None: the keyring PYTHON_KEYRING_BACKEND names
            return bool(opened[0].get(name))
        except KeyringError:  # locked, a wrong passphrase, a keyring that does not load: not seen from here
            return None

    return has_key


# --- data folder, database, backups --------------------------------------------------------------


def data_folder(root: Path) -> Check:
    details: dict[str, Any] = {"path": str(root)}
    if not os.access(root, os.W_OK):
        return Check(
            name="data folder",
            status="problem",
            summary=f"{root} is not writable",
            fix=f"give yourself write access (ls -ld {root}), or choose another folder: headcount --home DIR",
            details=details,
        )
    free = shutil.disk_usage(root).free
    details["free_bytes"] = free
    if free < LOW_DISK:
        return Check(
            name="data folder",
            status="warn",
            summary=f"{root}: only {_size(free)} free on its disk",
            fix="free some disk space; the journal and the daily backups need room to grow",
            details=details,
        )
    return Check(name="data folder", status="ok", summary=f"{root} ({_size(free)} free)", details=details)


_ACCESS_FIX = (
    "give yourself read and write access to the data folder and the files in it (ls -l; chmod u+rw, or chown to "
    "you), then check again; the database itself may well be fine"
)


def _no_access(path: Path) -> str:
    """What keeps the office from writing `path` (its WAL files sit beside it), or "" when nothing does."""
    for where in (path, path.parent):
        if not os.access(where, os.R_OK | os.W_OK):
            return (
                f"is not writable for you ({'its folder' if where != path else 'the file'} is read-only or not yours)"
            )
    return ""


def database(path: Path) -> Check:
    if not path.is_file():
        return Check(name="database", status="ok", summary="none yet: it is created when the office first opens")
    size = path.stat().st_size
    details: dict[str, Any] = {"path": str(path), "size_bytes": size}
    if size == 0:
        return Check(name="database", status="problem", summary=f"{path} is empty (0 bytes)", fix=damaged_advice(path))
    access = _no_access(path)
    if access:  # not damaged: restoring a backup over it would lose what it holds
        return Check(name="database", status="problem", summary=f"{path} {access}", fix=_ACCESS_FIX, details=details)
    try:
        problems = quick_check(path)
        revision = schema_revision(path)
    except sqlite3.OperationalError as exc:  # could not be opened or locked: a question of access, not damage
        details["error"] = str(exc)
        summary = f"{path} could not be read: {exc}"
        return Check(name="database", status="problem", summary=summary, fix=_ACCESS_FIX, details=details)
    except sqlite3.DatabaseError as exc:
        problems, revision = [str(exc)], None
    details["revision"] = revision
    if not problems and (newer := newer_schema(path, revision)):
        return Check(
            name="database",
            status="problem",
            summary=newer.removesuffix("; nothing was changed"),
            fix="install the version of Headcount that wrote it (or newer); or restore a backup this version took "
            "(headcount backup --list)",
            details=details,
        )
    if problems:
        details["problems"] = problems
        return Check(
            name="database",
            status="problem",
            summary=f"{path} is damaged: {problems[0]}",
            fix=damaged_advice(path),
            details=details,
        )
    return Check(
        name="database",
        status="ok",
        summary=f"intact ({_size(size)}, schema {revision or 'not yet created'})",
        details=details,
    )


def last_backup(folder: Path, now: datetime, *, has_database: bool) -> Check:
    try:
        backups = list_backups(folder)
    except BackupError as exc:  # a file where the folder should be, or a folder the owner cannot read
        import shlex  # here, not above: only this check quotes a path

        where = shlex.quote(str(folder))
        fix = f"move it aside: mv {where} {where}.old" if folder.is_file() else f"let yourself in: chmod u+rwx {where}"
        return Check(name="backup", status="problem", summary=str(exc), fix=f"{fix}; then take one: headcount backup")
    ahead = [b for b in backups if b.taken_at > now]
    if ahead:  # named by a clock that ran ahead: they sort as the newest, the one a damaged database's advice names
        many = f"{len(ahead)} backups are" if len(ahead) > 1 else "a backup is"
        return Check(
            name="backup",
            status="warn",
            summary=f"{many} dated ahead of this machine's clock, by up to {_age(ahead[0].taken_at - now)} "
            f"({ahead[0].path.name})",
            fix=f"if the clock is right ({now:%Y-%m-%d %H:%M} UTC), a clock that ran ahead named them "
            f"(HEADCOUNT_CLOCK_OFFSET, a wrong clock): take a backup now (headcount backup), then move the ones "
            f"dated ahead out of {folder}",
            details={"ahead": [str(b.path) for b in ahead]},
        )
    newest = backups[0] if backups else None
    if newest is None:
        status: Status = "warn" if has_database else "ok"
        return Check(
            name="backup",
            status=status,
            summary=f"none yet in {folder}",
            fix="take one now: headcount backup (the office takes one a day while it works)" if has_database else "",
        )
    age = now - newest.taken_at
    details = {
        "path": str(newest.path),
        "taken_at": newest.taken_at.isoformat(),
        "size_bytes": newest.size,
        "files_size_bytes": newest.files_size,
    }
    files = "the database only" if newest.files_size is None else f"files {_size(newest.files_size)}"
    summary = f"{newest.kind}, {_age(age)} ago ({newest.path.name}, {_size(newest.size)}, {files})"
    if age > BACKUP_STALE:
        return Check(
            name="backup",
            status="warn",
            summary=summary,
            fix="take one now: headcount backup (one a day is taken only while the window or `headcount run` works)",
            details=details,
        )
    if newest.files_size is None:  # taken by a version that backed up the database only
        return Check(
            name="backup",
            status="warn",
            summary=summary,
            fix="take one now: headcount backup (it keeps the office's files too: workspaces, teams, your briefs)",
            details=details,
        )
    return Check(name="backup", status="ok", summary=summary, details=details)


# --- models --------------------------------------------------------------------------------------


def models(db: Path, has_key: KeyLookup, *, online: bool = False) -> list[Check]:
    """One line per connected model (office-wide or one employee's): its key, and a local server's reach."""
    stored: dict[str, str] = {}
    if db.is_file() and db.stat().st_size:
        try:
            stored = settings_like(db, "model:")
        except sqlite3.DatabaseError:
            stored = {}  # the database line already says it is damaged
    if not stored:
        return [Check(name="model", status="ok", summary="rehearsal (built-in, offline, $0): no model connected")]
    try:
        names = employee_names(db)
    except sqlite3.DatabaseError:
        names = {}
    return [_model_check(key, value, has_key, online, names) for key, value in sorted(stored.items())]


# Where litellm calls a local server's models when no address is given (its own defaults).
LOCAL_DEFAULTS = {
    "ollama/": "http://localhost:11434",
    "ollama_chat/": "http://localhost:11434",
    "lm_studio/": "http://localhost:1234",
    "llamafile/": "http://localhost:8080",
}


def _model_check(key: str, value: str, has_key: KeyLookup, online: bool, names: dict[str, str]) -> Check:
    from engine.llm.pricing import LOCAL_HOSTS
    from engine.model_choice import load

    employee = key.removeprefix("model:")
    scope = "office" if key == "model:all" else names.get(employee, f"employee {employee}")
    try:
        config = load(value)
    except (ValueError, TypeError) as exc:
        return Check(
            name="model",
            status="problem",
            summary=f"{scope}: the stored model cannot be read ({exc})",
            fix="connect it again: headcount model connect MODEL (or headcount model disconnect)",
        )
    details: dict[str, Any] = {"scope": scope, "model": config.model, "api_base": config.api_base}
    where = f" at {config.api_base}" if config.api_base else ""
    if config.api_key_name:
        present = has_key(config.api_key_name)
        details["key_name"], details["key_present"] = config.api_key_name, present
        if present is None:
            return Check(
                name="model",
                status="warn",
                summary=f"{scope}: {config.model}{where}; its key {config.api_key_name!r} was not checked: "
                "the keys cannot be read here (see keyring)",
                fix="see the keyring line",
                details=details,
            )
        if not present:
            return Check(
                name="model",
                status="problem",
                summary=f"{scope}: {config.model}{where}, but no key is stored as {config.api_key_name!r}",
                fix=f"store it (typed, never echoed): headcount key set {config.api_key_name}",
                details=details,
            )
    address = config.api_base or next((a for p, a in LOCAL_DEFAULTS.items() if config.model.startswith(p)), None)
    host = (urlsplit(address if address and "//" in address else f"http://{address}").hostname or "") if address else ""
    here = host.lower() in LOCAL_HOSTS or host.lower().endswith(".localhost")  # this machine: free to try
    if address and (online or here):
        reached = reach(address)
        where = f" at {address}"
        details["reached"] = reached is None
        if reached is not None:
            return Check(
                name="model",
                status="problem",
                summary=f"{scope}: {config.model}{where}: {reached}",
                fix="start the server (e.g. `ollama serve`), or point Headcount at it: "
                "headcount model connect MODEL --api-base URL",
                details=details,
            )
    key_note = f", key {config.api_key_name!r} stored" if config.api_key_name else ""
    contacted = "reached" if address and (online or here) else "not contacted (a real call may cost money)"
    if address and not (online or here):
        contacted = "not contacted (add --online to try its address)"
    summary = f"{scope}: {config.model}{where}{key_note}; {contacted}"
    return Check(name="model", status="ok", summary=summary, details=details)


# --- run lock ------------------------------------------------------------------------------------


def run_lock(path: Path) -> Check:
    holder = lock_holder(path)
    if holder is None:
        return Check(name="run lock", status="ok", summary="free: nothing is working this office right now")
    return Check(
        name="run lock",
        status="ok",
        summary=f"held by {holder}: the window (maybe in the tray) or `headcount run` is working this office",
        details={"holder": holder},
    )


# --- output --------------------------------------------------------------------------------------


def render(home: Home, checks: Sequence[Check]) -> str:
    """The report for a terminal: one line per check, its fix below it."""
    lines = [f"Headcount doctor: {home.root}", ""]
    width = max(len(c.name) for c in checks)
    for check in checks:
        lines.append(f"  {check.status:<8} {check.name:<{width}}  {check.summary}")
        if check.fix:
            lines.append(f"  {'':<8} {'':<{width}}  fix: {check.fix}")
    problems = sum(c.status == "problem" for c in checks)
    lines += ["", "No problems found." if not problems else f"{problems} problem(s) found; each says how to fix it."]
    return "\n".join(lines)


def as_json(home: Home, checks: Sequence[Check]) -> dict[str, Any]:
    return {
        "home": str(home.root),
        "ok": not any(c.status == "problem" for c in checks),
        "frozen": bool(getattr(sys, "frozen", False)),
        "checks": [asdict(c) for c in checks],
    }


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def _age(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    if hours < 1:
        return f"{max(0, int(age.total_seconds() // 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} days"
