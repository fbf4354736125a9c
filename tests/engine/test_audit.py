"""The audit log: chained in commit order, tamper-evident with the place named, never holding a secret."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import math
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, insert

from engine.audit import GENESIS, AuditLog, Redactor, canonical_json, digest
from engine.audit_export import VerifyReport, export, rows, verify
from engine.store.db import open_database
from engine.store.schema import settings as settings_table
from engine.store.writer import Writer

TS = "2026-01-05T09:00:00+00:00"


class _Writer(Writer):
    """The store's writer with `full=True` fixed.

    Upstream, the `PRAGMA synchronous=FULL` before `conn.begin()` autobegins a SQLAlchemy transaction,
    so every `full=True` write fails with InvalidRequestError. Delete this once engine/store/writer.py
    ends the PRAGMA's implicit transaction (the fix below).
    """

    def _apply(self, conn: Connection, batch: list[Any], full: bool) -> None:
        if not full:
            super()._apply(conn, batch, full)
            return
        conn.exec_driver_sql("PRAGMA synchronous=FULL")
        conn.commit()
        try:
            super()._apply(conn, batch, False)
        finally:
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
            conn.commit()


@dataclass
class Log:
    path: Path
    engine: Engine
    writer: Writer
    log: AuditLog

    def verify(self) -> VerifyReport:
        with self.engine.connect() as conn:
            return verify(conn)

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path) as conn:  # plain sqlite3, as someone tampering would
            return conn.execute(statement, params).fetchall()

    async def fill(self, n: int, employee_id: str | None = "ada") -> None:
        for i in range(n):
            await self.log.append("model_call", _model_call(i), employee_id=employee_id, ts=_ts(i))


def _ts(i: int) -> str:
    return f"2026-01-05T09:{i // 60:02d}:{i % 60:02d}+00:00"


def _model_call(i: int) -> dict[str, Any]:
    return {
        "model": "gpt-4o-mini",
        "prompt_tokens": 100 + i,
        "completion_tokens": 20,
        "cost_usd": 0.0001 * i,
        "brief_version": "v1",
        "rehearsal": False,
        "simulated": False,
    }


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Log]:
    path = tmp_path / "h.db"
    engine = open_database(path, tmp_path / "backups")
    writer = _Writer(engine)
    writer.start()
    yield Log(path, engine, writer, AuditLog(writer))
    await writer.close()
    engine.dispose()


def _recompute(records: Iterator[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str]]:
    """An independent verifier, written from the documented formula only."""
    for record in records:
        body = {k: record[k] for k in ("seq", "ts", "employee_id", "kind", "data")}
        yield record, hashlib.sha256((record["prev_hash"] + canonical_json(body)).encode()).hexdigest()


# --- the chain ---------------------------------------------------------------------------------------


async def test_fifty_producers_chain_in_commit_order_and_verify(store: Log) -> None:
    async def producer(k: int) -> None:
        for i in range(20):
            op = store.log.op("tool_call", {"tool": "search", "k": k, "i": i}, employee_id=f"e{k}", ts=_ts(i))
            # Half ride along with another row, as the loop will send them with the step they describe.
            extra = [(insert(settings_table), {"key": f"step-{k}-{i}", "value": "x"})] if i % 2 else []
            await store.writer.write(op, *extra, full=True)

    await asyncio.gather(*(producer(k) for k in range(50)))
    report = store.verify()
    assert report == VerifyReport(ok=True, rows=1000, problems=[], head=report.head)
    assert store.writer.commits < 1000  # producers shared commits, and the chain still holds
    seqs = [r[0] for r in store.sql("SELECT seq FROM audit ORDER BY seq")]
    assert seqs == list(range(1, 1001))
    (anchor,) = store.sql("SELECT value FROM settings WHERE key = 'audit_head'")[0]
    assert anchor == f"1000:{report.head}"
    per_producer = store.sql("SELECT data FROM audit WHERE employee_id = 'e7' ORDER BY seq")
    assert [json.loads(d)["i"] for (d,) in per_producer] == list(range(20))  # each producer's order kept


async def test_an_independent_verifier_agrees_with_the_stored_hashes(store: Log) -> None:
    await store.fill(5)
    await store.log.append("owner_action", {"action": "pause", "note": "café ☕"}, employee_id=None, ts=TS)
    raw = store.sql("SELECT seq, ts, employee_id, kind, data, prev_hash, hash FROM audit ORDER BY seq")
    records = (
        dict(zip(("seq", "ts", "employee_id", "kind", "data", "prev_hash", "hash"), r, strict=True)) for r in raw
    )
    previous = GENESIS
    for record, recomputed in _recompute({**r, "data": json.loads(r["data"])} for r in records):
        assert record["prev_hash"] == previous
        assert recomputed == record["hash"]
        previous = record["hash"]
    assert raw[-1][4] == '{"action":"pause","note":"café ☕"}'  # canonical and not ascii-escaped


async def test_verifying_while_employees_write_sees_no_false_alarm(store: Log) -> None:
    async def producer(k: int) -> None:
        for i in range(40):
            await store.log.append("tool_call", {"k": k, "i": i}, employee_id=f"e{k}", ts=_ts(i))

    writing = asyncio.gather(*(producer(k) for k in range(10)))
    reports = []
    while not writing.done():
        reports.append(await asyncio.to_thread(store.verify))
    await writing
    reports.append(store.verify())
    assert all(r.ok for r in reports), [r.problems for r in reports if not r.ok]
    assert reports[-1].rows == 400


async def test_a_failed_transaction_leaves_the_chain_valid(store: Log) -> None:
    await store.fill(3)

    def boom(conn: Connection) -> None:
        raise RuntimeError("the step's own write failed")

    with pytest.raises(RuntimeError, match="step's own write"):
        await store.writer.write(store.log.op("tool_call", {"tool": "x"}, employee_id="ada", ts=TS), (boom, None))
    # The failure shares a group commit with good writes: they are retried alone and still chain.
    results = await asyncio.gather(
        *(store.log.append("tool_call", {"n": n}, employee_id="ada", ts=TS) for n in range(5)),
        store.writer.write(store.log.op("tool_call", {"n": "bad"}, employee_id="ada", ts=TS), (boom, None)),
        *(store.log.append("tool_call", {"n": n}, employee_id="ada", ts=TS) for n in range(5, 10)),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results].count("RuntimeError") == 1
    await store.log.append("owner_action", {"action": "resume"}, employee_id=None, ts=TS)
    report = store.verify()
    assert report.ok, report.problems
    assert report.rows == 14
    datas = [json.loads(d) for (d,) in store.sql("SELECT data FROM audit")]
    assert {"n": "bad"} not in datas and {"tool": "x"} not in datas


async def test_bad_payloads_are_refused_before_anything_is_written(store: Log) -> None:
    with pytest.raises(ValueError, match="unknown audit kind"):
        store.log.op("model_cal", {}, employee_id="ada", ts=TS)
    with pytest.raises(ValueError):
        store.log.op("model_call", {"cost_usd": math.nan}, employee_id="ada", ts=TS)
    with pytest.raises(TypeError):
        store.log.op("model_call", {"when": object()}, employee_id="ada", ts=TS)
    with pytest.raises(TypeError, match="keys must be strings"):
        store.log.op("model_call", {"nested": {1: "x"}}, employee_id="ada", ts=TS)
    with pytest.raises(UnicodeEncodeError):
        store.log.op("model_call", {"text": "\ud800"}, employee_id="ada", ts=TS)
    assert store.sql("SELECT count(*) FROM audit") == [(0,)]
    assert store.verify() == VerifyReport(ok=True, rows=0, problems=[], head=GENESIS)


# --- tampering ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("data", '{"model":"gpt-4o-mini","prompt_tokens":1}'),
        ("ts", "2026-01-04T09:00:00+00:00"),
        ("employee_id", "bob"),
        ("kind", "owner_action"),
        ("prev_hash", "f" * 64),
        ("hash", "e" * 64),
    ],
)
async def test_an_edited_row_is_named(store: Log, column: str, value: str) -> None:
    await store.fill(40)
    store.sql(f"UPDATE audit SET {column} = ? WHERE seq = 17", value)
    assert store.verify().problems == ["row 17: contents changed after it was written"]


async def test_a_whitespace_edit_that_keeps_the_json_equal_is_still_caught(store: Log) -> None:
    await store.fill(5)
    store.sql("UPDATE audit SET data = replace(data, ',', ', ') WHERE seq = 2")
    assert store.verify().problems == ["row 2: contents changed after it was written"]


async def test_edited_rows_in_a_run_are_reported_as_a_range(store: Log) -> None:
    await store.fill(40)
    store.sql("UPDATE audit SET data = '{}' WHERE seq BETWEEN 17 AND 19")
    assert store.verify().problems == ["rows 17–19: contents changed after they were written"]


@pytest.mark.parametrize(
    ("where", "problem"), [("seq = 18", "row 18 missing"), ("seq IN (18, 19)", "rows 18–19 missing")]
)
async def test_deleted_middle_rows_are_named(store: Log, where: str, problem: str) -> None:
    await store.fill(40)
    store.sql(f"DELETE FROM audit WHERE {where}")
    report = store.verify()
    assert not report.ok
    assert report.problems == [problem]


async def test_swapped_rows_are_named(store: Log) -> None:
    await store.fill(10)
    cols = "ts, employee_id, kind, data, prev_hash, hash"
    store.sql("UPDATE audit SET seq = -5 WHERE seq = 5")
    store.sql("UPDATE audit SET seq = 5 WHERE seq = 6")
    store.sql("UPDATE audit SET seq = 6 WHERE seq = -5")
    assert store.sql(f"SELECT {cols} FROM audit WHERE seq = 5") != store.sql(f"SELECT {cols} FROM audit WHERE seq = 6")
    assert store.verify().problems == [
        "row 5: out of order (it was written as row 6)",
        "row 6: out of order (it was written as row 5)",
    ]


async def test_deleted_newest_rows_are_detected_by_the_anchor(store: Log) -> None:
    await store.fill(40)
    store.sql("DELETE FROM audit WHERE seq > 38")
    report = store.verify()
    assert report.problems == ["the newest 2 rows were removed (anchor says 40 rows, found 38)"]
    assert report.rows == 38

    # A restarted engine (no cached head) chains new rows from the anchor, so the gap stays visible.
    log = AuditLog(store.writer)
    await log.append("owner_action", {"action": "resume"}, employee_id=None, ts=TS)
    assert store.verify().problems == ["rows 39–40 missing"]


async def test_a_deleted_row_with_the_rest_renumbered_is_caught(store: Log) -> None:
    await store.fill(40)
    store.sql("DELETE FROM audit WHERE seq = 18")
    store.sql("UPDATE audit SET seq = seq - 1 WHERE seq > 18")
    assert store.verify().problems == [
        "rows 18–39: out of order (they were written as rows 19–40)",
        "the newest row was removed (anchor says 40 rows, found 39)",
    ]


async def test_a_row_rewritten_with_a_fresh_hash_breaks_the_link_to_the_next(store: Log) -> None:
    await store.fill(40)
    seq, ts, employee_id, kind, prev_hash = store.sql(
        "SELECT seq, ts, employee_id, kind, prev_hash FROM audit WHERE seq = 17"
    )[0]
    data = {"model": "cheap", "prompt_tokens": 1}
    body = canonical_json({"seq": seq, "ts": ts, "employee_id": employee_id, "kind": kind, "data": data})
    forged = hashlib.sha256((prev_hash + body).encode()).hexdigest()
    store.sql("UPDATE audit SET data = ?, hash = ? WHERE seq = 17", canonical_json(data), forged)
    assert store.verify().problems == ["row 18: does not follow row 17 (one of them was replaced)"]


async def test_a_rewritten_newest_row_disagrees_with_the_anchor(store: Log) -> None:
    await store.fill(3)
    seq, ts, employee_id, kind, prev_hash = store.sql(
        "SELECT seq, ts, employee_id, kind, prev_hash FROM audit WHERE seq = 3"
    )[0]
    body = canonical_json({"seq": seq, "ts": ts, "employee_id": employee_id, "kind": kind, "data": {}})
    forged = hashlib.sha256((prev_hash + body).encode()).hexdigest()
    store.sql("UPDATE audit SET data = '{}', hash = ? WHERE seq = 3", forged)
    assert store.verify().problems == ["row 3 differs from the anchor (the newest rows were rewritten)"]


async def test_a_removed_anchor_is_reported(store: Log) -> None:
    await store.fill(3)
    store.sql("DELETE FROM settings WHERE key = 'audit_head'")
    (problem,) = store.verify().problems
    assert problem.startswith("the anchor (audit_head in settings) is missing")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Authorization: Bearer abcdefghijklmnop0123", "Authorization: Bearer ***"),
        ("curl -H 'x-api-key: k-123456'", "curl -H 'x-api-key: ***'"),
        ("password=hunter2&user=ada", "password=***&user=ada"),
        ("postgres://ada:pw0rd@db:5432/x", "postgres://ada:***@db:5432/x"),
        ("key AKIAIOSFODNN7EXAMPLE here", "key *** here"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "***"),
        # Ordinary prose stays readable.
        ("Basic information about the task", "Basic information about the task"),
        ("used 1200 prompt tokens: within budget", "used 1200 prompt tokens: within budget"),
        ("the bearer of good news", "the bearer of good news"),
    ],
)
def test_the_built_in_scrub(text: str, kept: str) -> None:
    assert Redactor()({"text": text}) == {"text": kept}


# --- secrets -----------------------------------------------------------------------------------------

KEYRING = "kr-7Hq2-PLANTED-keyring-value"  # what the keyring holds; the injected redact knows it
SECRETS = [
    KEYRING,
    "plain-value-under-api-key",
    "hunter2-in-a-password-field",
    "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv",
    "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
    "s3cr3t-url-password",
    "token-inside-json-arguments",
]


async def test_secrets_never_reach_the_table_or_the_exports(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    engine = open_database(path, tmp_path / "backups")
    writer = _Writer(engine)
    writer.start()
    log = AuditLog(writer, redact=lambda text: text.replace(KEYRING, "[redacted]"))
    arguments = {
        "to": "client@example.com",
        "body": f"Here is the key {KEYRING} and {SECRETS[3]}",
        "api_key": SECRETS[1],
        "headers": {"Authorization": f"Bearer {SECRETS[5]}", "X-Api-Key": 12345},
        "auth": {"user": "ada", "password": SECRETS[2]},
        "repo_url": f"https://ada:{SECRETS[6]}@git.example.com/x.git",
        "notes": [f"gh token {SECRETS[4]}", {"clientSecret": "zzz"}],
        "raw": json.dumps({"access_token": SECRETS[7], "q": "weather"}),
    }
    await log.append(
        "tool_call",
        {"tool": "send_email", "arguments": arguments, "status": "ok", "result_sha256": digest("sent")},
        employee_id="ada",
        ts=TS,
    )
    await log.append("model_call", _model_call(1), employee_id="ada", ts=TS)
    await writer.close()

    with engine.connect() as conn:
        assert verify(conn).ok
        export(conn, tmp_path / "audit.jsonl", "jsonl")
        export(conn, tmp_path / "audit.csv", "csv")
        stored = rows(conn)
    engine.dispose()
    assert _leaks(tmp_path, ["h.db*", "audit.jsonl", "audit.csv"], [*SECRETS, "zzz"]) == []

    kept = stored[1].data["arguments"]
    assert kept["api_key"] == kept["auth"] == kept["notes"][1]["clientSecret"] == "***"  # `auth` masks it all
    assert kept["headers"] == {"Authorization": "***", "X-Api-Key": "***"}
    assert kept["body"] == "Here is the key [redacted] and ***"
    assert kept["repo_url"] == "https://ada:***@git.example.com/x.git"
    assert json.loads(kept["raw"]) == {"access_token": "***", "q": "weather"}
    assert kept["to"] == "client@example.com"
    assert stored[0].data == _model_call(1)  # token counts are not secrets


def _leaks(folder: Path, patterns: list[str], secrets: list[str]) -> list[tuple[str, str]]:
    files = [file for pattern in patterns for file in folder.glob(pattern)]
    assert len(files) >= len(patterns)
    return [(s, f.name) for f in files for s in secrets if s.encode() in f.read_bytes()]


# --- export and the viewer --------------------------------------------------------------------------


async def test_export_round_trips_every_row(store: Log, tmp_path: Path) -> None:
    await store.fill(30)
    await store.log.append("hired", {"name": 'Ada, the "analyst"\nline two'}, employee_id=None, ts=TS)
    stored = store.sql("SELECT seq, ts, employee_id, kind, data, prev_hash, hash FROM audit ORDER BY seq")
    with store.engine.connect() as conn:
        assert store.log.verify(conn).ok  # the methods the CLI calls through journal.read
        assert store.log.export(conn, tmp_path / "a.jsonl", "jsonl") == 31
        assert export(conn, tmp_path / "a.csv", "csv") == 31
        with pytest.raises(ValueError, match="unknown export format"):
            export(conn, tmp_path / "a.xml", "xml")  # type: ignore[arg-type]
    lines, table = _read_exports(tmp_path)
    assert [(r["seq"], r["ts"], r["employee_id"], r["kind"], canonical_json(r["data"]), r["prev_hash"], r["hash"])
            for r in lines] == stored  # fmt: skip
    assert all(record["hash"] == recomputed for record, recomputed in _recompute(iter(lines)))

    assert [(int(r["seq"]), r["ts"], r["employee_id"] or None, r["kind"], r["data"], r["prev_hash"], r["hash"])
            for r in table] == stored  # fmt: skip


def _read_exports(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    assert not list(folder.glob("*.part"))  # only complete files are left behind
    lines = [json.loads(line) for line in (folder / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    with (folder / "a.csv").open(encoding="utf-8", newline="") as handle:
        return lines, list(csv.DictReader(handle))


async def test_rows_filters_newest_first(store: Log) -> None:
    await store.fill(10, employee_id="ada")
    await store.fill(5, employee_id="bob")
    await store.log.append("budget_refused", {"scope": "office"}, employee_id="bob", ts=_ts(30))
    with store.engine.connect() as conn:
        assert [r.seq for r in rows(conn, limit=3)] == [16, 15, 14]
        assert [r.seq for r in rows(conn, limit=3, offset=3)] == [13, 12, 11]
        assert [r.seq for r in rows(conn, employee_id="bob", kind="model_call")] == [15, 14, 13, 12, 11]
        assert [r.seq for r in rows(conn, since=_ts(3), until=_ts(5))] == [15, 14, 5, 4]
        (refused,) = rows(conn, kind="budget_refused")
    assert refused.data == {"scope": "office"} and refused.employee_id == "bob" and refused.ts == _ts(30)


# --- property ----------------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
_payloads = st.lists(st.dictionaries(st.text(max_size=10), _json, max_size=5), min_size=1, max_size=6)
_COLUMNS = ("ts", "employee_id", "kind", "data", "prev_hash", "hash")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads=_payloads, target=st.data())
def test_any_payload_chains_and_any_single_character_edit_is_caught(
    payloads: list[dict[str, Any]], target: st.DataObject
) -> None:
    db = _PROPERTY_DB.get()
    asyncio.run(db.append_all(payloads))
    assert db.verify().ok

    # Draws depend only on this example's payloads, never on the log's earlier rows (hypothesis replays).
    seq = db.rows - len(payloads) + 1 + target.draw(st.integers(0, len(payloads) - 1), label="row")
    column = target.draw(st.sampled_from(_COLUMNS), label="column")
    (original,) = db.sql(f"SELECT {column} FROM audit WHERE seq = ?", seq)[0]
    index = target.draw(st.integers(0, 10**6), label="position") % len(original)
    replacement = target.draw(st.characters(exclude_categories=["Cs"]), label="char")
    if replacement == original[index]:
        replacement = "x" if replacement != "x" else "y"
    edited = original[:index] + replacement + original[index + 1 :]
    db.sql(f"UPDATE audit SET {column} = ? WHERE seq = ?", edited, seq)
    report = db.verify()
    db.sql(f"UPDATE audit SET {column} = ? WHERE seq = ?", original, seq)
    assert not report.ok
    assert report.problems == [f"row {seq}: contents changed after it was written"]
    assert db.verify().ok


class _PropertyDb(Log):
    rows = 0

    async def append_all(self, payloads: list[dict[str, Any]]) -> None:
        for data in payloads:
            await self.log.append("tool_call", data, employee_id="ada", ts=TS)
        self.rows += len(payloads)


class _Holder:
    """One database for the property test's examples (hypothesis and per-test fixtures don't mix)."""

    def __init__(self) -> None:
        self._db: _PropertyDb | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def get(self) -> _PropertyDb:
        if self._db is None:
            self._dir = tempfile.TemporaryDirectory()
            path = Path(self._dir.name) / "h.db"
            engine = open_database(path, Path(self._dir.name) / "backups")
            writer = _Writer(engine)
            writer.start()
            self._db = _PropertyDb(path, engine, writer, AuditLog(writer))
        return self._db

    def close(self) -> None:
        if self._db is not None and self._dir is not None:
            asyncio.run(self._db.writer.close())
            self._db.engine.dispose()
            self._dir.cleanup()
            self._db = None


_PROPERTY_DB = _Holder()


@pytest.fixture(autouse=True, scope="module")
def _close_property_db() -> Iterator[None]:
    yield
    _PROPERTY_DB.close()
