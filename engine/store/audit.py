"""The audit table as SQL: appending a chained row, reading the head, streaming and paging rows.

The chain itself (canonical form, hashes, verification) lives in engine.audit and engine.audit_export;
these functions only move rows in and out, on a connection the caller holds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from sqlalchemy import Connection, Row, select

from engine.store.schema import audit
from engine.store.writer import driver

COLUMNS: Final = ("seq", "ts", "employee_id", "kind", "data", "prev_hash", "hash")
ANCHOR_KEY: Final = "audit_head"  # the settings row naming the newest row ("seq:hash")

_INSERT = (
    "INSERT INTO audit (seq, ts, employee_id, kind, data, prev_hash, hash) "
    "VALUES (:seq, :ts, :employee_id, :kind, :data, :prev_hash, :hash)"
)
_SELECT_ALL = f"SELECT {', '.join(COLUMNS)} FROM audit ORDER BY seq"


def insert_row(conn: Connection, values: dict[str, Any]) -> None:
    """Append one row inside the writer's open transaction; `values` has every column."""
    driver(conn).execute(_INSERT, values)


def read_newest(conn: Connection) -> tuple[int, str] | None:
    """(seq, hash) of the row with the highest seq, or None when the table is empty."""
    last = conn.exec_driver_sql("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").first()
    return None if last is None else (int(last[0]), str(last[1]))


def read_anchor(conn: Connection, key: str) -> Any:
    """The anchor's stored value exactly as found (verification reports a damaged one)."""
    return conn.exec_driver_sql("SELECT value FROM settings WHERE key = ?", (key,)).scalar()


def stream_rows(conn: Connection, batch: int = 1000) -> Iterator[tuple[Any, ...]]:
    """Every row in seq order as a tuple of COLUMNS, fetched a batch at a time."""
    result = conn.exec_driver_sql(_SELECT_ALL)
    while chunk := result.fetchmany(batch):
        for row in chunk:
            yield tuple(row)


def read_page(
    conn: Connection,
    *,
    employee_id: str | None,
    kind: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    offset: int,
) -> list[Row[Any]]:
    """Rows newest first, filtered; `since <= ts < until` (ISO timestamps)."""
    query = select(audit).order_by(audit.c.seq.desc()).limit(limit).offset(offset)
    if employee_id is not None:
        query = query.where(audit.c.employee_id == employee_id)
    if kind is not None:
        query = query.where(audit.c.kind == kind)
    if since is not None:
        query = query.where(audit.c.ts >= since)
    if until is not None:
        query = query.where(audit.c.ts < until)
    return list(conn.execute(query))


@contextmanager
def snapshot(conn: Connection) -> Iterator[None]:
    """Read as of one commit while the writer goes on (SQLAlchemy and pysqlite read outside a transaction)."""
    driver = conn.connection.driver_connection
    if not isinstance(driver, sqlite3.Connection) or driver.in_transaction:
        yield
        return
    driver.execute("BEGIN")
    try:
        yield
    finally:
        driver.rollback()
