"""The settings table: one row per owner decision or office setting, and the owner-decisions version.

Every owner decision is written together with `bump_owner_version()`; running offices poll
`read_owner_version` and re-read the decisions when it moved (see engine.office.decisions).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, bindparam, delete, insert, select

from engine.store.schema import settings
from engine.store.writer import Op, driver

log = logging.getLogger(__name__)
T = TypeVar("T")

OWNER_VERSION = "owner:version"

_BUMP = (
    "INSERT INTO settings (key, value) VALUES ('owner:version', '1') "
    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
)
_UPSERT = (
    "INSERT INTO settings (key, value) VALUES (:key, :value) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)


def put_setting(key: str, value: str) -> Op:
    return (insert(settings).prefix_with("OR REPLACE"), {"key": key, "value": value})


def delete_setting(key: str) -> Op:
    return (delete(settings).where(settings.c.key == key), None)


def bump_owner_version() -> Op:
    """Ride along with any owner decision: tells running offices to re-read."""
    return (_BUMP, None)


def upsert_setting(conn: Connection, key: str, value: str) -> None:
    """Set a setting inside the writer's open transaction (for writes made on the writer thread)."""
    driver(conn).execute(_UPSERT, {"key": key, "value": value})


_SETTING = select(settings.c.value).where(settings.c.key == bindparam("key"))  # built once: a hot read


_STARTING = select(settings.c.key, settings.c.value).where(settings.c.key.startswith(bindparam("prefix")))


def read_setting(conn: Connection, key: str) -> str | None:
    row = conn.execute(_SETTING, {"key": key}).first()
    return None if row is None else str(row[0])


def read_settings(conn: Connection) -> list[tuple[str, str]]:
    """Every setting as (key, value)."""
    return [(str(key), str(value)) for key, value in conn.execute(select(settings.c.key, settings.c.value))]


def read_settings_starting(conn: Connection, prefix: str) -> list[tuple[str, str]]:
    """The settings whose key starts with `prefix`, as (key, value)."""
    rows = conn.execute(_STARTING, {"prefix": prefix})
    return [(str(key), str(value)) for key, value in rows]


def read_named(conn: Connection, prefix: str, parse: Callable[[str, str], T], what: str | None = None) -> dict[str, T]:
    """The settings under `prefix` by name (the key without it), each read by `parse(name, value)`.

    A row that no longer parses is left out, with a warning that names it as `what` when that is given.
    """
    found: dict[str, T] = {}
    for key, value in read_settings_starting(conn, prefix):
        name = key.removeprefix(prefix)
        try:
            found[name] = parse(name, value)
        except ValueError as exc:
            if what is not None:
                log.warning("ignoring the stored %s %s: %s", what, key, exc)
    return found


def read_owner_version(conn: Connection) -> int:
    value = read_setting(conn, OWNER_VERSION)
    return int(value) if value is not None else 0
