"""The audit log as stored: its canonical form and hash chain, verification, export, the viewer's reads.

`engine.audit` writes the log and documents the format; this module holds what both sides share and
everything that reads it back. Every reader takes a connection (run it off the event loop with
`journal.read(...)`) and streams rows, never loading them all at once.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from engine.store import Connection
from engine.store import audit as audit_table
from engine.store.audit import ANCHOR_KEY as ANCHOR_KEY  # kept beside the SQL that reads it; exported from here
from engine.store.audit import COLUMNS
from engine.store.records import AuditRow, audit_row

GENESIS: Final = "0" * 64

_MAX_PROBLEMS = 100
_MAX_SUSPECTS = 4096  # rows kept to work out where a moved row came from
_MAX_CANDIDATES = 512


# --- canonical form and the chain -------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """The one JSON spelling the chain hashes: sorted keys, compact, UTF-8, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest(text: str | bytes) -> str:
    """sha256 hex of a result or document, for payloads that must prove content without holding it."""
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def payload_parts(data_text: str, employee_id: str | None, kind: str, ts: str) -> tuple[bytes, bytes]:
    """The canonical JSON of a row around its seq: `prefix + str(seq) + suffix`.

    Built by embedding `data_text` as is (it is canonical when written), so a verifier that
    re-serialises the parsed row gets the same bytes, and any edit to the stored text shows.
    """
    dumps = json.dumps
    prefix = f'{{"data":{data_text},"employee_id":{dumps(employee_id, ensure_ascii=False)},'
    prefix += f'"kind":{dumps(kind, ensure_ascii=False)},"seq":'
    suffix = f',"ts":{dumps(ts, ensure_ascii=False)}}}'
    return prefix.encode("utf-8"), suffix.encode("utf-8")


def chain_hash(prev_hash: str, seq: int, parts: tuple[bytes, bytes]) -> str:
    return hashlib.sha256(prev_hash.encode("utf-8") + parts[0] + str(seq).encode("ascii") + parts[1]).hexdigest()


def parse_anchor(value: str | None) -> tuple[int, str] | None:
    """`"seq:hash"` from the settings table, or None when absent or malformed."""
    if not value:
        return None
    seq, _, hash_ = value.partition(":")
    if not seq.isdigit() or not re.fullmatch(r"[0-9a-f]{64}", hash_):
        return None
    return int(seq), hash_


# --- verify -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    rows: int
    problems: list[str] = field(default_factory=list)
    head: str = GENESIS  # hash of the newest row: note it down to catch a rewrite of the whole chain


@dataclass(slots=True)
class _Finding:
    first: int
    last: int
    what: Literal["missing", "changed", "moved", "broken"]
    offset: int = 0  # moved: written as seq + offset

    def extend(self, seq: int, what: str, offset: int = 0) -> bool:
        if what == self.what != "broken" and seq == self.last + 1 and offset == self.offset:
            self.last = seq
            return True
        return False

    def describe(self) -> str:
        one = self.first == self.last
        where = f"row {self.first}" if one else f"rows {self.first}–{self.last}"
        if self.what == "missing":
            return f"{where} missing"
        if self.what == "changed":
            return f"{where}: contents changed after {'it was' if one else 'they were'} written"
        if self.what == "moved":
            was = self.first + self.offset
            was_text = f"row {was}" if one else f"rows {was}–{self.last + self.offset}"
            return f"{where}: out of order ({'it was' if one else 'they were'} written as {was_text})"
        if self.first == 1:
            return "row 1: does not start the chain (its previous hash is not the genesis hash)"
        return f"row {self.first}: does not follow row {self.first - 1} (one of them was replaced)"


@dataclass(slots=True)
class _Suspect:
    seq: int
    parts: tuple[bytes, bytes] | None
    prev_hash: Any
    hash: Any


def verify(conn: Connection) -> VerifyReport:
    """Recompute the chain from genesis and report every edited, missing, moved or truncated row."""
    with audit_table.snapshot(conn):  # the anchor and the rows as of one commit, while the writer goes on
        return _check(conn, audit_table.read_anchor(conn, ANCHOR_KEY))


def _check(conn: Connection, anchor_value: str | None) -> VerifyReport:
    anchor = parse_anchor(anchor_value)
    findings: list[_Finding] = []
    suspects: list[_Suspect] = []
    missing: list[int] = []  # candidate origins for moved rows, bounded
    count, last_seq, last_hash, prev_bad = 0, 0, GENESIS, False
    anchored_hash: str | None = None

    def note(seq: int, what: Literal["missing", "changed", "moved", "broken"], offset: int = 0) -> None:
        if not (findings and findings[-1].extend(seq, what, offset)):
            findings.append(_Finding(seq, seq, what, offset))

    for seq, ts, employee_id, kind, data, prev_hash, row_hash in audit_table.stream_rows(conn):
        count += 1
        gap = seq != last_seq + 1
        if gap and seq > last_seq + 1:
            findings.append(_Finding(last_seq + 1, seq - 1, "missing"))
            missing.extend(range(last_seq + 1, min(seq, last_seq + 1 + _MAX_CANDIDATES - len(missing))))
        parts = _parts(data, employee_id, kind, ts)
        good = (
            parts is not None
            and isinstance(prev_hash, str)
            and isinstance(row_hash, str)
            and seq > 0
            and chain_hash(prev_hash, seq, parts) == row_hash
        )
        if not good:
            if len(suspects) < _MAX_SUSPECTS:
                suspects.append(_Suspect(seq, parts, prev_hash, row_hash))
            else:
                note(seq, "changed")
        elif not gap and not prev_bad and prev_hash != last_hash:
            note(seq, "broken")
        if anchor is not None and seq == anchor[0] and good:  # a changed row is reported already
            anchored_hash = row_hash
        last_seq, last_hash, prev_bad = seq, row_hash, not good

    tail: list[str] = []
    if anchor is None:
        if count:
            state = "missing" if anchor_value is None else "unreadable"
            tail.append(f"the anchor ({ANCHOR_KEY} in settings) is {state}, so removed newest rows cannot be ruled out")
    elif anchor[0] > last_seq:
        removed = anchor[0] - last_seq
        newest = "the newest row was" if removed == 1 else f"the newest {removed} rows were"
        tail.append(f"{newest} removed (anchor says {anchor[0]} rows, found {last_seq})")
        missing.extend(range(last_seq + 1, min(anchor[0], last_seq + _MAX_CANDIDATES - len(missing)) + 1))
    elif anchored_hash is not None and anchored_hash != anchor[1]:
        tail.append(f"row {anchor[0]} differs from the anchor (the newest rows were rewritten)")

    for seq, what, offset in _explain(suspects, missing):
        note(seq, what, offset)
    findings.sort(key=lambda f: f.first)
    problems = [f.describe() for f in findings] + tail
    if len(problems) > _MAX_PROBLEMS:
        problems = [*problems[:_MAX_PROBLEMS], f"... and {len(problems) - _MAX_PROBLEMS} more problems"]
    head = last_hash if isinstance(last_hash, str) else ""
    return VerifyReport(ok=not problems, rows=count, problems=problems, head=head)


def _parts(data: Any, employee_id: Any, kind: Any, ts: Any) -> tuple[bytes, bytes] | None:
    """The row's canonical bytes, or None when a column holds something the engine never writes."""
    if not (isinstance(data, str) and isinstance(kind, str) and isinstance(ts, str)):
        return None
    if employee_id is not None and not isinstance(employee_id, str):
        return None
    try:
        return payload_parts(data, employee_id, kind, ts)
    except UnicodeEncodeError:
        return None


def _explain(suspects: list[_Suspect], missing: list[int]) -> Iterator[tuple[int, Any, int]]:
    """Tell a moved row (its hash holds under another seq) from an edited one."""
    candidates = [s.seq for s in suspects[:_MAX_CANDIDATES]] + missing[:_MAX_CANDIDATES]
    offset: int | None = None
    for suspect in suspects:
        found: int | None = None
        if suspect.parts is not None and isinstance(suspect.prev_hash, str):
            tries = [suspect.seq + offset] if offset is not None else []
            if len(suspects) <= _MAX_CANDIDATES:
                tries += candidates
            for origin in tries:
                moved = origin > 0 and origin != suspect.seq
                if moved and chain_hash(suspect.prev_hash, origin, suspect.parts) == suspect.hash:
                    found = origin
                    break
        if found is None:
            offset = None
            yield suspect.seq, "changed", 0
        else:
            offset = found - suspect.seq
            yield suspect.seq, "moved", offset


# --- export and the viewer ------------------------------------------------------------------------


def export(conn: Connection, out: Path, fmt: Literal["jsonl", "csv"]) -> int:
    """Write every row to `out` for the owner to keep; returns the number of rows written.

    jsonl: one canonical JSON object per line with `data` as an object, so each line re-hashes with
    the documented formula. csv: `data` as its stored JSON text. The file appears only when complete.
    """
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown export format {fmt!r}; expected jsonl or csv")
    partial = out.with_name(out.name + ".part")
    count = 0
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle) if fmt == "csv" else None
            if writer is not None:
                writer.writerow(COLUMNS)
            for row in audit_table.stream_rows(conn):
                if writer is not None:
                    writer.writerow(row)
                else:
                    record = dict(zip(COLUMNS, row, strict=True))
                    record["data"] = _load(row[4])
                    handle.write(canonical_json(record) + "\n")
                count += 1
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return count


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
    """Rows for the audit viewer, newest first; `since <= ts < until` (ISO timestamps)."""
    page = audit_table.read_page(
        conn, employee_id=employee_id, kind=kind, since=since, until=until, limit=limit, offset=offset
    )
    return [audit_row(tuple(row)) for row in page]


def _load(text: Any) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text  # a damaged row is exported as found; verify says what is wrong with it
