"""CLI commands for backups of the database and the office's files: `backup` (and `--list`) and `restore`. None opens
the office."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.clock import SystemClock
from engine.logs import setup_logging
from engine.paths import Home
from engine.runlock import AlreadyRunning, RunLock
from engine.store.backups import MANUAL, BackupError, list_backups, restore_command, take_backup
from engine.store.files_archive import FOLDERS
from engine.store.restore import RESTORED, Restored, RestoreError, RestoreInterrupted, restore_database

Command = Callable[[argparse.Namespace], int]
INTERRUPTED = 130  # Ctrl-C, as the shell reports it
FOLDER_NAMES = ", ".join(f"{name}/" for name in FOLDERS)


def add_commands(sub: Any) -> dict[str, Command]:
    p = sub.add_parser("backup", help="back up the database and the office's files now and print the backup's path")
    p.add_argument(
        "--list", action="store_true", help="the backups kept, newest first, with times and sizes (database, files)"
    )
    p.add_argument("--json", action="store_true", help="with --list: as JSON")
    p = sub.add_parser(
        "restore", help="replace the database and the office's files with a backup (the current ones are kept first)"
    )
    p.add_argument("file", help="a backup file, or its name in the backups folder (see `headcount backup --list`)")
    return {"backup": _backup, "restore": _restore}


def _backup(args: argparse.Namespace) -> int:
    home = Home.resolve()
    if args.list:
        return _list(home, as_json=args.json)
    setup_logging(home.logs)
    before: set[Path] | None = None
    try:
        before = _manual_backups(home)
        path = take_backup(home.database, home.backups, MANUAL, SystemClock().now())
    except BackupError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:  # a half copy is removed as the interrupt passes; the rotation runs after the rename
        taken = sorted(_manual_backups(home) - before) if before is not None else []
        if taken:
            return _fail(f"interrupted, but only once the backup was taken: {taken[-1]}", INTERRUPTED)
        return _fail("backup interrupted: no backup was taken, nothing changed", INTERRUPTED)
    print(path)
    return 0


def _manual_backups(home: Home) -> set[Path]:
    try:
        return {b.path for b in list_backups(home.backups, (MANUAL,))}
    except BackupError:
        return set()  # taking one says what is wrong


def _list(home: Home, *, as_json: bool) -> int:
    try:
        backups = list_backups(home.backups)
    except BackupError as exc:
        return _fail(str(exc))
    if as_json:
        rows = [
            {
                "path": str(b.path),
                "kind": b.kind,
                "taken_at": b.taken_at.isoformat(),
                "size_bytes": b.size,
                "files_path": None if b.files_size is None else str(b.files),
                "files_size_bytes": b.files_size,  # null: the database only, taken before backups kept the files
            }
            for b in backups
        ]
        print(json.dumps(rows, indent=2))
        return 0
    if not backups:
        print(f"No backups yet in {home.backups}. Take one with: headcount backup")
    elif backups:
        print(f"{'taken':<22} {'kind':<17} {'database':>9} {'files':>9}  path")
    for b in backups:
        when = b.taken_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
        files = "none" if b.files_size is None else _size(b.files_size)  # the database only: an older backup
        print(f"{when:<22} {b.kind:<17} {_size(b.size):>9} {files:>9}  {b.path}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    home = Home.resolve()
    setup_logging(home.logs)
    source = Path(args.file).expanduser()
    if not source.exists() and (home.backups / source.name).exists():
        source = home.backups / source.name
    lock = RunLock(home.root / "run.lock")
    try:
        lock.acquire()  # held throughout, so no office starts on a half-restored database
    except AlreadyRunning:
        return _fail(
            "cannot restore while this office is at work (the window or `headcount run`); "
            "stop it first, then restore again. Nothing was changed."
        )
    now = SystemClock().now()
    try:
        restored = restore_database(
            source, home.database, home.backups, now, record=lambda done: _record(home.database, done, now)
        )
    except RestoreError as exc:
        return _fail(str(exc))
    except RestoreInterrupted as exc:
        kept = f" (the copy of it taken meanwhile is kept in {exc.kept})" if exc.kept else ""
        return _fail(f"{exc}{kept}", INTERRUPTED)
    except KeyboardInterrupt:  # before the restore began
        return _fail("restore interrupted: the database was not changed", INTERRUPTED)
    finally:
        lock.release()
    if restored.previous == "unchanged":
        print(f"{home.database} already holds what {restored.source} holds; nothing was changed.")
        _say_database_only(restored)
        return INTERRUPTED if restored.interrupted else 0
    print(f"Restored {home.database} from {restored.source}.")
    if restored.files == "restored":
        print(f"The office's files ({FOLDER_NAMES}) were put back as the backup holds them.")
    _say_database_only(restored)
    if restored.previous == "kept" and restored.kept is not None:
        undo = restore_command(home.root, restored.kept)
        what = "database and files as they were are" if restored.files_kept else "database as it was is"
        print(f"The {what} kept in {restored.kept}; to undo: {undo}")
    elif restored.previous == "damaged":
        print(f"The damaged database was copied as it was to {restored.kept}.")
    elif restored.previous == "foreign":
        print(f"The file there was not a Headcount database; it was copied as it was to {restored.kept}.")
    elif restored.previous == "empty":
        print("The database there was empty, so no copy of it was kept.")
    if restored.files_kept is not None and restored.previous != "kept":
        print(f"The office's files as they were are kept in {restored.files_kept}.")
    if restored.unrecorded:
        print(f"headcount: the restore is not in the audit log: {restored.unrecorded}", file=sys.stderr)
    if restored.interrupted:
        return _fail("interrupted, but only once the restore was done (above)", INTERRUPTED)
    return 0


def _say_database_only(restored: Restored) -> None:
    if restored.files == "database-only":
        print(
            f"{restored.source.name} holds the database only (taken before backups kept the office's files): "
            f"the files ({FOLDER_NAMES}) were left as they are."
        )


def _record(database: Path, restored: Restored, now: datetime) -> None:
    """Tell the story in the restored database's own audit log (`headcount audit show`), chained to its rows."""
    import asyncio

    from engine.audit import AuditLog
    from engine.store.db import make_engine
    from engine.store.writer import Writer

    kept = restored.kept.name if restored.kept else None
    data = {"source": restored.source.name, "kept": kept, "previous": restored.previous, "files": restored.files}

    async def append() -> None:
        engine = make_engine(database)
        writer = Writer(engine)
        writer.start()
        try:
            await AuditLog(writer).append(RESTORED, data, employee_id=None, ts=now.isoformat())
        finally:
            await writer.close()
            engine.dispose()

    asyncio.run(append())


def _fail(message: str, code: int = 1) -> int:
    print(f"headcount: {message}", file=sys.stderr)
    return code


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
