"""Open the database: WAL, pragmas, migrations at start-up with a backup taken first."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from engine.clock import Clock, SystemClock
from engine.store.backups import BEFORE_MIGRATION, BackupError, damaged_advice, take_backup
from engine.store.errors import StoreError, describe_sqlite_error
from engine.store.reading import MIGRATIONS, head_revision, newer_schema

__all__ = [
    "MIGRATIONS",
    "StoreError",
    "alembic_config",
    "describe_sqlite_error",
    "head_revision",
    "make_engine",
    "open_database",
    "stored_revision",
]

log = logging.getLogger(__name__)


def _pragmas(dbapi_connection: Any, _record: Any, busy_ms: int = 5000) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL survives a killed process (the OS has the pages); audit rows switch to FULL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(path: Path, *, busy_ms: int = 5000) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", lambda conn, record: _pragmas(conn, record, busy_ms))
    return engine


def stored_revision(conn: Connection) -> str | None:
    """The schema version the database holds (None: a new database); reading it also proves the file is one."""
    tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    if "alembic_version" not in tables:
        return None
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def alembic_config() -> Any:
    """Alembic's configuration for our migrations (imports Alembic: only when migrating)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _migrate(engine: Engine) -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def open_database(
    path: Path,
    backups: Path,
    *,
    busy_ms: int = 5000,
    clock: Clock | None = None,
    notice: Callable[[str], None] | None = None,
) -> Engine:
    """Open (or create) the database and bring its schema to the latest revision.

    A database that already holds data is backed up before any migration touches it; when that
    backup cannot be written, nothing is migrated. `notice` is told, in the owner's words, when an
    upgrade starts and ends (a large office takes a while: a command must not seem to hang).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.stat().st_size == 0:
        # SQLite would take it as a new, empty office and the owner's history would seem gone.
        raise StoreError(
            f"the database {path} is empty (0 bytes): it was cut short, by a full disk or a copy that "
            f"stopped; {damaged_advice(path)}"
        )
    engine = make_engine(path, busy_ms=busy_ms)
    try:
        with engine.connect() as conn:
            current = stored_revision(conn)
        head = head_revision()
        if current != head and (newer := newer_schema(path, current)):
            raise StoreError(newer)  # before any backup: a copy per try pushed out the one to go back with
        if current != head:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA quick_check").fetchone()  # never migrate a damaged file
            saved: Path | None = None
            if current is not None or _has_tables(engine):
                if notice is not None:
                    mb = path.stat().st_size / 1e6
                    size = f"{mb:,.0f} MB" if mb >= 1 else "under 1 MB"
                    notice(
                        f"Upgrading the office's database ({size}) for this version of Headcount: a copy is "
                        f"kept in {backups} first. A large office takes a minute or two; please wait."
                    )
                saved = _backup_before_migrating(path, backups, (clock or SystemClock()).now())
                log.info("backed up database to %s before migrating %s -> %s", saved, current, head)
            _migrate(engine)
            if saved is not None and notice is not None:
                notice(f"Upgraded; the copy from before is {saved}.")
    except (sqlite3.DatabaseError, DBAPIError) as exc:
        engine.dispose()
        raise StoreError(describe_sqlite_error(path, exc)) from None
    except StoreError:
        engine.dispose()
        raise
    return engine


def _backup_before_migrating(path: Path, backups: Path, now: datetime) -> Path:
    try:
        return take_backup(path, backups, BEFORE_MIGRATION, now)
    except BackupError as exc:
        raise StoreError(f"{exc}; the database was not upgraded, so nothing changed") from None


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()
    return bool(row and row[0])
