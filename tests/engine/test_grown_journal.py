"""A journal that ran for months: what `log`, `tasks`, `budget` and a view read stays a few rows, by index.

The office of `worked` (Ada finished a task in rehearsal) is grown in place with SQL: many closed tasks and
their steps, some of them paid, spread over weeks. The commands are then held to what a person wants from
them (the latest steps, the open tasks and the last closed, the same spend as every step counted one by one)
and every read they make to a plan that reads an index, never the whole table.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine.store import spend
from engine.store.db import alembic_config, make_engine, open_database
from engine.store.journal import _LATEST_CLOSED, _LATEST_STEPS, Journal
from engine.store.reading import SPENT_SINCE, open_for_reading, quarter_start
from engine.store.records import CLOSED_TASKS
from engine.store.spend import SPENT_BY_QUARTER
from engine.store.writer import Writer
from tests.engine.test_cli import headcount, worked
from tests.engine.test_reading import shown

__all__ = ["worked"]  # the module's own office where Ada finished a task in rehearsal, grown below

TASKS = 120  # closed tasks added, three steps each, one every six hours back from the office's own task
PAID = 0.25  # USD of each paid model step (every other task is on a paid model)


@pytest.fixture(scope="module")
def grown(worked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("grown") / "home"
    shutil.copytree(worked, home)
    with sqlite3.connect(home / "headcount.db") as conn:
        conn.row_factory = sqlite3.Row
        task = dict(conn.execute("SELECT * FROM tasks").fetchone())
        step = dict(conn.execute("SELECT * FROM steps WHERE kind = 'model' LIMIT 1").fetchone())
        first = datetime.fromisoformat(task["created_at"])
        for i in range(TASKS):
            when = first - timedelta(hours=6 * (TASKS - i))
            stamp = when.isoformat()
            tid = f"task_old{i:03d}"
            status = ("done", "failed", "cancelled")[i % 3]
            updated = (when + timedelta(minutes=5)).isoformat()
            _insert(conn, "tasks", {**task, "id": tid, "title": f"Old task {i}", "status": status,
                                    "created_at": stamp, "updated_at": updated})  # fmt: skip
            for seq in range(1, 4):
                paid = i % 2 == 1 and seq != 2
                at = (when + timedelta(seconds=seq)).isoformat()
                _insert(conn, "steps", {**step, "id": f"step_old{i:03d}_{seq}", "task_id": tid, "seq": seq,
                                        "kind": "tool" if seq == 2 else "model", "started_at": at,
                                        "cost_usd": PAID if paid else 0.0, "rehearsal": 0 if paid else 1})  # fmt: skip
    return home


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, object]) -> None:
    conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


@pytest.fixture
def db(grown: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(grown / "headcount.db")
    yield conn
    conn.close()


def test_log_shows_the_latest_steps_oldest_first_and_says_more_are_kept(grown: Path, db: sqlite3.Connection) -> None:
    import json

    every = db.execute("SELECT id FROM steps ORDER BY started_at, seq").fetchall()
    latest = json.loads(headcount(grown, "log", "Ada", "--latest", "5", "--json").stdout)
    assert [r["step_id"] for r in latest] == [r[0] for r in every[-5:]]
    everything = json.loads(headcount(grown, "log", "Ada", "--all", "--json").stdout)
    assert [r["step_id"] for r in everything] == [r[0] for r in every]
    text = headcount(grown, "log", "Ada", "--latest", "5").stdout.splitlines()
    assert text[0] == "(the 5 latest steps; earlier ones: --latest N, or --all)" and len(text) == 6
    default = headcount(grown, "log", "Ada").stdout.splitlines()
    assert default[0].startswith("(the 200 latest steps") and len(default) == 201 and len(every) > 200
    refused = headcount(grown, "log", "Ada", "--latest", "0", ok=False)
    assert refused.returncode == 2 and "give a number from 1 to 1000000, not 0" in refused.stderr


def test_tasks_shows_every_open_task_and_the_last_closed(grown: Path, db: sqlite3.Connection) -> None:
    import json

    db.execute("UPDATE tasks SET status = 'queued' WHERE id = 'task_old000'")  # the oldest task, still open
    db.commit()
    try:
        closed = [r[0] for r in db.execute(
            "SELECT id FROM tasks WHERE status IN ('done', 'failed', 'cancelled') ORDER BY updated_at DESC, id DESC"
        )]  # fmt: skip
        opened = {r[0] for r in db.execute("SELECT id FROM tasks WHERE status NOT IN ('done', 'failed', 'cancelled')")}
        assert "task_old000" in opened and len(closed) > 50
        shown_ids = [t["id"] for t in json.loads(headcount(grown, "tasks", "--closed", "3", "--json").stdout)]
        assert set(shown_ids) == {*opened, *closed[:3]} and shown_ids[0] == "task_old000"  # oldest first
        text = headcount(grown, "tasks", "--closed", "3").stdout.splitlines()
        assert text[0] == "(every open task and the last 3 closed; the closed ones: --closed N, or --all)"
        assert len(text) == 1 + len(opened) + 3
        only = headcount(grown, "tasks", "--closed", "0").stdout.splitlines()
        assert only[0].startswith("(open tasks only;") and len(only) == 1 + len(opened)
        assert len(json.loads(headcount(grown, "tasks", "--all", "--json").stdout)) == TASKS + 1
        assert len(json.loads(headcount(grown, "tasks", "--json").stdout)) == len(opened) + 50  # 50 closed by default
    finally:
        db.execute("UPDATE tasks SET status = 'done' WHERE id = 'task_old000'")
        db.commit()


@pytest.mark.parametrize(
    "command",
    [["log", "Ada", "--latest", "7"], ["log", "Ada", "--latest", "7", "--json"], ["tasks", "--closed", "4"],
     ["tasks", "--employee", "Ada", "--closed", "4", "--json"], ["budget", "--json"]],
    ids=" ".join,
)  # fmt: skip
def test_both_fronts_show_the_same_part_of_a_grown_journal(grown: Path, command: list[str]) -> None:
    light, fronts = shown(grown, command, full=False)
    assert fronts == ["engine.office.reading"]
    assert light == shown(grown, command, full=True)[0] and light.strip()


def test_budget_counts_what_every_paid_step_cost(grown: Path, db: sqlite3.Connection) -> None:
    import json

    report = json.loads(headcount(grown, "budget", "--json").stdout)
    london = ZoneInfo("Europe/London")  # Ada's days are her brief's (the assistant works London hours)
    paid = [(datetime.fromisoformat(t).astimezone(london).date(), usd)
            for t, usd in db.execute("SELECT started_at, cost_usd FROM steps WHERE cost_usd > 0")]  # fmt: skip
    today = datetime.fromisoformat(db.execute("SELECT max(started_at) FROM steps").fetchone()[0]).astimezone(london)
    (ada,) = report["employees"]
    assert ada["month"] == pytest.approx(sum(usd for day, usd in paid if day >= today.date().replace(day=1)))
    assert ada["month"] > 0 and ada["today"] == 0.0  # the worked task was free (rehearsal)


def _plan(conn: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> str:
    return " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def test_every_read_of_a_grown_journal_goes_by_index(grown: Path, db: sqlite3.Connection) -> None:
    from sqlalchemy.dialects import sqlite as dialect

    def compiled(statement: object) -> str:
        return str(statement.compile(dialect=dialect.dialect(), compile_kwargs={"literal_binds": False}))  # type: ignore[attr-defined]

    spent = _plan(db, SPENT_SINCE, ("2026-01-01",))
    assert "COVERING INDEX ix_steps_paid" in spent, spent
    latest = _plan(db, compiled(_LATEST_STEPS), ("x", 5, 0))  # LIMIT ? OFFSET ?
    assert "INDEX ix_steps_employee_time" in latest and "SCAN" not in latest, latest
    for by_employee in (False, True):
        sql = compiled(_LATEST_CLOSED[by_employee])
        closed = _plan(db, sql, ("done", "x", 5, 0) if by_employee else ("done", 5, 0))
        assert "INDEX ix_tasks_status_updated" in closed and "SCAN" not in closed, closed
    by_quarter = _plan(db, SPENT_BY_QUARTER, ("2026-01-01", "x"))
    assert "COVERING INDEX ix_steps_paid" in by_quarter, by_quarter


def test_free_steps_never_enter_the_paid_index(grown: Path, db: sqlite3.Connection) -> None:
    indexed = "SELECT count(*) FROM steps INDEXED BY ix_steps_paid WHERE started_at >= '' AND cost_usd > 0"
    assert db.execute(indexed).fetchone()[0] == TASKS // 2 * 2  # two paid model steps in every other task
    assert db.execute("SELECT count(*) FROM steps WHERE cost_usd = 0").fetchone()[0] > TASKS
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'ix_steps_paid'").fetchone()
    assert sql.endswith("WHERE cost_usd > 0")


ZONES = ("UTC", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "Australia/Lord_Howe", "Pacific/Kiritimati")


def test_a_quarter_hour_of_spend_falls_on_the_day_of_each_of_its_steps() -> None:
    rng = random.Random(20261130)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE steps (employee_id, started_at, cost_usd, rehearsal)")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for _ in range(3000):
        when = start + timedelta(seconds=rng.randrange(365 * 86400), microseconds=rng.choice((0, rng.randrange(10**6))))
        rows.append((rng.choice(("ada", "ben")), when.isoformat(), rng.choice((0.0, 0.01, 0.5)), rng.random() < 0.1))
    conn.executemany("INSERT INTO steps VALUES (?, ?, ?, ?)", rows)
    quarters = [(e, quarter_start(q), usd, any_) for e, q, usd, any_ in conn.execute(SPENT_SINCE, ("",))]
    for employee in ("ada", "ben"):
        assert sum(u for e, _, u, _ in quarters if e == employee) == pytest.approx(
            sum(u for e, _, u, _ in rows if e == employee and u > 0)
        )
    for name in ZONES:
        zone = ZoneInfo(name)

        def day(stamp: str, zone: ZoneInfo = zone) -> str:
            return datetime.fromisoformat(stamp).astimezone(zone).date().isoformat()

        per_day: dict[tuple[str, str], float] = {}
        for e, stamp, usd, _ in rows:
            if usd > 0:
                per_day[(e, day(stamp))] = per_day.get((e, day(stamp)), 0.0) + usd
        by_quarter: dict[tuple[str, str], float] = {}
        for e, stamp, usd, _ in quarters:
            by_quarter[(e, day(stamp))] = by_quarter.get((e, day(stamp)), 0.0) + usd
        assert by_quarter.keys() == per_day.keys(), name
        assert all(by_quarter[k] == pytest.approx(per_day[k]) for k in per_day), name
    assert quarter_start("2026-11-30T13:2+00:00") == "2026-11-30T13:30+00:00"
    assert quarter_start("2026-11-30T13:3123456") == "2026-11-30T13:45"  # stamped without an offset


INDEXES = "SELECT name FROM sqlite_master WHERE tbl_name = 'steps' AND type = 'index'"


def test_an_older_journal_gains_the_indexes_when_it_is_opened(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "headcount.db"
    open_database(path, tmp_path / "backups").dispose()
    engine = make_engine(path)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0008")
    engine.dispose()
    with sqlite3.connect(path) as conn:
        before = {r[0] for r in conn.execute(INDEXES)}
    assert "ix_steps_employee" in before and "ix_steps_paid" not in before
    open_database(path, tmp_path / "backups").dispose()
    with sqlite3.connect(path) as conn:
        after = {r[0] for r in conn.execute(INDEXES)}
    assert after == {"sqlite_autoindex_steps_1", "ix_steps_task_seq", "ix_steps_employee_time", "ix_steps_paid"}
    assert any(p.name.startswith("headcount-before-migration") for p in (tmp_path / "backups").iterdir())


def test_the_journal_reads_the_latest_steps_and_recent_tasks_as_the_reading_front(grown: Path) -> None:
    rows = open_for_reading(grown / "headcount.db")
    assert rows is not None
    engine = make_engine(grown / "headcount.db")
    journal = Journal(engine, Writer(engine))

    async def both() -> None:
        ada = (await journal.employees())[0].id
        for latest in (1, 4, 1000):
            got = await journal.latest_steps(ada, latest)
            assert got == await rows.latest_steps(ada, latest)
            assert got == (await journal.steps(employee_id=ada))[-latest:]
        for closed in (0, 2, 1000):
            assert await journal.recent_tasks(closed=closed) == await rows.recent_tasks(closed=closed)
            assert await journal.recent_tasks(ada, closed) == await rows.recent_tasks(ada, closed)
        assert len(await journal.recent_tasks(closed=1000)) == TASKS + 1
        assert len([t for t in await journal.recent_tasks(closed=2) if t.status in CLOSED_TASKS]) == 2
        since = "2000-01-01"
        assert await rows.costs_since(since) == await journal.read(lambda c: spend.read_costs_since(c, since))
        quarters = await journal.read(lambda c: spend.read_spend_by_quarter(c, ada, since))
        assert sum(usd for _, usd in quarters) == pytest.approx(TASKS // 2 * 2 * PAID)

    try:
        asyncio.run(both())
    finally:
        rows.close()
        engine.dispose()
