"""What the rehearsal model writes: the employee's brief as parsed text, and a structured markdown draft.

Templates, not intelligence: the point is a draft that is visibly about the task and the role, shaped by
the brief's goals, tone and constraints, so an owner can see the whole flow work before adding a key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field


def _words(*chunks: str) -> frozenset[str]:
    return frozenset(" ".join(chunks).split())


_STOPWORDS = _words(
    "a an and are as at be by can could do for from have he her his i in is it its me my of on or our",
    "please she so that the their them there these they this to up us we what when which who will with",
    "would you your about into some all any just also then than make write draft get new next",
)
_MESSAGE_WORDS = _words(
    "email mail newsletter post announcement letter reply invite invitation message tweet social blog",
    "update outreach pitch",
)
_PLAN_WORDS = _words("plan schedule calendar roadmap agenda timeline week month campaign launch")


@dataclass(frozen=True, slots=True)
class Brief:
    """The parts of an employee's system prompt the rehearsal model uses."""

    title: str = "Employee"
    goals: tuple[str, ...] = ()
    tone: str = ""
    constraints: tuple[str, ...] = ()
    sections: dict[str, str] = field(default_factory=dict)


_LABEL = re.compile(
    r"(?i)^(goals|tone|constraints|success criteria|stop and hand over when|memory|skills)\b[^:\n]{0,80}:\s*(.*)$"
)
_OPENING = re.compile(r"^You are the (.+?) of a small business")


def parse_brief(system: str) -> Brief:
    """Read the prompt's `Label:` parts (and markdown `# Role:` / `## Section` blocks) leniently.

    A labelled part ends at a blank line; anything missing gets a default.
    """
    title = "Employee"
    sections: dict[str, list[str]] = {}
    current: str | None = None
    labelled = False  # the current part came from a `Label:` line, so a blank line ends it
    for line in system.splitlines():
        heading = re.match(r"^\s*(#{1,6})\s*(.+?)\s*#*\s*$", line)
        label = _LABEL.match(line)
        opening = _OPENING.match(line)
        if opening and title == "Employee":
            title, current = opening.group(1).strip(), None
        elif label:
            current, labelled = label.group(1).lower(), True
            sections.setdefault(current, [])
            if label.group(2).strip():
                sections[current].append(label.group(2))
        elif heading and len(heading.group(1)) == 1:
            role = re.match(r"(?i)role\s*[:\-]\s*(.+)", heading.group(2))
            title = (role.group(1) if role else heading.group(2)).strip() or title
            current = None
        elif heading:
            current, labelled = heading.group(2).strip().lower(), False
            sections.setdefault(current, [])
        elif labelled and not line.strip():
            current = None
        elif current is not None:
            sections[current].append(line)
    texts = {name: "\n".join(lines).strip() for name, lines in sections.items()}
    return Brief(
        title=title,
        goals=_items(_section(texts, "goal", "objective", "responsibilit")),
        tone=" ".join(_items(_section(texts, "tone", "voice", "style"))),
        constraints=_items(_section(texts, "constraint", "rule", "boundar", "never")),
        sections=texts,
    )


def _section(texts: dict[str, str], *prefixes: str) -> str:
    return next((text for name, text in texts.items() if name.startswith(prefixes)), "")


def _items(text: str) -> tuple[str, ...]:
    items = [re.sub(r"^\s*(?:[-*+•]|\d+[.)])\s*", "", line).strip() for line in text.splitlines()]
    return tuple(item for item in items if item)


def keywords(text: str, limit: int = 6) -> list[str]:
    """Distinct content words of `text`, in order of first appearance."""
    seen: list[str] = []
    for word in re.findall(r"[a-z0-9][a-z0-9'\-]*", text.lower()):
        word = word.strip("'-")
        if len(word) > 2 and word not in _STOPWORDS and word not in seen:
            seen.append(word)
    return seen[:limit]


def stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def headline(task: str, limit: int = 70) -> str:
    """The task's first sentence, trimmed to a title."""
    first = re.split(r"(?<=[.!?])\s|\n", task.strip(), maxsplit=1)[0].strip().rstrip(".!?")
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0] + "…"
    return first[:1].upper() + first[1:] if first else "Untitled task"


_LEADING = re.compile(
    r"^(?:(?:please|can you|could you|kindly)\s+)?"
    r"(?:(?:write|draft|create|prepare|compose|make|put together|send|email|plan|produce|do|give me|find|"
    r"research|summari[sz]e|outline|build|come up with|set up|organi[sz]e|update|review|check)\s+)?"
    r"(?:(?:a|an|the|our|my|me|us|some)\s+)?",
    re.IGNORECASE,
)


# "Content Writer: Launch the newsletter", as a sprint or an owner titles a part of a larger piece of work.
_LABELLED = re.compile(r"^([^:]{1,40}):\s+(\S.*)$")
_JOINING = frozenset({"for", "on", "about", "of", "to"})


def topic(task: str, limit: int = 60) -> str:
    """What the task is about, "Write the autumn newsletter and send it" -> "Autumn newsletter".

    A label before a colon gives way to what follows it ("Review and ship: Spring launch" -> "Spring
    launch"), unless it reads on into it ("Brief for: Spring launch" -> "Brief for spring launch").
    """
    text = headline(task, limit=200)
    if labelled := _LABELLED.match(text):
        label, rest = labelled.groups()
        text = f"{label} {_lower_first(rest)}" if label.split()[-1].lower() in _JOINING else rest
    text = _LEADING.sub("", text, count=1)
    text = re.split(r"\s+(?:and|then|so that|before|after)\s+|[,;(]|:(?!\S)", text, maxsplit=1)[0].strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0]
    return text[:1].upper() + text[1:] if text else headline(task)


def slug(text: str, limit: int = 48) -> str:
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")
    return value or "task"


def kind_of(task: str, brief: Brief) -> str:
    words = {stem(w) for w in keywords(task + " " + brief.title, limit=40)}
    if words & {stem(w) for w in _MESSAGE_WORDS}:
        return "message"
    if words & {stem(w) for w in _PLAN_WORDS}:
        return "plan"
    return "report"


def compose(task: str, brief: Brief, found: Sequence[str]) -> str:
    """The markdown draft for `task`; `found` lists what looking around turned up."""
    title = topic(task)
    formal = any(w in brief.tone.lower() for w in ("formal", "professional", "courteous"))
    goals = brief.goals or ("Do what the owner asked, clearly and on time",)
    parts = [
        f"# Rehearsal draft: {title}",
        "",
        f"_Prepared by your {brief.title} in rehearsal mode: written offline by Headcount's built-in "
        "rehearsal model from the brief and the task. Connect a real model for real writing._",
        "",
        "## The ask",
        "",
        "> " + task.strip().replace("\n", "\n> "),
        "",
        "## Draft",
        "",
    ]
    kind = kind_of(task, brief)
    if kind == "message":
        parts += [
            f"**Subject:** {title}",
            "",
            "Dear reader," if formal else "Hi there,",
            "",
            f"This is about {_lower_first(title)}."
            + (f" (Written to be {brief.tone.rstrip('.').lower()}.)" if brief.tone else ""),
            "",
            "What to include:",
            "",
            *[f"- {_sentence(goal)}" for goal in goals[:4]],
            "",
            "Reply to this message if you have questions; we are glad to help.",
            "",
            "Kind regards," if formal else "Best,",
            f"Your {brief.title}",
        ]
    elif kind == "plan":
        parts += [f"{n}. {step}" for n, step in enumerate(_plan_steps(title, goals), 1)]
    else:
        parts += [
            "### Summary",
            "",
            f"About {_lower_first(title)}: the key points and what to do next.",
            "",
            "### Key points",
            "",
            *[f"- {_sentence(goal)}" for goal in goals[:5]],
        ]
    parts += ["", "## How this serves the brief", ""]
    parts += [f"- Goal: {goal}" for goal in goals[:5]]
    if brief.tone:
        parts.append(f"- Tone: {brief.tone}")
    if brief.constraints:
        parts += ["", "## Constraints to check before this goes out", ""]
        parts += [f"- [ ] {rule}" for rule in brief.constraints[:6]]
    if found:
        parts += ["", "## What I looked at", "", *[f"- {item}" for item in found[:8]]]
    parts += [
        "",
        "## Next steps",
        "",
        "- Owner reviews this draft and marks changes.",
        "- Finalise and send.",
    ]
    return "\n".join(parts) + "\n"


def first_line(text: str, otherwise: str, limit: int = 120) -> str:
    """The first line with something on it, shortened; `otherwise` for a result with nothing in it."""
    return next((line.strip()[:limit] for line in text.splitlines() if line.strip()), otherwise)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _plan_steps(title: str, goals: Sequence[str]) -> list[str]:
    steps = [f"Agree the outcome for “{title}” and the date it is due."]
    steps += [f"Work toward: {goal}" for goal in goals[:3]]
    steps += ["Draft the material and share it for review.", "Review results and adjust the plan."]
    return steps
