"""Retry policy for model calls: which failures are worth another try, how long to wait, how to explain it.

We retry ourselves (litellm and the OpenAI client are told not to) so the waiting goes through the
injected clock, tests never sleep, and the owner gets one clear sentence when a provider keeps failing.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Literal

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 20.0
RETRY_AFTER_CAP_S = 120.0  # a provider asking for longer than this is effectively down

Kind = Literal[
    "rate_limit", "timeout", "connection", "malformed", "server", "auth", "not_found", "bad_request", "config"
]
# A malformed reply is usually a proxy's or a local server's bad moment: worth another try.
RETRYABLE: frozenset[Kind] = frozenset({"rate_limit", "timeout", "connection", "malformed", "server"})


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt, classified."""

    kind: Kind
    label: str  # short, for the summary: "429 rate limited", "timed out after 60 s"
    detail: str = ""  # the provider's own words, already redacted
    retry_after_s: float | None = None

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter: attempt n waits between half and all of min(cap, base * 2**n)."""

    base_s: float = BACKOFF_BASE_S
    cap_s: float = BACKOFF_CAP_S
    jitter: float = 0.5  # fraction of the delay that is random; 0 makes delays exact

    def delay(self, attempt: int, rng: random.Random, retry_after_s: float | None = None) -> float:
        if retry_after_s is not None and retry_after_s >= 0:
            # The provider knows when it will be ready.
            return float(min(retry_after_s, RETRY_AFTER_CAP_S))
        full = min(self.cap_s, self.base_s * 2.0**attempt)
        return float(full * (1 - self.jitter * rng.random()))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds, or an HTTP date measured from `now`."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    if now is None:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


def summarize(attempts: Sequence[tuple[str, Failure]]) -> str:
    """One line for the owner: "429 rate limited x4 on openai/gpt-4o-mini; fallback openai/gpt-4o: ..."."""
    parts: list[str] = []
    models = list(dict.fromkeys(model for model, _ in attempts))
    for index, model in enumerate(models):
        labels = [f.label for m, f in attempts if m == model]
        grouped: list[tuple[str, int]] = []
        for label in labels:
            if grouped and grouped[-1][0] == label:
                grouped[-1] = (label, grouped[-1][1] + 1)
            else:
                grouped.append((label, 1))
        text = ", ".join(label if count == 1 else f"{label} x{count}" for label, count in grouped)
        parts.append(f"{text} on {model}" if index == 0 else f"fallback {model}: {text}")
    last = attempts[-1][1] if attempts else None
    detail = f" (last error: {last.detail})" if last and last.detail else ""
    return "provider kept failing: " + "; ".join(parts) + detail
