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

Never holds a secret: every string (keys included) goes through the injected `redact` and a
built-in scrub of well-known credential shapes, and any value under a secret-looking key
(`api_key`, `password`, `access_token`, `authorization`, ...) becomes `"***"`, at any depth.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, Literal

from engine import audit_export
from engine.audit_export import (
    ANCHOR_KEY,
    GENESIS,
    AuditRow,
    VerifyReport,
    canonical_json,
    chain_hash,
    digest,
    parse_anchor,
    payload_parts,
)
from engine.store import Connection
from engine.store import audit as audit_table
from engine.store.settings import upsert_setting
from engine.store.writer import Op, Writer

__all__ = ["GENESIS", "KINDS", "AuditLog", "AuditRow", "Redactor", "VerifyReport", "canonical_json", "digest"]

MASK: Final = "***"

KINDS: Final = frozenset(
    {
        "model_call",
        "tool_call",
        "approval_requested",
        "approval_decided",
        "deliverable_submitted",
        "deliverable_decided",
        "budget_refused",
        "provider_overbilled",
        "budget_changed",
        "hours_changed",
        "owner_action",
        "hired",
        "brief_changed",
        "task_parked",
        # teams (engine.teams)
        "hand_off",
        "sprint_planned",
        "sprint_approved",
        "task_reassigned",
        "task_escalated",
        "sprint_edited",
        "task_split",
        "escalated_to_owner",
        "sprint_rolled_over",
    }
)

# --- redaction ---------------------------------------------------------------------------------------

_SECRET_KEY_ENDINGS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",  # `prompt_tokens` ends in "tokens" and stays readable
    "apikey",
    "accesskey",
    "privatekey",
    "secretkey",
    "signingkey",
    "authorization",
    "cookie",
    "credential",
    "credentials",
)
_SECRET_KEYS = frozenset({"auth", "pwd", "pin", "otp", "sessionid"})

# (lowercase substrings one of which the pattern needs, pattern, replacement). The substring test
# is a fast C scan, so ordinary prose runs at most a pattern or two instead of all of them.
_SCRUBS: Final[list[tuple[tuple[str, ...], re.Pattern[str], str]]] = [
    (
        ("private key",),
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S),
        MASK,
    ),
    (("sk-", "pk-", "rk-"), re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{16,}"), MASK),  # OpenAI, Anthropic, kin
    (("_live_", "_test_"), re.compile(r"\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{10,}"), MASK),  # Stripe
    (
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
        MASK,
    ),
    (("xox",), re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), MASK),  # Slack
    (("akia", "asia"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),  # AWS access key id
    (("aiza",), re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"), MASK),  # Google
    (("eyj",), re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), MASK),  # JWT
    (("bearer",), re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=\-]{16,}"), rf"\1{MASK}"),
    (("basic",), re.compile(r"\b(Basic\s+)(?=[A-Za-z0-9+/]*[0-9=])[A-Za-z0-9+/]{12,}={0,2}"), rf"\1{MASK}"),
    (("://",), re.compile(r"(://[^/\s:@]+:)[^/\s@]+@"), rf"\1{MASK}@"),  # credentials in URLs
    (
        ("key", "token", "secret", "pass", "pwd", "authorization"),
        re.compile(
            r"(?i)((?:api[_-]?key|token|secret|password|passwd|pwd|authorization)"
            r"[\"']?\s*[=:]\s*[\"']?)(?!\*\*\*|(?i:bearer|basic)\s)[^\s\"'&,;}]+"
        ),
        rf"\1{MASK}",
    ),
]

_ANY_NEEDLE: Final = re.compile("|".join(re.escape(needle) for needles, _, _ in _SCRUBS for needle in needles))


@functools.lru_cache(maxsize=4096)  # keys repeat in every payload of a kind
def is_secret_key(key: str) -> bool:
    normal = re.sub(r"[^a-z0-9]", "", key.lower())
    return normal in _SECRET_KEYS or normal.endswith(_SECRET_KEY_ENDINGS)


def scrub_text(text: str) -> str:
    """Mask well-known credential shapes in free text (API keys, tokens, URL passwords, key=value)."""
    lowered = text.lower()
    if _ANY_NEEDLE.search(lowered) is None:  # the common case, in one pass
        return text
    for needles, pattern, replacement in _SCRUBS:
        if any(needle in lowered for needle in needles):
            text = pattern.sub(replacement, text)
    return text


_scrub_key = functools.lru_cache(maxsize=4096)(scrub_text)


class Redactor:
    """Makes a payload safe to keep: injected `redact`, built-in scrub, and secret-key masking."""

    def __init__(self, redact: Callable[[str], str] | None = None) -> None:
        self._redact = redact or (lambda text: text)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, Mapping):
            clean: dict[str, Any] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise TypeError(f"audit data keys must be strings, not {type(key).__name__}: {key!r}")
                masked = is_secret_key(key) and item is not None and not isinstance(item, bool)
                clean[_scrub_key(self._redact(key))] = MASK if masked else self(item)
            return clean
        if isinstance(value, list | tuple):
            return [self(item) for item in value]
        return value  # numbers, booleans, None; anything else fails canonical_json at the edge

    def _text(self, text: str) -> str:
        text = self._redact(text)
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):  # JSON inside a string (tool arguments as sent): mask by key too
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict | list):
                clean = self(parsed)
                if clean != parsed:
                    return canonical_json(clean)
        return scrub_text(text)


# --- the log ----------------------------------------------------------------------------------------


class AuditLog:
    """Writes audit rows through the one writer, chaining each to the last committed row."""

    def __init__(self, writer: Writer, *, redact: Callable[[str], str] | None = None) -> None:
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
