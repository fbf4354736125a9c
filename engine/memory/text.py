"""Words of a text, for index queries and for telling duplicates apart: plain, deterministic, no model."""

from __future__ import annotations

import re

from engine.cjk import runs, split_word

STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers him his how i if in into is it its itself just let me more most my no nor not now of off on once
    only or other our ours out over own please same she should so some such than that the their theirs them
    then there these they this those through to too under until up us very was we were what when where which
    while who whom why will with would you your yours yourself today tomorrow yesterday task""".split()  # noqa: SIM905
)
SAME = 0.8  # content-word overlap (Jaccard) at which two memories of one kind may say the same thing
REPEAT_BOOST = 0.1  # how much a repeat raises the importance of the memory it repeats
# Words that turn a statement round: "Do not call Acme on Mondays" is no repeat of "Call Acme on Mondays".
NEGATIONS = frozenset("no not never nor none nothing nobody neither without cannot".split())  # noqa: SIM905
# The same in Chinese, Japanese and Korean, found inside a run of characters ("不要", "しない", "않는다");
# "안" only as a word of its own ("안 간다"), since it begins many others ("안내").
CJK_NEGATIONS = ("不", "没", "沒", "未", "无", "無", "别", "別", "勿", "莫", "非", "ない", "ません", "않", "못", "없")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


def keywords(text: str, limit: int = 12) -> list[str]:
    """Distinct content words of `text`, lowercase, in order of first appearance.

    Chinese, Japanese and Korean count as their overlapping character pairs (`engine.cjk`): "周一开会" gives
    "周一", "一开" and "开会", the form the memory index holds.
    """
    seen: dict[str, None] = {}
    for match in _WORD.finditer(text.lower()):
        for word, cjk in split_word(match.group(0).replace("’", "'").split("'")[0]):
            if not cjk and (word in STOPWORDS or (len(word) < 2 and not word.isdigit())):  # "HR", "7" count
                continue
            seen.setdefault(word, None)
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def word_set(text: str) -> frozenset[str]:
    """Content words with a crude plural fold, for comparing two memories."""
    words = keywords(text, 200)
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def same_fact(a: str, b: str) -> bool:
    """Whether `b` repeats `a` (or says it more fully): most content words shared, none swapped for another.

    "Globex wants the report every Monday" and "... every Friday" share most words, but each has one the
    other lacks: a changed fact, not a repeat. So is a changed number ("net 2 days", "net 3 days"), and so
    is a negation added, dropped or moved ("Do not call Acme on Mondays"; "phone, not email").
    """
    left, right = word_set(a), word_set(b)
    if not left or not right:
        return a.strip().lower() == b.strip().lower()
    fuller = left <= right or right <= left
    return fuller and len(left & right) / len(left | right) >= SAME and _negations(a) == _negations(b)


def _negations(text: str) -> frozenset[str]:
    """What the text denies: the content word after each negation ("email, not phone": {"phone"})."""
    denied: set[str] = set()
    pending = False
    for match in _WORD.finditer(text.lower()):
        word = match.group(0).replace("’", "'")
        if word in NEGATIONS or word.endswith("n't"):
            pending = True
        elif pending and word not in STOPWORDS:
            denied.add(word)
            pending = False
    if pending:
        denied.add("")  # a negation at the very end ("... or not")
    for run in runs(text):
        if run == "안":
            denied.add(run)
        for marker in CJK_NEGATIONS:
            at = run.find(marker)
            while at >= 0:
                denied.add(run[at : at + len(marker) + 1])  # the negation with what it denies: "不要", "没有"
                at = run.find(marker, at + 1)
    return frozenset(denied)


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut at a word with an ellipsis when longer than `limit` characters."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
