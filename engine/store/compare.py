"""Whether two databases hold the same things: the same schema and the same rows, compared as SQL sees them.

Not as bytes: a database written through SQLite's backup API in WAL mode, or one that has had a row
added and removed, holds what another holds in different pages. Read-only on both files.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

BATCH = 512  # rows compared at a time


def same_content(one: Path, other: Path, *, apart: Mapping[str, str], check: Callable[[], None]) -> bool:
    """Whether `one` and `other` hold the same schema and rows, leaving out the rows `apart` names.

    `apart`: table name -> an SQL condition on that table's rows that are not compared (on both sides).
    `check` is called between batches of rows, and may raise to stop. A database that cannot be read is
    not the same as anything.
    """
    conn = sqlite3.connect(f"{one.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("ATTACH DATABASE ? AS other", (f"{other.resolve().as_uri()}?mode=ro",))
        schema = "SELECT type, name, tbl_name, sql FROM {}.sqlite_master ORDER BY type, name"
        tables = conn.execute(schema.format("main")).fetchall()
        if tables != conn.execute(schema.format("other")).fetchall():
            return False
        for pragma in ("user_version", "application_id"):
            if conn.execute(f"PRAGMA main.{pragma}").fetchone() != conn.execute(f"PRAGMA other.{pragma}").fetchone():
                return False
        return all(
            _same_rows(conn, str(name), str(sql).upper(), apart.get(str(name)), check)
            for kind, name, _, sql in tables  # a virtual table's rows live in its shadow tables, compared too
            if kind == "table" and not str(name).startswith("sqlite_") and not str(sql).upper().startswith("CREATE V")
        )
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def _same_rows(conn: sqlite3.Connection, name: str, sql: str, apart: str | None, check: Callable[[], None]) -> bool:
    """`sql`: the table's CREATE statement, upper case."""
    table = '"' + name.replace('"', '""') + '"'
    where = f" WHERE NOT ({apart})" if apart else ""
    count = f"SELECT count(*) FROM {{}}.{table}{where}"  # cheap first: most differences are rows added
    if conn.execute(count.format("main")).fetchone() != conn.execute(count.format("other")).fetchone():
        return False
    if "WITHOUT ROWID" in sql:
        columns = len(conn.execute(f"PRAGMA main.table_info({table})").fetchall())
        order = ", ".join(str(n) for n in range(1, columns + 1))
    else:
        order = "rowid"
    select = f"SELECT * FROM {{}}.{table}{where} ORDER BY {order}"
    ours, theirs = conn.execute(select.format("main")), conn.execute(select.format("other"))
    while True:
        check()
        batch = ours.fetchmany(BATCH)
        if batch != theirs.fetchmany(BATCH):
            return False
        if not batch:
            return True
