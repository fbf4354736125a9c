"""The shipped catalog, owner overrides, and custom employees from `new-role`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from engine.briefs import (
    BUILTIN_TOOLS,
    CATALOG_BELT,
    TOOLS,
    BriefError,
    Catalog,
    NewRoleAnswers,
    catalog_json,
    load_brief,
    load_catalog,
    new_role_brief,
    prompt_new_role,
    render_system_prompt,
)
from engine.paths import SHIPPED_BRIEFS, Home

TEAMS = {
    "marketing": {"marketing-lead", "content-writer", "social-media"},
    "sales": {"prospect-researcher", "outreach", "account-manager"},
    "support": {"support-triage", "support-resolver", "kb-writer"},
    "ops": {"bookkeeper", "ops-coordinator"},
    "legal": {"contract-reviewer"},
    "assistant": {"assistant"},
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(SHIPPED_BRIEFS)


def test_the_shipped_catalog_loads_without_errors(catalog: Catalog) -> None:
    assert catalog.errors == []
    assert len(catalog.teams) >= 6 and len(catalog.roles) >= 16
    for team_id, required in TEAMS.items():
        assert required <= set(catalog.teams[team_id].roles), team_id


def test_every_role_is_clean_small_and_works_with_the_builtins(catalog: Catalog) -> None:
    for brief in catalog.roles.values():
        assert brief.warnings == (), (brief.id, brief.warnings)
        assert len(brief.tools) <= CATALOG_BELT, brief.id
        assert BUILTIN_TOOLS - {"use_skill"} <= set(brief.tools), f"{brief.id} cannot work in rehearsal"
        assert set(brief.tools) <= set(TOOLS)
        assert len(brief.goals) >= 3 and len(brief.constraints) >= 3, brief.id
        assert len(brief.success_criteria) >= 3 and len(brief.escalate) >= 2, brief.id
        assert len(brief.body) > 300, brief.id
        assert brief.model.to_config().is_rehearsal
        # every brief loads the same with only the built-ins installed
        assert load_brief(brief.source, known_tools=BUILTIN_TOOLS) == brief


def test_every_team_has_its_lead_and_every_role_one_team(catalog: Catalog) -> None:
    membership = Counter(r for t in catalog.teams.values() for r in t.roles)
    assert set(membership) == set(catalog.roles) and set(membership.values()) == {1}
    for team in catalog.teams.values():
        lead = catalog.roles[team.lead]
        assert lead.lead and lead.team == team.id
        for role in team.roles:
            assert catalog.roles[role].team == team.id
            assert catalog.roles[role].lead == (role == team.lead)
    assert catalog.teams["legal"].lead == "contract-reviewer"
    assert catalog.teams["assistant"].lead == "assistant"


def test_escalations_and_skills_point_at_things_that_exist(catalog: Catalog) -> None:
    for brief in catalog.roles.values():
        for rule in brief.escalate:
            assert rule.to == "owner" or rule.to in catalog.roles, (brief.id, rule.to)
        assert set(brief.skills) <= set(catalog.skills), brief.id
    for skill in catalog.skills.values():
        assert set(skill.tools) <= set(TOOLS), skill.name


def test_every_role_has_its_own_colour(catalog: Catalog) -> None:
    colours = [b.appearance.color for b in catalog.roles.values()]
    assert len(set(colours)) == len(colours)


def test_catalog_json_shape(catalog: Catalog) -> None:
    data = catalog_json(catalog)
    assert json.loads(json.dumps(data)) == data
    assert list(data) == ["teams"]
    for team in data["teams"]:
        assert list(team) == ["id", "title", "lead", "roles"]
        assert team["roles"][0]["id"] == team["lead"]  # lead first
        for role in team["roles"]:
            assert list(role) == ["id", "title", "function"]
    by_id = {t["id"]: t for t in data["teams"]}
    assert set(TEAMS) <= set(by_id)
    assert by_id["assistant"] == {
        "id": "assistant",
        "title": "Personal assistant",
        "lead": "assistant",
        "roles": [{"id": "assistant", "title": "Personal Assistant", "function": "assistant"}],
    }


def test_every_catalog_prompt_renders(catalog: Catalog) -> None:
    for brief in catalog.roles.values():
        prompt = render_system_prompt(brief, catalog.skills.values())
        assert prompt == render_system_prompt(brief, catalog.skills.values())
        for skill in brief.skills:
            assert f"- {skill}: " in prompt


def owner_role(owner: Path, name: str, text: str) -> Path:
    path = owner / "roles" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_owner_briefs_override_shipped_ones_and_bad_ones_stop_nothing(tmp_path: Path) -> None:
    owner = tmp_path / "briefs"
    shipped_text = (SHIPPED_BRIEFS / "roles" / "assistant.md").read_text(encoding="utf-8")
    mine = owner_role(owner, "assistant", shipped_text.replace("title: Personal Assistant", "title: Right Hand"))
    owner_role(owner, "broken", "---\nid: broken\ntitle: [x\n---\n")
    owner_role(owner, "misnamed", "---\nid: other\ntitle: X\nfunction: ops\ngoals: [x]\n---\nbody\n")
    catalog = load_catalog(SHIPPED_BRIEFS, owner)
    assert catalog.roles["assistant"].title == "Right Hand"
    assert catalog.roles["assistant"].source == mine
    assert len(catalog.roles) == len(load_catalog(SHIPPED_BRIEFS).roles)  # all the others still load
    messages = sorted(str(e) for e in catalog.errors)
    assert len(messages) == 2
    assert f"{owner / 'roles' / 'broken.md'}:3: the front matter is not valid YAML" in messages[0]
    assert f"{owner / 'roles' / 'misnamed.md'}:2: field 'id': the id 'other' must match the file name" in messages[1]
    assert "Personal Assistant" in (SHIPPED_BRIEFS / "roles" / "assistant.md").read_text(encoding="utf-8")


def test_team_file_errors(tmp_path: Path) -> None:
    teams = tmp_path / "briefs" / "teams"
    teams.mkdir(parents=True)
    (teams / "crew.yaml").write_text(
        "id: crew\ntitle: Crew\nlead: captain\nroles: [assistant]\ndescription: x\n", encoding="utf-8"
    )
    (teams / "band.yaml").write_text(
        "id: band\ntitle: Band\nlead: assistant\nroles: [assistant, drummer]\ndescripton: x\n",
        encoding="utf-8",
    )
    (teams / "trio.yaml").write_text(
        "id: trio\ntitle: Trio\nlead: assistant\nroles: [assistant, bookkeepr]\ndescription: x\n",
        encoding="utf-8",
    )
    catalog = load_catalog(SHIPPED_BRIEFS, tmp_path / "briefs")
    messages = sorted(str(e) for e in catalog.errors)
    assert any("band.yaml:5: unknown field 'descripton' (did you mean 'description'?)" in m for m in messages)
    assert any("crew.yaml:3: field 'lead': the lead 'captain' is not one of the team's roles" in m for m in messages)
    expected = "trio.yaml: field 'roles': role 'bookkeepr' is not in the catalog (did you mean 'bookkeeper'?)"
    assert any(expected in m for m in messages)
    assert "trio" in catalog.teams and "band" not in catalog.teams


def answers(**changes: object) -> NewRoleAnswers:
    base: dict[str, object] = {
        "title": "Grant Writer",
        "function": "custom",
        "goals": (
            "Find two grants a month that fit the business",
            "Draft applications a week before deadlines",
        ),
        "tone": "Precise and persuasive.",
        "tools": ("list_files", "read_file", "write_file", "save_note", "search_notes", "web_fetch"),
    }
    return NewRoleAnswers.model_validate(base | changes)


def test_new_role_writes_a_valid_brief_to_the_owner_folder(headcount_home: Path) -> None:
    home = Home.resolve()
    path = new_role_brief(answers())
    assert path == home.briefs / "roles" / "grant-writer.md"
    assert not path.is_relative_to(SHIPPED_BRIEFS)
    brief = load_brief(path, known_tools=BUILTIN_TOOLS)
    assert (brief.id, brief.title, brief.function) == ("grant-writer", "Grant Writer", "custom")
    assert brief.goals == answers().goals and brief.tone == "Precise and persuasive."
    assert brief.tools == answers().tools and brief.escalate[0].to == "owner"
    catalog = load_catalog(SHIPPED_BRIEFS, home.briefs)
    assert catalog.errors == [] and "grant-writer" in catalog.roles
    custom = catalog_json(catalog)["teams"][-1]
    assert custom == {
        "id": "custom",
        "title": "Your own roles",
        "lead": None,
        "roles": [{"id": "grant-writer", "title": "Grant Writer", "function": "custom"}],
    }
    with pytest.raises(FileExistsError):
        new_role_brief(answers())
    assert new_role_brief(answers(tone="Bold."), overwrite=True) == path
    assert load_brief(path).tone == "Bold."


def test_new_role_validates_before_writing(tmp_path: Path) -> None:
    home = Home(tmp_path)
    with pytest.raises(BriefError, match="unknown tool 'web_serch'"):
        new_role_brief(answers(tools=("read_file", "web_serch")), home)
    assert not (tmp_path / "briefs").exists()
    with pytest.raises(ValueError, match="at least 1 item"):
        answers(goals=())


def test_new_role_can_override_a_shipped_role(tmp_path: Path) -> None:
    home = Home(tmp_path)
    new_role_brief(answers(id="assistant", title="My Assistant", function="assistant"), home)
    catalog = load_catalog(SHIPPED_BRIEFS, home.briefs)
    assert catalog.roles["assistant"].title == "My Assistant"


def test_prompt_new_role_asks_again_until_answers_are_valid(tmp_path: Path) -> None:
    replies = iter(
        [
            "",  # no title
            "Event Planner",
            "evnets",  # bad function
            "ops",
            "",  # no goal yet
            "Plan the quarterly customer evening",
            "Keep suppliers on schedule",
            "",
            "",  # default tone
            "read_file, write_fle",  # typo
            "read_file, write_file, crm_lookup",  # an app reached through an MCP server, none connected
            "read_file, write_file, web_fetch",
        ]
    )
    asked: list[str] = []
    printed: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        return next(replies)

    result = prompt_new_role(ask, printed.append)
    assert result.title == "Event Planner" and result.function == "ops"
    assert result.goals == ("Plan the quarterly customer evening", "Keep suppliers on schedule")
    assert result.tone == "Clear, friendly and professional."
    assert result.tools == ("read_file", "write_file", "web_fetch")
    assert any("did you mean 'events'" in p or "one of" in p for p in printed)
    assert any("unknown tool 'write_fle' (did you mean 'write_file'?)" in p for p in printed)
    assert any("'crm_lookup' needs the crm app's MCP server" in p and "headcount connect mcp crm" in p for p in printed)
    path = new_role_brief(result, Home(tmp_path))
    assert load_brief(path).warnings == ("tool 'web_fetch' needs the 'web' connection, which is not listed",)
