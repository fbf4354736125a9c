"""The audit log: one append-only, hash-chained row for everything an employee or the owner does.

Each row's `hash` is `sha256(prev_hash + canonical_json({"seq", "ts", "employee_id", "kind", "data"}))`
as lowercase hex, where canonical JSON means sorted keys, `(",", ":")` separators and
`ensure_ascii=False`, UTF-8 encoded; the first row's `prev_hash` is `GENESIS` (64 zeros). The `data`
column holds the canonical JSON text of the payload, so anyone can re-check the chain from an export
with a few lines of code. The settings key `audit_head` ("seq:hash") names the newest row and is
updated in the same transaction, so removing the newest rows is detected too. Rows are written on
the writer thread in commit order (`AuditLog.op`), in the same transaction as the step they describe,
so the audit never disagrees with the journal. The hashing primitives and everything that reads the
log back (verify, export, the viewer's query) live in `engine.audit_export`.

A hash chain kept next to the data detects edits by anyone who does not recompute it; someone who
rewrites every row after the edit *and* the anchor is caught only by an earlier copy of the head hash
(`VerifyReport.head`) or an export the owner kept.

Kinds and the payload each carries (keys are a convention, the log stores any JSON object):

- `model_call`: model, prompt_tokens, completion_tokens, cost_usd, brief_version, rehearsal, simulated
- `tool_call`: tool, arguments (redacted), status, result_sha256 (`digest(result)`, never the result)
- `approval_requested`: approval_id, tool, arguments (redacted), risk
- `approval_decided`: approval_id, decision (approved | rejected | expired), note, edited_arguments
- `deliverable_submitted`: deliverable_id, task_id, round, content_sha256
- `deliverable_decided`: deliverable_id, decision (accepted | revise), comment
- `budget_refused`: scope, ceiling, reserved_usd, spent_usd, limit_usd
- `budget_changed`: scope, per_turn_usd, per_day_usd, once (a one-off raise) or not
- `hours_changed`: transition (on_duty | off_duty | called_in), schedule
- `owner_action`: action, target, details
- `hired`: name, role, brief_version
- `brief_changed`: old_version, new_version
- `task_parked`: task_id, reason
- `task_recovered`: task_id, outcome (requeued | uncertain | checked), cause (a crash or a stop), tool, reason
- `restored`: source, kept (file names: the backup restored, the copy of the database it replaced), previous

Never holds a secret: every payload passes `engine.redaction.Redactor`, the one redactor the database,
workspace and logs use too (stored secrets and credential shapes masked; any value under a
secret-looking key such as `api_key`, `password`, `access_token` or `authorization` becomes `"***"`,
at any depth), after an injected `redact` step when one is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from engine import audit_export
from engine.audit_export import (
    ANCHOR_KEY,
    GENESIS,
    VerifyReport,
    canonical_json,
    chain_hash,
    digest,
    parse_anchor,
    payload_parts,
)
from engine.audit_text import KINDS as KINDS
from engine.redaction import Redactor
from engine.store import Connection
from engine.store import audit as audit_table
from engine.store.records import AuditRow
from engine.store.settings import upsert_setting
from engine.store.writer import Op, Writer

__all__ = ["GENESIS", "KINDS", "AuditLog", "AuditRow", "Redactor", "VerifyReport", "canonical_json", "digest"]


# --- the log ----------------------------------------------------------------------------------------


class AuditLog:
    """Writes audit rows through the one writer, chaining each to the last committed row."""

    def __init__(self, writer: Writer, *, redact: Callable[[str], str] | None = None) -> None:
        """`redact`: an extra step before the shared redactor's (engine.redaction), e.g. in a test."""
        self._writer = writer
        self._redactor = Redactor(redact)
        self._head: tuple[int, str] | None = None  # (seq, hash) as of the open transaction
        self._moved = False  # rows appended in the open transaction: the anchor must follow
        writer.rollback_listeners.append(self._forget_head)
        writer.commit_hooks.append(self._write_anchor)

    def op(self, kind: str, data: Mapping[str, Any], *, employee_id: str | None, ts: str) -> Op:
        """A writer op appending one row; commit it in the same write as the step it describes.

        Redaction and serialisation happen here, so a bad payload (unknown kind, NaN, an object that
        is not JSON) raises in the caller rather than failing the step's transaction.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown audit kind {kind!r}; expected one of {sorted(KINDS)}")
        data_text = canonical_json(self._redactor(data))
        parts = payload_parts(data_text, employee_id, kind, ts)  # also rejects unencodable text
        values = {"ts": ts, "employee_id": employee_id, "kind": kind, "data": data_text}

        def append_row(conn: Connection) -> None:
            seq, prev_hash = self._head if self._head is not None else _load_head(conn)
            seq += 1
            row_hash = chain_hash(prev_hash, seq, parts)
            audit_table.insert_row(conn, {**values, "seq": seq, "prev_hash": prev_hash, "hash": row_hash})
            self._head = (seq, row_hash)
            self._moved = True  # the anchor is written once per transaction, by _write_anchor

        return (append_row, None)

    async def append(self, kind: str, data: Mapping[str, Any], *, employee_id: str | None, ts: str) -> None:
        """Append one row on its own, committed with fsync, for events that have no step to ride with."""
        await self._writer.write(self.op(kind, data, employee_id=employee_id, ts=ts), full=True)

    def redact(self, value: Any) -> Any:
        """What the log would store for `value`: for other writers that must keep secrets out too."""
        return self._redactor(value)

    # Reads take a connection, so callers run them off the loop: `await journal.read(log.verify)`.

    @staticmethod
    def verify(conn: Connection) -> VerifyReport:
        """Recompute the chain from genesis; every edited, missing, moved or truncated row is named."""
        return audit_export.verify(conn)

    @staticmethod
    def export(conn: Connection, out: Path, fmt: Literal["jsonl", "csv"]) -> int:
        """Write every row to `out` (jsonl or csv) for the owner to keep; returns rows written."""
        return audit_export.export(conn, out, fmt)

    @staticmethod
    def rows(
        conn: Connection,
        *,
        employee_id: str | None = None,
        kind: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AuditRow]:
        """Rows for the audit viewer, newest first; `since <= ts < until`."""
        return audit_export.rows(
            conn, employee_id=employee_id, kind=kind, since=since, until=until, limit=limit, offset=offset
        )

    def _forget_head(self) -> None:
        self._head = None
        self._moved = False

    def _write_anchor(self, conn: Connection) -> None:
        """Writer commit hook: point the anchor at the newest row, in the same transaction."""
        if self._moved and self._head is not None:
            seq, row_hash = self._head
            upsert_setting(conn, ANCHOR_KEY, f"{seq}:{row_hash}")
            self._moved = False


def _load_head(conn: Connection) -> tuple[int, str]:
    """The head to chain from: the anchor, unless rows exist past it.

    After the newest rows were deleted the anchor still names the old head, so new rows keep
    chaining from it and verification keeps reporting the gap instead of it being papered over.
    """
    anchor = parse_anchor(audit_table.read_anchor(conn, ANCHOR_KEY))
    table_head = audit_table.read_newest(conn) or (0, GENESIS)
    if anchor is None or table_head[0] > anchor[0]:
        return table_head
    return anchor
