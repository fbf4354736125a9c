"""The store: migrations with backup, the group-commit writer, and clear errors on bad databases."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Table, insert, select, text

from engine.store.db import StoreError, alembic_config, head_revision, open_database
from engine.store.journal import Journal
from engine.store.schema import settings
from engine.store.settings import read_setting
from engine.store.writer import Writer


def _open(tmp_path: Path) -> tuple[Path, Writer]:
    path = tmp_path / "h.db"
    engine = open_database(path, tmp_path / "backups")
    writer = Writer(engine)
    writer.start()
    return path, writer


def _count(path: Path, table: str = "settings") -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def test_fifty_producers_share_commits_and_lose_nothing(tmp_path: Path) -> None:
    path, writer = _open(tmp_path)

    async def producer(k: int) -> None:
        for i in range(40):
            await writer.write((insert(settings), {"key": f"p{k}-{i}", "value": "x"}))

    await asyncio.gather(*(producer(k) for k in range(50)))
    await writer.close()
    assert _count(path) == 2000
    assert writer.commits < 2000  # producers waiting together shared commits


async def test_a_bad_write_fails_only_its_producer(tmp_path: Path) -> None:
    path, writer = _open(tmp_path)
    await writer.write((insert(settings), {"key": "dup", "value": "1"}))
    results = await asyncio.gather(
        writer.write((insert(settings), {"key": "a", "value": "1"})),
        writer.write((insert(settings), {"key": "dup", "value": "2"})),  # primary key clash
        writer.write((insert(settings), {"key": "b", "value": "1"})),
        return_exceptions=True,
    )
    await writer.close()
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], Exception)
    assert _count(path) == 3


async def test_ops_in_one_write_are_atomic(tmp_path: Path) -> None:
    path, writer = _open(tmp_path)
    await writer.write((insert(settings), {"key": "dup", "value": "1"}))
    with pytest.raises(Exception, match="UNIQUE"):
        await writer.write(
            (insert(settings), {"key": "new", "value": "1"}),
            (insert(settings), {"key": "dup", "value": "2"}),
        )
    await writer.close()
    assert _count(path) == 1  # "new" was rolled back with its failing partner


async def test_plain_sql_ops_in_one_write_are_atomic_too(tmp_path: Path) -> None:
    """The hot path's driver-level statements share the write's one transaction with Core ones."""
    path, writer = _open(tmp_path)
    add = "INSERT INTO settings (key, value) VALUES (:key, :value)"
    await writer.write((add, {"key": "dup", "value": "1"}))
    with pytest.raises(Exception, match="UNIQUE"):
        await writer.write((add, {"key": "new", "value": "1"}), (add, {"key": "dup", "value": "2"}))
    with pytest.raises(Exception, match="UNIQUE"):
        await writer.write((add, {"key": "new", "value": "1"}), (insert(settings), {"key": "dup", "value": "2"}))
    await writer.write((insert(settings), {"key": "core", "value": "1"}), (add, {"key": "plain", "value": "1"}))
    await writer.close()
    with sqlite3.connect(path) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT key FROM settings")) == ["core", "dup", "plain"]


async def test_a_colocated_writer_commits_a_rounds_writes_together_in_order(tmp_path: Path) -> None:
    """The headless office's writer: one transaction per loop round, on the loop's thread; FULL writes
    go to the thread, after what was written before them; a bad write fails alone."""
    path = tmp_path / "h.db"
    writer = Writer(open_database(path, tmp_path / "backups"), colocate=True)
    writer.start()
    add = "INSERT INTO settings (key, value) VALUES (:key, :value)"
    await writer.write((add, {"key": "first", "value": "0"}))  # the thread has opened its connection by now
    before = writer.commits
    await asyncio.gather(*(writer.write((add, {"key": f"k{i}", "value": str(i)})) for i in range(20)))
    assert writer.commits == before + 2  # twenty producers, one round: the first at once, the other 19 together
    await asyncio.gather(*(writer.write((add, {"key": f"m{i}", "value": str(i)})) for i in range(20)))
    assert writer.commits == before + 3  # still crowded: all twenty at the round's end, in one commit
    order = [
        writer.write((add, {"key": "a", "value": "1"})),
        writer.write(("UPDATE settings SET value = '2' WHERE key = 'a'", None), full=True),
        writer.write(("UPDATE settings SET value = '3' WHERE key = 'a'", None)),
    ]
    await asyncio.gather(*order)
    results = await asyncio.gather(
        writer.write((add, {"key": "b", "value": "1"})),
        writer.write((add, {"key": "a", "value": "dup"})),  # already there
        writer.write((add, {"key": "c", "value": "1"})),
        return_exceptions=True,
    )
    await writer.close()
    assert results[0] is None and results[2] is None and "UNIQUE" in str(results[1])
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM settings WHERE key = 'a'").fetchone() == ("3",)
    assert _count(path) == 1 + 40 + 3


async def test_a_lone_colocated_write_is_durable_before_the_loop_turns(tmp_path: Path) -> None:
    """A lone employee's step commits inside its write: no round of the loop between the call and the commit."""
    path = tmp_path / "h.db"
    writer = Writer(open_database(path, tmp_path / "backups"), colocate=True)
    writer.start()
    add = "INSERT INTO settings (key, value) VALUES (:key, :value)"
    await writer.write((add, {"key": "first", "value": "0"}))  # through the thread, which opens the connection
    await asyncio.gather(*(writer.write((add, {"key": f"k{i}", "value": "x"})) for i in range(3)))  # a crowd
    await writer.write((add, {"key": "after", "value": "x"}))  # the crowd's last round: waits for the round's end
    await asyncio.sleep(0)
    turned: list[int] = []
    asyncio.get_running_loop().call_soon(turned.append, 1)
    before = writer.commits
    await writer.write((add, {"key": "lone", "value": "1"}))
    assert turned == [] and writer.commits == before + 1  # committed, and the loop has not gone round
    with sqlite3.connect(path) as other:  # another connection, as another process would read it
        assert other.execute("SELECT value FROM settings WHERE key = 'lone'").fetchone() == ("1",)
    with pytest.raises(Exception, match="UNIQUE"):  # a lone bad write fails at once, alone
        await writer.write((add, {"key": "lone", "value": "2"}))
    await writer.close()


async def test_a_colocated_journal_reads_on_the_loop_thread_and_still_lets_others_run(tmp_path: Path) -> None:
    """The headless office reads without a thread hop; a loop that only reads must not starve the rest."""
    path = tmp_path / "h.db"
    engine = open_database(path, tmp_path / "backups")
    writer = Writer(engine, colocate=True)
    writer.start()
    journal = Journal(engine, writer)
    await writer.write(("INSERT INTO settings (key, value) VALUES ('a', '1')", None))
    threads: list[str] = []

    def query(conn: Connection) -> str | None:
        threads.append(threading.current_thread().name)
        return read_setting(conn, "a")

    others = 0

    async def other() -> None:
        nonlocal others
        while True:
            others += 1
            await asyncio.sleep(0)

    running = asyncio.ensure_future(other())
    seen = [await journal.read(query) for _ in range(5)]
    running.cancel()
    await writer.close()
    assert seen == ["1"] * 5  # what was committed
    assert set(threads) == {threading.current_thread().name}  # the loop's own thread
    assert others >= 4  # each read yielded once


async def test_full_disk_gives_a_clear_error_and_keeps_what_was_saved(tmp_path: Path) -> None:
    path, writer = _open(tmp_path)
    await writer.write((insert(settings), {"key": "kept", "value": "1"}))
    await writer.write((text("PRAGMA max_page_count = 1"), None))  # the database can grow no further
    with pytest.raises(StoreError, match=r"disk .* is full"):
        await writer.write((insert(settings), {"key": "big", "value": "x" * 200_000}))
    await writer.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM settings WHERE key='kept'").fetchone() == ("1",)


def test_corrupt_database_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"damaged.*backups"):
        open_database(path, tmp_path / "backups")


async def test_locked_database_says_another_process_has_it(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    writer = Writer(open_database(path, tmp_path / "backups", busy_ms=50))
    writer.start()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked by another Headcount process"):
            await writer.write((insert(settings), {"key": "k", "value": "v"}))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await writer.write((insert(settings), {"key": "k", "value": "v"}))  # works again once released
    await writer.close()
    assert _count(path) == 1


def test_a_database_from_a_newer_version_is_refused_in_one_line_with_no_backup(tmp_path: Path) -> None:
    """Going back a version: Alembic's traceback, and a before-migration copy per try that pushed out the copy
    needed to go back with. Doctor said "intact"."""
    from engine.doctor import database

    path = tmp_path / "h.db"
    open_database(path, tmp_path / "backups").dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = path.read_bytes()
    for _ in range(2):
        with pytest.raises(StoreError, match=r"newer version of Headcount \(schema 9999; this one knows up to \d{4}\)"):
            open_database(path, tmp_path / "backups")
    assert not (tmp_path / "backups").exists() and path.read_bytes() == before
    line = database(path)
    assert line.status == "problem" and "newer version" in line.summary and "backup --list" in line.fix


def test_migration_backs_up_existing_data_first(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    engine = open_database(path, tmp_path / "backups")
    assert not (tmp_path / "backups").exists()  # a new database needs no backup
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "base")  # simulate a database from before the first migration
        conn.exec_driver_sql("CREATE TABLE legacy (v TEXT)")
        conn.exec_driver_sql("INSERT INTO legacy VALUES ('precious')")
    engine.dispose()

    said: list[str] = []
    engine = open_database(path, tmp_path / "backups", notice=said.append)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert conn.execute(select(Table("settings", settings.metadata))).all() == []
    engine.dispose()
    assert version == head_revision()
    backups = list((tmp_path / "backups").glob("*.db"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT v FROM legacy").fetchone() == ("precious",)
    # The owner is told before the wait and after it (a command on a large office must not seem to hang).
    assert said[0].startswith("Upgrading the office's database (") and "please wait" in said[0]
    assert said[1:] == [f"Upgraded; the copy from before is {backups[0]}."]
    said.clear()
    open_database(path, tmp_path / "backups", notice=said.append).dispose()
    assert said == []  # nothing to upgrade: nothing said


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    """A writer process is killed mid-stream; every row it had acknowledged is on disk."""
    path = tmp_path / "h.db"
    open_database(path, tmp_path / "backups").dispose()
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from sqlalchemy import insert
        from engine.store.db import make_engine
        from engine.store.schema import settings
        from engine.store.writer import Writer

        async def main():
            writer = Writer(make_engine(Path({str(path)!r})))
            writer.start()
            async def producer(k):
                for i in range(100000):
                    await writer.write((insert(settings), {{"key": f"{{k}}-{{i}}", "value": "v"}}))
                    print(f"{{k}}-{{i}}", flush=True)
            await asyncio.gather(*(producer(k) for k in range(8)))
        asyncio.run(main())
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    acked = [proc.stdout.readline().strip() for _ in range(3000)]
    proc.kill()
    proc.wait()
    proc.stdout.close()
    with sqlite3.connect(path) as conn:
        stored = {r[0] for r in conn.execute("SELECT key FROM settings")}
    assert set(acked) <= stored


def test_the_head_read_from_file_names_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_opening_an_office_at_the_head_does_not_import_alembic(tmp_path: Path) -> None:
    open_database(tmp_path / "h.db", tmp_path / "backups").dispose()  # created and migrated here
    code = (
        "import sys; from pathlib import Path; from engine.store.db import open_database\n"
        f"open_database(Path({str(tmp_path / 'h.db')!r}), Path({str(tmp_path / 'backups')!r})).dispose()\n"
        "print('alembic' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2]
    )
    assert result.stdout.strip() == "False", result.stderr
