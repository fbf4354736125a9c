"""The system prompt assembled from a brief: the same bytes on every model call.

Brief and skills come first so providers can cache the prefix; the engine appends memory and the
conversation after it. Nothing volatile (dates, ids, counters) belongs here.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.briefs.model import Brief
from engine.briefs.skills import Skill


def render_system_prompt(brief: Brief, skills: Iterable[Skill]) -> str:
    """The employee's system prompt. Only skills the brief attaches are listed, in the brief's order.

    Lean on purpose: one opening line, then each part under a short label (no markdown headers, no
    preamble); every token here is sent with every request of every task.
    """
    given = {s.name: s for s in skills}
    attached = [given[n] for n in brief.skills if n in given]
    parts = [
        f"You are the {_clean(brief.title)} of a small business, working for its owner.",
        _section("Goals", _bullets(brief.goals)),
        _section("Tone", _clean(brief.tone)),
    ]
    if brief.constraints:
        parts.append(_section("Constraints", _bullets(brief.constraints)))
    if brief.success_criteria:
        parts.append(_section("Success criteria", _bullets(brief.success_criteria)))
    if brief.escalate:
        rules = [f"{_clean(r.when)} -> {_recipient(r.to)}" for r in brief.escalate]
        parts.append(_section("Stop and hand over when", _bullets(rules)))
    if brief.body.strip():
        parts.append(_clean(brief.body))
    if attached:
        listed = "\n".join(f"- {s.name}: {_clean(s.description)}" for s in attached)
        parts.append(_section("Skills", listed))  # the `use_skill` tool says how to load one
    return "\n\n".join(parts) + "\n"


def _recipient(to: str) -> str:
    return "the owner" if to == "owner" else f"the {to} role"


def _section(title: str, text: str) -> str:
    # One line stays on the label's line ("Tone: Warm."); a list or paragraphs go below it.
    return f"{title}: {text}" if "\n" not in text and not text.startswith("- ") else f"{title}:\n{text}"


def _bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {_clean(i)}" for i in items)


def _clean(text: str) -> str:
    """Line endings and trailing spaces normalised so the same brief gives the same bytes anywhere."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")
