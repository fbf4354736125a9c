"""Facts from the owner's words, without a model: sentences that state a tone, a preference, a decision ...

Deterministic and deliberately narrow: a sentence becomes a memory only when it says so plainly
("our tone is ...", "Acme prefers ...", "we decided ... because ..."); chatter matches no rule and is
kept only in the day's journal entry. A real model's own `remember` calls catch the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.briefs.model import MemoryKind

_RULES: tuple[tuple[MemoryKind, re.Pattern[str]], ...] = (
    (
        "decisions",
        re.compile(
            r"\b(?:we(?:'ve| have)? decided|i(?:'ve| have)? decided|decided to|the decision is|we agreed|"
            r"agreed to|from now on|going forward)\b",
            re.I,
        ),
    ),
    ("tone", re.compile(r"\b(?:tone|voice|writing style)\b", re.I)),
    ("contacts", re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d ()-]{7,}\d")),
    (
        # "likes" and "wants" only in the third person: "I'd like you to ..." is an instruction, not a taste.
        "preferences",
        re.compile(r"\b(?:prefers?|likes|loves?|hates?|dislikes?|wants|would rather|always|never)\b", re.I),
    ),
    ("customers", re.compile(r"\b(?:customer|client)s?\b", re.I)),
    (
        "feedback",
        re.compile(r"\b(?:good job|well done|great work|too (?:long|short|formal|casual|wordy)|next time)\b", re.I),
    ),
    ("facts", re.compile(r"\b(?:remember that|note that|keep in mind|for the record|fyi)\b", re.I)),
)
_NAME = r"([A-Z][\w&'’-]*(?:\s+(?:[A-Z][\w&'’-]*|&))*)"
_SUBJECT = re.compile(_NAME + r"\s+(?:prefers?|likes|loves?|hates?|dislikes?|wants|would rather|always|never)\b")
_CUSTOMER = re.compile(r"\b(?:customer|client)s?\s+" + _NAME)
_LEAD_IN = re.compile(
    r"^(?:please\s+)?(?:remember(?: that)?|note(?: that)?|keep in mind(?: that)?|for the record|fyi|"
    r"by the way|also|and)[,:]?\s+",
    re.I,
)
_WHY = re.compile(r"\s+(?:because|since|so that)\s+|\s*[;(—-]\s*why:?\s*", re.I)
_NOT_NAMES = frozenset({"I", "We", "Our", "The", "They", "He", "She", "It", "You", "Please", "And", "Also"})


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: MemoryKind
    text: str
    subject: str = ""
    why: str = ""
    decided_by: str = ""


def sentences(text: str) -> list[str]:
    out: list[str] = []
    for line in text.replace("\r", "\n").split("\n"):
        line = re.sub(r"^\s*(?:[-*+•]|\d+[.)])\s+", "", line).strip()
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()]
    return [s for s in out if 12 <= len(s) <= 400]


def extract(text: str, *, decided_by: str = "the owner") -> list[Candidate]:
    """Every sentence of `text` that states something worth keeping, with its kind and subject."""
    found: list[Candidate] = []
    for sentence in sentences(text):
        kind = next((k for k, rule in _RULES if rule.search(sentence)), None)
        if kind is None:
            continue
        said = _LEAD_IN.sub("", sentence).strip()
        said = said[:1].upper() + said[1:]
        if kind == "decisions":
            what, why = _split_why(said)
            found.append(Candidate(kind, what, why=why, decided_by=decided_by))
        elif kind == "tone":
            found.append(Candidate(kind, said, subject="tone"))
        else:
            subject = _subject(kind, said)
            if kind == "customers" and not subject:
                continue  # "reply to the customer" is work, not something to know about a customer
            found.append(Candidate(kind, said, subject=subject))
    return found


def decisions(text: str, *, decided_by: str) -> list[Candidate]:
    """Only the decisions stated in `text` (an employee's reply: what it did is in the journal already)."""
    return [c for c in extract(text, decided_by=decided_by) if c.kind == "decisions"]


def _split_why(sentence: str) -> tuple[str, str]:
    """(what was decided, why), when the sentence gives a reason after "because", "so that", "why:"."""
    parts = _WHY.split(sentence, maxsplit=1)
    if len(parts) == 2 and parts[1].strip():
        what = parts[0].rstrip(" ,;")
        why = parts[1].strip().rstrip(").")
        return (what if what.endswith((".", "!", "?")) else what + "."), why[:1].upper() + why[1:] + "."
    return sentence, ""


def _subject(kind: str, sentence: str) -> str:
    match = (_SUBJECT if kind != "customers" else _CUSTOMER).search(sentence)
    if match is None or match.group(1) in _NOT_NAMES:
        return ""
    return match.group(1).strip()
