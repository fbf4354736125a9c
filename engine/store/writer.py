"""The one writer to SQLite: a dedicated thread that group-commits what producers send.

Producers `await writer.write(...)`; the call returns once the rows are committed, so an
acknowledged write survives `kill -9`. Many producers waiting at once share one commit.

A colocated writer (the headless office, whose loop draws nothing) commits on the loop's own thread
when the thread has nothing queued and no transaction open: the same connection, serialized by the same
lock, minus two thread wake-ups that cost more than the commit itself. A round's first write commits at
once, inside its producer's call (a lone employee's step is durable without a trip round the loop);
the writes that follow it in the same round commit together at the round's end. While rounds end with
several producers' writes (many employees at once), every write waits for its round's end: one commit
per round, group commit, until a round ends with one write again. Audit-grade (FULL) writes always go
to the thread, so an fsync never holds the loop and concurrent ones share it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from engine.store.db import StoreError, describe_sqlite_error

log = logging.getLogger(__name__)

Params = dict[str, Any] | list[dict[str, Any]] | tuple[Any, ...] | None
# A statement is SQLAlchemy Core; for the hottest writes a plain SQL string with :named params, or ? marks
# and a tuple (executed at the driver level: a third of the cost of a Core statement per step); or a function
# run on the writer thread inside the transaction, for rows that depend on the rows before them
# (the audit hash chain). Such functions must not await or block on anything but the connection.
WriteFn = Callable[[Connection], None]
Op = tuple[Executable | str | WriteFn, Params]

MAX_BATCH = 512


@dataclass(slots=True)
class _Request:
    ops: Sequence[Op]
    full: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


_STOP = object()
Resolve = Callable[[list["_Request"], BaseException | None], None]


class Writer:
    """Single writer thread with group commit.

    `full=True` marks audit-grade writes: their batch commits with `synchronous=FULL` (fsync),
    others rely on WAL with `synchronous=NORMAL`, which survives a killed process.
    """

    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH, colocate: bool = False) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Request | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="headcount-writer", daemon=True)
        self._inline = colocate
        self._lock = threading.Lock()  # held while a transaction is open, on the writer thread or inline
        self._count_lock = threading.Lock()
        self._pending = 0  # requests queued and not yet committed
        self._here: list[_Request] = []  # writes of the loop's current round, to commit on its thread
        self._conn: Connection | None = None  # the writer's connection, once the thread opened it
        self._round_open = False  # a write committed at once in the loop's current round
        self._crowded = False  # the last round's end committed several producers' writes: keep them together
        self._started = False
        self.closed = False
        self.commits = 0
        self.rows = 0
        self.rollback_listeners: list[Callable[[], None]] = []  # caches to drop after a failed batch
        self.commit_hooks: list[Callable[[Connection], None]] = []  # run once per transaction, inside it

    @property
    def colocated(self) -> bool:
        """Writes commit on the loop's thread (the headless office); reads may run there too."""
        return self._inline

    def start(self) -> None:
        """Start the writer thread. Call from the thread that runs the producers' event loop."""
        if not self._started:
            self._started = True
            # No CPU pinning: every thread and subprocess started from the loop's thread would inherit it
            # (a team's MCP servers crowded on one core), and on a shared machine every pinned office
            # lands on the same core: measured, the durable step took twice as long pinned as not.
            self._thread.start()

    async def close(self) -> None:
        self.closed = True
        self._send_round()  # this round's writes, committed by the thread before it stops
        if self._started and self._thread.is_alive():
            self._queue.put(_STOP)
            await asyncio.to_thread(self._thread.join)

    async def write(self, *ops: Op, full: bool = False) -> None:
        """Commit `ops` atomically (in one transaction with whatever else is waiting)."""
        if self.closed:
            raise StoreError("the database writer is closed; nothing more can be saved")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        request = _Request(ops, full, loop, future)
        if self._inline and not full and self._conn is not None:
            if not (self._crowded or self._round_open or self._here) and self._commit_at_once(request):
                # The round's first write: committed already (the future holds its outcome). Writes that
                # follow it in this round wait for the round's end, together.
                self._round_open = True
                loop.call_soon(self._end_round)
            else:
                # Committed on this thread at the end of the loop's current round, with every other write
                # made in it: group commit without the thread's two wake-ups.
                self._here.append(request)
                if len(self._here) == 1:
                    loop.call_soon(self._commit_round)
        else:
            self._to_thread(request)
        await future

    def _commit_at_once(self, request: _Request) -> bool:
        """Commit `request` now, on this thread, unless the writer thread has work queued or a transaction open."""
        conn = self._conn
        if conn is None or not self._lock.acquire(blocking=False):
            return False
        try:
            if self._pending:  # queued writes commit first: order is kept
                return False
            self._commit(conn, [request], _settle)
            return True
        finally:
            self._lock.release()

    def _end_round(self) -> None:
        self._round_open = False

    def _to_thread(self, request: _Request) -> None:
        self._send_round()  # writes made earlier in this round go first
        with self._count_lock:
            self._pending += 1
        self._queue.put(request)

    def _send_round(self) -> None:
        batch, self._here = self._here, []
        for request in batch:
            with self._count_lock:
                self._pending += 1
            self._queue.put(request)

    def _commit_round(self) -> None:
        """Commit this round's writes here, unless the thread has work queued or a transaction open."""
        conn = self._conn
        if not self._here or conn is None:
            return
        if not self._lock.acquire(blocking=False):
            self._send_round()
            return
        try:
            if self._pending:  # queued writes commit first: order is kept
                self._send_round()
                return
            batch, self._here = self._here, []
            self._crowded = len(batch) > 1
            self._commit(conn, batch, _settle)  # producers wait on this very loop: no wake-up needed
        finally:
            self._lock.release()

    # --- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            conn = self._engine.connect()
        except Exception as exc:  # unopenable: refuse every write rather than leave producers waiting
            path = Path(self._engine.url.database or "the database")
            reason = describe_sqlite_error(path, exc)
            log.error("the writer cannot open the database: %s", reason)
            self._refuse(reason)
            return
        self._conn = conn
        with conn:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                with self._lock:
                    batch: list[_Request] = [first]  # type: ignore[list-item]
                    stop = False
                    while len(batch) < self._max_batch:
                        try:
                            item = self._queue.get_nowait()
                        except queue.Empty:
                            break
                        if item is _STOP:
                            stop = True
                            break
                        batch.append(item)  # type: ignore[arg-type]
                    self._commit(conn, batch)
                    with self._count_lock:
                        self._pending -= len(batch)
                if stop:
                    return

    def _refuse(self, reason: str) -> None:
        while (item := self._queue.get()) is not _STOP:
            self._resolve([item], StoreError(reason))  # type: ignore[list-item]

    def _commit(self, conn: Connection, batch: list[_Request], resolve: Resolve | None = None) -> None:
        resolve = resolve or self._resolve
        full = any(r.full for r in batch)
        try:
            self._apply(conn, [r.ops for r in batch], full)
            resolve(batch, None)
        except Exception:
            self._rolled_back()
            # Isolate the failing request so one bad write never fails the others.
            for request in batch:
                try:
                    self._apply(conn, [request.ops], request.full)
                    resolve([request], None)
                except Exception as exc:
                    self._rolled_back()
                    resolve([request], _store_error(conn, exc))

    def _rolled_back(self) -> None:
        for listener in self.rollback_listeners:
            listener()

    def _apply(self, conn: Connection, batch: Sequence[Sequence[Op]], full: bool) -> None:
        raw = conn.connection.driver_connection  # pragmas outside SQLAlchemy's transaction bookkeeping
        assert raw is not None
        if full:
            raw.execute("PRAGMA synchronous=FULL")
        # The transaction is the driver's own (it begins before the first change, as under SQLAlchemy's
        # `begin()`, whose begin is a no-op for SQLite). Plain SQL goes straight to the driver; SQLAlchemy
        # keeps books only when a Core statement or a function uses `conn`, and then commits the same
        # transaction. Skipping its begin/commit bookkeeping otherwise saves ~10% of a one-row commit.
        try:
            for ops in batch:
                for op in ops:
                    apply_op(conn, raw, op)
            for hook in self.commit_hooks:
                hook(conn)
            if conn.in_transaction():
                conn.commit()  # the driver's commit, with SQLAlchemy's books closed
            else:
                raw.commit()
            self.commits += 1
            self.rows += sum(len(ops) for ops in batch)
        except BaseException:
            conn.rollback()  # also clears a transaction SQLAlchemy marked failed (a commit refused)
            raw.rollback()
            raise
        finally:
            if full:
                raw.execute("PRAGMA synchronous=NORMAL")

    @staticmethod
    def _resolve(batch: list[_Request], error: BaseException | None) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[_Request]] = {}
        for request in batch:
            by_loop.setdefault(request.loop, []).append(request)
        for loop, requests in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the producer's loop has closed; nobody waits
                loop.call_soon_threadsafe(_settle, requests, error)


def apply_op(conn: Connection, raw: Any, op: Op) -> None:
    """Run one op in the writer's open transaction (`raw`: the driver's connection under `conn`)."""
    statement, params = op
    if isinstance(statement, str):
        raw.execute(statement, params or {})
    elif callable(statement):
        statement(conn)
    else:
        conn.execute(statement, params)


def driver(conn: Connection) -> sqlite3.Connection:
    """The driver's connection under `conn`, for a write function's statements on the hot path.

    The writer's transaction is the driver's own (see `Writer._apply`), so statements run here join it,
    without SQLAlchemy's per-statement bookkeeping.
    """
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _settle(requests: list[_Request], error: BaseException | None) -> None:
    for request in requests:
        if request.future.done():
            continue
        if error is None:
            request.future.set_result(None)
        else:
            request.future.set_exception(error)


def _store_error(conn: Connection, exc: Exception) -> Exception:
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(original, sqlite3.OperationalError | sqlite3.DatabaseError):
        path = conn.engine.url.database or "the database"
        return StoreError(describe_sqlite_error(Path(path), original))
    return exc
