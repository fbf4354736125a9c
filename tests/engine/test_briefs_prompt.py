"""Prompt assembly: deterministic, byte-stable, ordered, nothing volatile."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from engine.briefs import load_brief, load_catalog, render_system_prompt
from engine.paths import SHIPPED_BRIEFS

SMALL = """---
id: writer
title: Writer
function: marketing
goals:
  - Write one article a week
  - Keep a list of ideas
tone: Warm and plain.
constraints: [Never publish without approval]
success_criteria: [Drafts need one round of edits at most]
escalate:
  - when: A claim needs checking
    to: marketing-lead
  - when: Anything about money
    to: owner
skills: [brand-voice]
---
Write for busy owners.<trailing spaces>

Keep it short.
""".replace("<trailing spaces>", "   ")

EXPECTED = """You are the Writer of a small business, working for its owner.

Goals:
- Write one article a week
- Keep a list of ideas

Tone: Warm and plain.

Constraints:
- Never publish without approval

Success criteria:
- Drafts need one round of edits at most

Stop and hand over when:
- A claim needs checking -> the marketing-lead role
- Anything about money -> the owner

Write for busy owners.

Keep it short.

Skills:
- brand-voice: {description}
"""


def test_prompt_is_exactly_the_documented_layout(tmp_path: Path) -> None:
    path = tmp_path / "writer.md"
    path.write_text(SMALL, encoding="utf-8")
    catalog = load_catalog(SHIPPED_BRIEFS)
    prompt = render_system_prompt(load_brief(path), catalog.skills.values())
    assert prompt == EXPECTED.format(description=catalog.skills["brand-voice"].description)


def test_prompt_is_byte_identical_across_loads_places_and_line_endings(tmp_path: Path) -> None:
    skills = list(load_catalog(SHIPPED_BRIEFS).skills.values())
    original = SHIPPED_BRIEFS / "roles" / "assistant.md"
    first = render_system_prompt(load_brief(original), skills)
    assert render_system_prompt(load_brief(original), skills) == first
    copy = tmp_path / "elsewhere" / "assistant.md"
    copy.parent.mkdir()
    shutil.copy(original, copy)
    assert render_system_prompt(load_brief(copy), reversed(skills)) == first
    crlf = tmp_path / "crlf.md"
    crlf.write_bytes(original.read_bytes().replace(b"\n", b"\r\n"))
    assert render_system_prompt(load_brief(crlf), skills).encode() == first.encode()


def test_sections_are_in_order_and_nothing_volatile_leaks(tmp_path: Path) -> None:
    catalog = load_catalog(SHIPPED_BRIEFS)
    for brief in catalog.roles.values():
        prompt = render_system_prompt(brief, catalog.skills.values())
        assert prompt.startswith(f"You are the {brief.title} of a small business")
        labels = [line.split(":")[0] for line in prompt.splitlines() if re.match(r"^[A-Z][a-z ]+( \(.*\))?:", line)]
        assert labels[:5] == ["Goals", "Tone", "Constraints", "Success criteria", "Stop and hand over when"]
        assert ("Skills" in labels) == bool(brief.skills)
        assert brief.body.strip().splitlines()[0].strip() in prompt  # the body follows, with no header
        assert brief.version not in prompt
        assert str(brief.source) not in prompt
        assert brief.id not in prompt.splitlines()[0]


def test_prompt_changes_when_the_brief_changes(tmp_path: Path) -> None:
    path = tmp_path / "writer.md"
    path.write_text(SMALL, encoding="utf-8")
    before = render_system_prompt(load_brief(path), ())
    path.write_text(SMALL.replace("Warm and plain.", "Crisp."), encoding="utf-8")
    after = render_system_prompt(load_brief(path), ())
    assert before != after and "\nTone: Crisp.\n" in after
    assert "Skills" not in after  # no skill objects given, so none listed
