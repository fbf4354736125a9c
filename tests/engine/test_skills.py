"""Skills: loaded with clear errors, listed by name only, and loaded on demand through use_skill."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.briefs import (
    BriefError,
    Skill,
    load_brief,
    load_skill,
    load_skills,
    render_system_prompt,
    use_skill_tool,
)
from engine.paths import SHIPPED_BRIEFS
from engine.tools.base import ToolContext, ToolError

SHIPPED_SKILLS = SHIPPED_BRIEFS / "skills"


def make_skill(root: Path, name: str, front: str, body: str = "Do the thing well.", **files: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")
    for file_name, text in files.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(employee_id="emp-1", task_id="task-1", workspace=tmp_path)


def test_the_shipped_skills_load() -> None:
    skills = load_skills([SHIPPED_SKILLS])
    assert len(skills) >= 6
    assert {
        "brand-voice", "weekly-report", "cold-email-structure",
        "ticket-triage-rubric", "bookkeeping-categories", "contract-red-flags",
    } <= set(skills)  # fmt: skip
    for skill in skills.values():
        assert 20 <= len(skill.description) <= 300
        assert len(skill.body) > 500, f"{skill.name} is too thin to be useful"
    assert skills["bookkeeping-categories"].references == ("categories.csv",)
    assert skills["brand-voice"].references == ("checklist.md",)


def test_a_skill_folder_with_reference_files(tmp_path: Path) -> None:
    make_skill(tmp_path, "pricing", "name: pricing\ndescription: How we price.", **{"rates.csv": "a,b\n"})
    (tmp_path / "pricing" / "more").mkdir()
    (tmp_path / "pricing" / "more" / "notes.md").write_text("x", encoding="utf-8")
    (tmp_path / "pricing" / ".hidden").write_text("x", encoding="utf-8")
    skill = load_skill(tmp_path / "pricing")
    assert skill.references == ("more/notes.md", "rates.csv")
    assert skill.body == "Do the thing well."


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("name: pricing\ndescripton: x", ":3: unknown field 'descripton' (did you mean 'description'?)"),
        ("name: pricing", ":2: missing required field 'description'"),
        (
            "name: other\ndescription: x",
            ":2: field 'name': the skill's name 'other' must match its folder's name",
        ),
        ("name: pricing\ndescription: [a, b]", ":3: field 'description': expected a string, got a list"),
    ],
)
def test_skill_errors_are_located(tmp_path: Path, front: str, expected: str) -> None:
    make_skill(tmp_path, "pricing", front)
    with pytest.raises(BriefError) as info:
        load_skill(tmp_path / "pricing")
    assert f"{tmp_path / 'pricing' / 'SKILL.md'}{expected}" in str(info.value)


def test_a_skill_needs_a_skill_file_and_instructions(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(BriefError, match=r"needs a SKILL\.md"):
        load_skill(tmp_path / "empty")
    make_skill(tmp_path, "blank", "name: blank\ndescription: x", body="")
    with pytest.raises(BriefError, match="no instructions"):
        load_skill(tmp_path / "blank")


def test_load_skills_collects_errors_and_later_folders_override(tmp_path: Path) -> None:
    shipped, owner = tmp_path / "shipped", tmp_path / "owner"
    make_skill(shipped, "pricing", "name: pricing\ndescription: Shipped.")
    make_skill(shipped, "broken", "name: broken")
    make_skill(owner, "pricing", "name: pricing\ndescription: Mine.")
    with pytest.raises(BriefError):
        load_skills([shipped, owner])
    errors: list[BriefError] = []
    skills = load_skills([shipped, owner, tmp_path / "missing"], errors=errors)
    assert list(skills) == ["pricing"] and skills["pricing"].description == "Mine."
    assert len(errors) == 1 and "broken" in str(errors[0])


def brief_with_skills(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "writer.md"
    path.write_text(
        "---\nid: writer\ntitle: Writer\nfunction: marketing\ngoals: [Write]\n"
        f"skills: [{', '.join(names)}]\n---\nWrites.\n",
        encoding="utf-8",
    )
    return path


async def test_skills_are_names_only_until_use_skill_loads_the_body(tmp_path: Path, ctx: ToolContext) -> None:
    library = load_skills([SHIPPED_SKILLS])
    brief = load_brief(brief_with_skills(tmp_path, "brand-voice", "weekly-report"), known_skills=library)
    prompt = render_system_prompt(brief, library.values())
    voice = library["brand-voice"]
    assert f"- brand-voice: {voice.description}" in prompt
    assert "- weekly-report: " in prompt
    assert "contract-red-flags" not in prompt  # in the library, not attached
    assert voice.body.splitlines()[2] not in prompt  # the instructions stay out of the prompt
    assert "Skills:\n- brand-voice" in prompt

    tool = use_skill_tool(library[n] for n in brief.skills)
    assert tool.spec.name == "use_skill" and tool.spec.risk == "read_only" and tool.spec.idempotent
    loaded = await tool.run(ctx, {"name": "brand-voice"})
    assert loaded.startswith("# Skill: brand-voice\n")
    assert voice.body.strip() in loaded
    assert "- brand-voice/checklist.md" in loaded
    checklist = await tool.run(ctx, {"name": "brand-voice/checklist.md"})
    assert checklist == (SHIPPED_SKILLS / "brand-voice" / "checklist.md").read_text(encoding="utf-8")


async def test_use_skill_refuses_skills_that_are_not_attached(ctx: ToolContext) -> None:
    library = load_skills([SHIPPED_SKILLS])
    tool = use_skill_tool([library["brand-voice"]])
    with pytest.raises(ToolError, match=r"no skill called 'contract-red-flags' \(your skills: brand-voice\)"):
        await tool.run(ctx, {"name": "contract-red-flags"})
    with pytest.raises(ToolError, match=r"has no file '\.\./\.\./secrets'"):
        await tool.run(ctx, {"name": "brand-voice/../../secrets"})
    with pytest.raises(ToolError, match="your skills: none"):
        await use_skill_tool([]).run(ctx, {"name": "brand-voice"})


def test_skill_model_is_frozen() -> None:
    skill = next(iter(load_skills([SHIPPED_SKILLS]).values()))
    assert isinstance(skill, Skill)
    with pytest.raises(ValueError, match="frozen"):
        skill.name = "x"  # type: ignore[misc]
