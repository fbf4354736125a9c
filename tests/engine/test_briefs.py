"""Loading briefs: defaults, located errors with line numbers, typo suggestions, tool-belt limits."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import yaml

from engine.briefs import (
    BUILTIN_TOOLS,
    Brief,
    BriefError,
    BriefFields,
    Window,
    load_brief,
    missing_tools,
    parse_brief,
)
from engine.briefs.vocabulary import TOOLS
from engine.llm.types import REHEARSAL_MODEL, Price
from engine.paths import SHIPPED_BRIEFS

MINIMAL = """---
id: crash-clerk
title: Crash clerk
function: ops
goals: [Record every entry exactly once]
tone: terse
tools: [record_entry, stamp]
---
Records entries in the ledger.
"""


def write(tmp_path: Path, text: str | bytes, name: str = "writer.md") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def brief_text(*lines: str, body: str = "Writes things.") -> str:
    head = ["id: writer", "title: Writer", "function: marketing", "goals: [Write well]"]
    return "---\n" + "\n".join([*head, *lines]) + f"\n---\n{body}\n"


def error_of(tmp_path: Path, text: str | bytes, **kwargs: object) -> BriefError:
    path = write(tmp_path, text)
    with pytest.raises(BriefError) as info:
        load_brief(path, **kwargs)  # type: ignore[arg-type]
    assert str(info.value).startswith(f"{path}:")
    return info.value


def test_the_assistant_loads_clean_with_the_builtins_and_app_tools_installed() -> None:
    from engine.apps.plane import app_tools

    path = SHIPPED_BRIEFS / "roles" / "assistant.md"
    installed = {*BUILTIN_TOOLS, *(t.spec.qualified_name for t in app_tools())}
    brief = load_brief(path, known_tools=installed)
    assert brief.id == "assistant" and brief.function == "assistant" and brief.team == "assistant"
    assert brief.warnings == ()
    assert brief.source == path
    assert brief.version == hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    assert brief.model.to_config().is_rehearsal
    assert brief.body.startswith("You look after one busy person")
    assert missing_tools(brief.tools, TOOLS) == []  # every name it grants is the engine's own (issue 13)
    assert {"read_inbox", "draft_email", "send_email", "calendar_list", "calendar_create"} <= set(brief.tools)


def test_a_minimal_brief_gets_the_documented_defaults(tmp_path: Path) -> None:
    brief = load_brief(write(tmp_path, MINIMAL), known_tools=None)
    assert brief.tools == ("record_entry", "stamp")
    assert brief.heartbeat_minutes == 60
    assert brief.max_actions_per_turn == 25
    assert brief.probation == 3
    assert brief.approvals.require == ("external_comm", "spends_money", "destructive")
    assert brief.approvals.needs_approval("external_comm") and not brief.approvals.needs_approval("read_only")
    assert brief.hours.always and brief.lead is False and brief.team is None
    assert brief.budget.per_day_usd is None
    assert brief.model.to_config().model == REHEARSAL_MODEL
    assert dict(brief.appearance.as_pairs())["color"] == "#64748b"


def test_brief_is_frozen(tmp_path: Path) -> None:
    brief = load_brief(write(tmp_path, MINIMAL))
    with pytest.raises(ValueError, match="frozen"):
        brief.title = "Other"  # type: ignore[misc]


def test_model_accepts_a_string_and_a_full_mapping(tmp_path: Path) -> None:
    short = load_brief(write(tmp_path, brief_text("model: openai/gpt-4o-mini")))
    assert short.model.to_config().model == "openai/gpt-4o-mini"
    full = load_brief(
        write(
            tmp_path,
            brief_text(
                "model:",
                "  name: openai/my-local",
                "  fallback: ollama/llama3.2",
                "  api_base: http://127.0.0.1:11434",
                "  api_key_name: local-key",
                "  price: {input_per_mtok: 0.5, output_per_mtok: 1.5}",
                "  max_output_tokens: 2048",
            ),
        )
    )
    config = full.model.to_config()
    assert (config.model, config.fallback, config.api_base, config.api_key_name) == (
        "openai/my-local", "ollama/llama3.2", "http://127.0.0.1:11434", "local-key",
    )  # fmt: skip
    assert config.price == Price(0.5, 1.5) and config.max_output_tokens == 2048
    assert load_brief(write(tmp_path, brief_text("model: null"))).model.to_config().is_rehearsal


def test_working_hours_windows_timezone_and_days_off(tmp_path: Path) -> None:
    brief = load_brief(
        write(
            tmp_path,
            brief_text(
                "hours:",
                "  timezone: America/New_York",
                "  windows: ['mon-fri 09:00-17:30', 'sat 10:00-14:00']",
                "  days_off: [2025-12-25]",
            ),
        )
    )
    hours = brief.hours
    ny = dt.timezone(dt.timedelta(hours=-5))
    assert hours.is_working(dt.datetime(2025, 12, 22, 9, 0, tzinfo=ny))  # Monday 09:00
    assert not hours.is_working(dt.datetime(2025, 12, 22, 17, 30, tzinfo=ny))  # the end is exclusive
    assert hours.is_working(dt.datetime(2025, 12, 27, 11, 0, tzinfo=ny))  # Saturday
    assert not hours.is_working(dt.datetime(2025, 12, 28, 11, 0, tzinfo=ny))  # Sunday
    assert not hours.is_working(dt.datetime(2025, 12, 25, 11, 0, tzinfo=ny))  # day off
    assert hours.is_working(dt.datetime(2025, 12, 22, 14, 0))  # naive means UTC: 09:00 in New York
    assert [str(w) for w in hours.windows] == ["mon-fri 09:00-17:30", "sat 10:00-14:00"]
    # Shown as the owner would write them, and read back to the same days.
    for written in ("mon,wed-fri,sun 08:00-09:00", "sat,sun 10:00-14:00", "mon-sun 00:00-24:00"):
        window = Window.model_validate(written)
        assert str(window) == written and Window.model_validate(str(window)) == window
    assert load_brief(write(tmp_path, brief_text("hours: 24/7"))).hours.always


# (front matter lines after the four valid head lines, the expected "file:LINE: message" tail)
BAD_FIELDS = [
    (["tone:", "  - friendly", "  - brief"], "6: field 'tone': expected a string, got a list"),
    (["goal: [x]"], "6: unknown field 'goal' (did you mean 'goals'?)"),
    (["tool: [read_file]"], "6: unknown field 'tool' (did you mean 'tools'?)"),
    (
        ["appearance:", "  colour: '#ffffff'"],
        "7: unknown field 'colour' in 'appearance' (did you mean 'color'?)",
    ),
    (
        ["appearance:", "  color: red"],
        "7: field 'appearance.color': expected a colour like '#3b82f6', got 'red'",
    ),
    (["heartbeat_minutes: often"], "6: field 'heartbeat_minutes': expected a whole number, got 'often'"),
    (["team: approve"], "6: field 'team': 'approve' is a word the commands use"),
    (["budget:", "  per_day_usd: .inf"], "7: field 'budget.per_day_usd'"),
    (["max_actions_per_turn: 0"], "6: field 'max_actions_per_turn': expected a number ≥ 1, got the number 0"),
    (["lead: maybe"], "6: field 'lead': expected true or false, got 'maybe'"),
    (["team: Sales Team"], "6: field 'team': expected a lowercase id like 'content-writer'"),
    (["approvals:", "  require: [external_comms]"], "7: field 'approvals.require[0]': expected one of"),
    (
        ["escalate:", "  - when: angry customer", "    to: owner", "  - to: owner"],
        "9: missing required field 'when' in 'escalate[1]'",
    ),
    (["hours:", "  timezone: Europe/Londn"], "7: field 'hours.timezone': expected an IANA timezone"),
    (
        ["hours:", "  timezone: UTC", "  windows:", "    - mon-fri 09:00-17:00", "    - mon-fry 09:00-17:00"],
        "10: field 'hours.windows[1]': expected days like 'mon-fri' or 'sat,sun' in 'mon-fry 09:00-17:00', "
        "got 'fry' (did you mean 'fri'?)",
    ),
    (["hours: weekdays"], "6: field 'hours': expected '24/7' or a mapping"),
    (
        ["budget:", "  per_day_usd: -1"],
        "7: field 'budget.per_day_usd': expected a number ≥ 0, got the number -1",
    ),
    (["memory:", "  remember: [everything]"], "7: field 'memory.remember[0]': expected one of"),
    (["model:", "  name: x", "  temperature: 0.2"], "8: unknown field 'temperature' in 'model'"),
    (["tools: [read_file, read_file]"], "6: field 'tools[1]': tool 'read_file' is listed twice"),
    (
        ["connections: [emial]"],
        "6: field 'connections[0]': unknown connection 'emial' (did you mean 'email'?)",
    ),
    (
        ["escalate:", "  - when: always", "    to: writer"],
        "8: field 'escalate[0].to': an employee cannot escalate",
    ),
    (["id: other"], "6: 'id' appears twice (first on line 2)"),
]


@pytest.mark.parametrize(("lines", "expected"), BAD_FIELDS, ids=[e for _, e in BAD_FIELDS])
def test_field_errors_name_the_file_line_and_field(tmp_path: Path, lines: list[str], expected: str) -> None:
    error = error_of(tmp_path, brief_text(*lines))
    assert f"{error.path}:{expected}" in str(error)


def test_function_typo_lists_the_choices_and_suggests_one(tmp_path: Path) -> None:
    text = "---\nid: writer\ntitle: Writer\nfunction: markting\ngoals: [x]\n---\n"
    error = error_of(tmp_path, text)
    assert str(error).endswith(
        "writer.md:4: field 'function': expected one of 'marketing', 'sales', 'support', 'ops', 'legal', "
        "'assistant', 'engineering' or 'custom', got 'markting' (did you mean 'marketing'?)"
    )


def test_missing_fields_are_all_reported(tmp_path: Path) -> None:
    error = error_of(tmp_path, "---\nid: writer\n---\nbody\n")
    messages = [p.message for p in error.problems]
    assert messages == [
        "missing required field 'title'",
        "missing required field 'function'",
        "missing required field 'goals'",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ":1: the file is empty"),
        ("\n  \n", ":1: the file is empty"),
        ("id: writer\n", ":1: no front matter: the first line must be '---'"),
        ("---\nid: writer\n", ":1: the front matter that starts here is never closed"),
        ("---\n---\nbody\n", ":2: the front matter is empty"),
        ("---\n- a\n- b\n---\n", ":2: the front matter must be 'field: value' lines, got a list"),
        ("---\njust words\n---\n", ":2: the front matter must be 'field: value' lines, got 'just words'"),
        (
            "---\nid: writer\ntitle: [Writer\nfunction: ops\n---\n",
            ":4: the front matter is not valid YAML: expected ',' or ']', but got ':' "
            "(while parsing a flow sequence on line 3)",
        ),
        ("---\nid: writer\n  title: x\n---\n", ":3: the front matter is not valid YAML"),
        ("---\nid: writer\ntitle: Writer\ndays: 2025-02-30\n---\n", ":4: the front matter has a value YAML"),
        ("---\nid: !!python/object:os.system x\n---\n", ":2: the front matter is not valid YAML"),
    ],
)
def test_file_shape_errors(tmp_path: Path, text: str, expected: str) -> None:
    error = error_of(tmp_path, text)
    assert expected in str(error), str(error)


def test_non_utf8_bytes_name_the_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, b"---\nid: writer\ntitle: caf\xe9\n---\n")
    assert ":3: the file is not UTF-8 text (byte 0xe9 cannot be read)" in str(error)


def test_windows_line_endings_and_a_bom_are_fine(tmp_path: Path) -> None:
    text = "\ufeff" + brief_text("tone: calm").replace("\n", "\r\n")
    brief = load_brief(write(tmp_path, text))
    assert brief.tone == "calm" and brief.body == "Writes things."


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(BriefError, match="no such file"):
        load_brief(tmp_path / "nope.md")
    with pytest.raises(BriefError, match="folder"):
        load_brief(tmp_path)


def test_unknown_tool_is_rejected_with_a_suggestion_when_tools_are_known(tmp_path: Path) -> None:
    text = brief_text("tools:", "  - read_file", "  - send_emial")
    error = error_of(tmp_path, text, known_tools=BUILTIN_TOOLS)
    assert "writer.md:8: field 'tools[1]': unknown tool 'send_emial' (did you mean 'send_email'?)" in str(error)
    # without a known set the names are not checked (e.g. reloading a hired employee's brief)
    assert load_brief(write(tmp_path, text), known_tools=None).tools == ("read_file", "send_emial")


def test_a_misspelt_tool_in_the_approval_rules_is_refused_not_left_to_replace_the_gates(tmp_path: Path) -> None:
    """`require: [send_emial]` would replace the default gates (external communication, spending, destruction)
    with a rule that matches no tool: every email would go out unapproved."""
    text = brief_text("tools: [read_file, send_email]", "approvals:", "  require: [send_emial]", "  risk:",
                      "    read_fle: external_comm")  # fmt: skip
    error = str(error_of(tmp_path, text, known_tools=BUILTIN_TOOLS))
    assert "field 'approvals.require[0]': unknown tool 'send_emial' (did you mean 'send_email'?)" in error
    assert "field 'approvals.risk.read_fle': unknown tool 'read_fle' (did you mean 'read_file'?)" in error
    good = brief_text("tools: [read_file, send_email]", "approvals:", "  require: [send_email, destructive]")
    brief = load_brief(write(tmp_path, good), known_tools=BUILTIN_TOOLS)
    assert brief.approvals.needs_approval("external_comm", "send_email")


def test_vocabulary_tools_are_accepted_even_when_not_installed(tmp_path: Path) -> None:
    brief = load_brief(write(tmp_path, brief_text("tools: [read_file, web_fetch]")), known_tools={"read_file"})
    assert missing_tools(brief.tools, {"read_file"}) == ["web_fetch"]
    assert brief.warnings == ("tool 'web_fetch' needs the 'web' connection, which is not listed",)


def belt(n: int) -> str:
    return "tools: [" + ", ".join(f"tool_{i}" for i in range(n)) + "]"


def test_belt_above_twelve_warns_and_above_the_ceiling_fails(tmp_path: Path) -> None:
    assert load_brief(write(tmp_path, brief_text(belt(12)))).warnings == ()
    warned = load_brief(write(tmp_path, brief_text(belt(13))))
    assert len(warned.warnings) == 1 and "13 tools on the belt" in warned.warnings[0]
    assert load_brief(write(tmp_path, brief_text(belt(20)))).tools[-1] == "tool_19"
    error = error_of(tmp_path, brief_text(belt(21)))
    assert "writer.md:6: field 'tools': 21 tools is more than the ceiling of 20" in str(error)


def test_the_ceiling_is_configurable_up_to_thirty(tmp_path: Path) -> None:
    path = write(tmp_path, brief_text(belt(25)))
    assert len(load_brief(path, max_tools=30).tools) == 25
    with pytest.raises(BriefError, match="ceiling of 24"):
        load_brief(path, max_tools=24)
    with pytest.raises(ValueError, match="between 1 and 30, got 31"):
        load_brief(path, max_tools=31)
    with pytest.raises(ValueError, match="between 1 and 30, got 0"):
        load_brief(path, max_tools=0)


def test_unknown_skill_is_rejected_when_skills_are_known(tmp_path: Path) -> None:
    error = error_of(tmp_path, brief_text("skills: [brand-vioce]"), known_skills={"brand-voice"})
    assert "unknown skill 'brand-vioce' (did you mean 'brand-voice'?)" in str(error)


def test_empty_body_is_a_warning_not_an_error(tmp_path: Path) -> None:
    brief = load_brief(write(tmp_path, brief_text(body="")))
    assert brief.body == "" and "no body" in brief.warnings[0]


def test_parse_brief_from_stored_bytes_matches_load(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert parse_brief(path.read_bytes(), path) == load_brief(path)


def test_version_changes_when_the_file_changes(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    first = load_brief(path).version
    path.write_text(MINIMAL.replace("terse", "terse and kind"), encoding="utf-8")
    second = load_brief(path)
    assert second.version != first and len(second.version) == 16 and second.tone == "terse and kind"


def test_front_matter_cannot_set_loader_fields(tmp_path: Path) -> None:
    for key in ("body: x", "version: abc", "source: /etc/passwd", "warnings: []"):
        error = error_of(tmp_path, brief_text(key))
        assert "unknown field" in str(error)


def test_brief_is_exported_type() -> None:
    assert Brief.model_config.get("frozen") is True
    assert Brief.model_config.get("extra") == "forbid"


@pytest.mark.parametrize("readme_path", [SHIPPED_BRIEFS / "README.md", SHIPPED_BRIEFS.parent / "README.md"])
def test_the_readme_example_uses_every_field_and_loads(tmp_path: Path, readme_path: Path) -> None:
    readme = readme_path.read_text(encoding="utf-8")
    example = readme.split("```markdown\n", 1)[1].split("```\n", 1)[0]
    brief = load_brief(write(tmp_path, example, "grant-writer.md"), known_tools=BUILTIN_TOOLS)
    assert brief.warnings == ()
    front = yaml.safe_load(example.split("---\n")[1])
    assert set(front) == set(BriefFields.model_fields)
    assert brief.model.to_config().price == Price(3.0, 15.0)
    assert not brief.hours.always and brief.hours.days_off == (dt.date(2025, 12, 25), dt.date(2025, 12, 26))


def test_a_night_shift_written_as_one_window_is_told_how_to_write_it() -> None:
    from engine.briefs.schedule import parse_window

    with pytest.raises(ValueError, match="a night shift is two windows: 'mon-fri 22:00-24:00' and"):
        parse_window("mon-fri 22:00-06:00")
    with pytest.raises(ValueError) as same:
        parse_window("mon-fri 09:00-09:00")
    assert "night shift" not in str(same.value)  # an empty window is no night shift
    late, early = parse_window("mon-fri 22:00-24:00"), parse_window("tue-sat 00:00-06:00")  # as the hint says
    assert (late.start_minute, late.end_minute, early.start_minute, early.end_minute) == (1320, 1440, 0, 360)


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "posix/Europe/London", "right/UTC"])
def test_a_time_zone_must_name_a_place_not_this_machines_setting(zone: str) -> None:
    from pydantic import ValidationError

    from engine.briefs.model import WorkingHours

    with pytest.raises(ValidationError, match="follows whatever this machine is set to"):
        WorkingHours(timezone=zone, windows=["mon-fri 09:00-17:00"])
    assert WorkingHours(timezone="Europe/London", windows=["mon-fri 09:00-17:00"]).timezone == "Europe/London"
