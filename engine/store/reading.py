"""Opening an existing database only to read it: one schema-version read, no migration, no writer."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from engine.store.db import StoreError, describe_sqlite_error, head_revision, make_engine, stored_revision
from engine.store.journal import Journal
from engine.store.writer import Writer


def open_for_reading(path: Path, *, busy_ms: int = 5000) -> tuple[Journal, Callable[[], None]] | None:
    """A journal over the database at `path` and the call that closes it, for reads only.

    None when there is no database yet or its schema is not the latest: the full office opens it then
    (and creates or migrates it). Raises StoreError when the file cannot be read as a database. The
    journal's writer is never started: a write through it is a bug.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return None
    engine = make_engine(path, busy_ms=busy_ms)
    try:
        with engine.connect() as conn:
            current = stored_revision(conn)
    except (sqlite3.DatabaseError, DBAPIError) as exc:
        engine.dispose()
        raise StoreError(describe_sqlite_error(path, exc)) from None
    if current is None or current != head_revision():
        engine.dispose()
        return None
    return Journal(engine, Writer(engine)), engine.dispose
