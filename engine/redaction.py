"""One redactor for everything Headcount keeps: stored secrets and credential shapes, masked at the door.

Every text written to the database (model replies, tool arguments and results, approvals, task
text), the workspace, the audit log and its exports, and the logs passes `redact`: each secret value
the keyring holds (learnt by `remember`) and any text shaped like a credential (one list, `_SCRUBS`)
becomes `***`. `Redactor` applies the same to a structured payload and also masks any value under a
secret-looking key (`api_key`, `password`, `access_token`, `authorization`, ...), at any depth:
the audit log stores only what it returns.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final

MASK: Final = "***"
_MIN_SECRET_LEN = 4  # shorter values would mask ordinary words

_known: set[str] = set()
_known_lock = threading.Lock()
_ordered: tuple[str, ...] = ()  # _known, longest first; rebuilt only when a secret is learnt


def remember(value: str) -> None:
    """Mask `value` in everything `redact` sees from now on."""
    global _ordered
    if len(value) >= _MIN_SECRET_LEN:
        with _known_lock:
            if value not in _known:
                _known.add(value)
                _ordered = tuple(sorted(_known, key=len, reverse=True))
                _redact_key.cache_clear()  # a payload key may be the secret just learnt


def redact(text: str, *extra: str) -> str:
    """`text` with every known secret value, any of `extra`, and anything shaped like a credential masked."""
    return scrub_text(_mask_known(text, extra))


def _mask_known(text: str, extra: tuple[str, ...] = ()) -> str:
    values = _ordered  # redact runs on every journaled and audited string: no lock, no sort on the hot path
    if extra:
        values = tuple(sorted({*values, *(e for e in extra if e and len(e) >= _MIN_SECRET_LEN)}, key=len, reverse=True))
    for value in values:  # longest first, so a key that contains another is masked whole
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact_call(arguments: str) -> str:
    """A tool call's arguments (JSON) as saved, shown for approval and run: the same call, minus its secrets.

    Unlike `redact`, words are not guessed at: "your password: click Settings" in an email stays as written,
    since what the owner approves is what is sent. A stored secret, a credential's shape (`sk-…`, a JWT, a
    private key) and the value of a secret-named field (`password`, `api_key`, ...) are masked; a call whose
    whole field was masked is then refused rather than run with the mask (`masked_fields`).
    """
    try:
        parsed = json.loads(arguments)
    except ValueError:
        return redact(arguments)  # not JSON: the call fails anyway; its text is kept as any text is
    if not isinstance(parsed, dict | list):
        return redact(arguments)
    clean = _call_value(parsed)
    if clean == parsed:
        return arguments  # as the model wrote it, byte for byte
    return json.dumps(clean, ensure_ascii=False, separators=(",", ":"))


def _call_value(value: Any, secret: bool = False) -> Any:
    if secret and value is not None and not isinstance(value, bool | Mapping | list):
        return MASK  # a secret-named field's value, whatever its type
    if isinstance(value, str):
        return _scrub(_mask_known(value), keep=_KEY_VALUE)
    if isinstance(value, Mapping):
        return {key: _call_value(item, is_secret_key(str(key))) for key, item in value.items()}
    if isinstance(value, list):
        return [_call_value(item, secret) for item in value]
    return value


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

_KEY_VALUE: Final = re.compile(
    r"(?i)((?:api[_-]?key|token|secret|password|passwd|pwd|authorization)"
    r"[\"']?\s*[=:]\s*[\"']?)(?!\*\*\*|(?i:bearer|basic)\s)[^\s\"'&,;}]+"
)

# (lowercase substrings one of which the pattern needs, pattern, replacement). The substring test
# is a fast C scan, so ordinary prose runs at most a pattern or two instead of all of them.
_SCRUBS: Final[list[tuple[tuple[str, ...], re.Pattern[str], str]]] = [
    (
        ("private key",),
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S),
        MASK,
    ),
    (("sk-", "pk-", "rk-"), re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{16,}"), MASK),  # OpenAI, Anthropic, kin
    (("sk-",), re.compile(r"sk-[A-Za-z0-9_\-]{8,}"), MASK),  # shorter OpenAI-style keys, pasted anywhere
    (("gsk_",), re.compile(r"gsk_[A-Za-z0-9]{8,}"), MASK),  # Groq
    (("xai-",), re.compile(r"xai-[A-Za-z0-9]{8,}"), MASK),  # xAI
    (("_live_", "_test_"), re.compile(r"\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{10,}"), MASK),  # Stripe
    (
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
        MASK,
    ),
    (("xox",), re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), MASK),  # Slack
    (("akia", "asia"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),  # AWS access key id
    (("aiza",), re.compile(r"AIza[0-9A-Za-z_\-]{20,}"), MASK),  # Google
    (("eyj",), re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), MASK),  # JWT
    (("bearer",), re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=\-]{16,}"), rf"\1{MASK}"),
    (("bearer",), re.compile(r"(?<=Bearer )[A-Za-z0-9._\-]{8,}"), MASK),  # a capitalised header, shorter tokens
    (("basic",), re.compile(r"\b(Basic\s+)(?=[A-Za-z0-9+/]*[0-9=])[A-Za-z0-9+/]{12,}={0,2}"), rf"\1{MASK}"),
    (("://",), re.compile(r"(://[^/\s:@]+:)[^/\s@]+@"), rf"\1{MASK}@"),  # credentials in URLs
    (("key", "token", "secret", "pass", "pwd", "authorization"), _KEY_VALUE, rf"\1{MASK}"),
]

_ANY_NEEDLE: Final = re.compile("|".join(re.escape(needle) for needles, _, _ in _SCRUBS for needle in needles))


@functools.lru_cache(maxsize=4096)  # keys repeat in every payload of a kind
def is_secret_key(key: str) -> bool:
    normal = re.sub(r"[^a-z0-9]", "", key.lower())
    return normal in _SECRET_KEYS or normal.endswith(_SECRET_KEY_ENDINGS)


def scrub_text(text: str) -> str:
    """Mask well-known credential shapes in free text (API keys, tokens, URL passwords, key=value)."""
    return _scrub(text)


def _scrub(text: str, keep: re.Pattern[str] | None = None) -> str:
    """`scrub_text`, passing over the pattern `keep` (the key=value guess, for a call's own words)."""
    lowered = text.lower()
    if _ANY_NEEDLE.search(lowered) is None:  # the common case, in one pass
        return text
    for needles, pattern, replacement in _SCRUBS:
        if pattern is keep:
            continue
        if any(needle in lowered for needle in needles):
            if pattern is _KEY_VALUE and not _names_a_value(lowered):
                continue  # "key", "pass" and "token" are common words: the regex only where one is assigned
            text = pattern.sub(replacement, text)
    return text


_KEY_WORDS: Final = ("apikey", "api_key", "api-key", "token", "secret", "password", "passwd", "pwd", "authorization")


def _names_a_value(lowered: str) -> bool:
    """Whether some key word is followed by `=` or `:` (after an optional quote and spaces): `_KEY_VALUE`'s cue."""
    for word in _KEY_WORDS:
        at = lowered.find(word)
        while at != -1:
            rest = lowered[at + len(word) : at + len(word) + 8].lstrip("\"'").lstrip()
            if rest[:1] in ("=", ":"):
                return True
            at = lowered.find(word, at + 1)
    return False


@functools.lru_cache(maxsize=4096)  # keys repeat in every payload of a kind
def _redact_key(key: str) -> str:
    return redact(key)


class Redactor:
    """Makes a payload safe to keep: `redact` (with an injected extra step first, if any) and secret-key masking."""

    def __init__(self, extra: Callable[[str], str] | None = None) -> None:
        self._extra = extra
        self._redact: Callable[[str], str] = (lambda text: redact(extra(text))) if extra else redact

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, Mapping):
            clean: dict[str, Any] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise TypeError(f"audit data keys must be strings, not {type(key).__name__}: {key!r}")
                masked = is_secret_key(key) and item is not None and not isinstance(item, bool)
                clean[_redact_key(self._extra(key) if self._extra else key)] = MASK if masked else self(item)
            return clean
        if isinstance(value, list | tuple):
            return [self(item) for item in value]
        return value  # numbers, booleans, None; anything else fails canonical_json at the edge

    def _text(self, text: str) -> str:
        text = self._redact(text)  # stored secrets and credential shapes
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):  # JSON inside a string (tool arguments as sent): mask by key too
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict | list):
                clean = self(parsed)
                if clean != parsed:  # in the audit's one JSON spelling (engine.audit_export.canonical_json)
                    return json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return text


class RedactingFilter(logging.Filter):
    """Masks secrets in log messages and tracebacks: `handler.addFilter(RedactingFilter())`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def masked_fields(arguments: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The argument paths whose value was masked when a call was saved: a secret key's `***`, or `***` alone.

    A call read back from the database (resumed after an approval or a crash) carries `***` where the
    model's secret was; running it would send the mask itself as the password.
    """
    found: list[str] = []
    for key, value in arguments.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            found += masked_fields(value, f"{path}.")
        elif isinstance(value, str) and (value == MASK or (MASK in value and is_secret_key(str(key)))):
            found.append(path)
    return found
