"""Words of a text, for index queries and for telling duplicates apart: plain, deterministic, no model."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers him his how i if in into is it its itself just let me more most my no nor not now of off on once
    only or other our ours out over own please same she should so some such than that the their theirs them
    then there these they this those through to too under until up us very was we were what when where which
    while who whom why will with would you your yours yourself today tomorrow yesterday task""".split()  # noqa: SIM905
)
SAME = 0.8  # content-word overlap (Jaccard) at which two memories of one kind say the same thing
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


def keywords(text: str, limit: int = 12) -> list[str]:
    """Distinct content words of `text`, lowercase, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in _WORD.finditer(text.lower()):
        word = match.group(0).replace("’", "'").split("'")[0]
        if word in STOPWORDS or (len(word) < 3 and not word.isdigit()):
            continue
        seen.setdefault(word, None)
        if len(seen) >= limit:
            break
    return list(seen)


def word_set(text: str) -> frozenset[str]:
    """Content words with a crude plural fold, for comparing two memories."""
    words = keywords(text, 200)
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the content words of `a` and `b` (1.0: the same words)."""
    left, right = word_set(a), word_set(b)
    if not left or not right:
        return 1.0 if a.strip().lower() == b.strip().lower() else 0.0
    return len(left & right) / len(left | right)


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut at a word with an ellipsis when longer than `limit` characters."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
