"""Property-based: random and mutated front matter never crashes the loader with anything but BriefError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.briefs import BUILTIN_TOOLS, Brief, BriefError, BriefFields, parse_brief
from engine.paths import SHIPPED_BRIEFS

SOURCE = Path("fuzz/brief.md")
ASSISTANT = (SHIPPED_BRIEFS / "roles" / "assistant.md").read_bytes()
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["24/7", "owner", "marketing", "#00ff00", "mon-fri 09:00-17:00", "Europe/London", "read_file"]),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=20,
)
keys = st.one_of(st.sampled_from(sorted(BriefFields.model_fields)), st.text(max_size=15))


def load(raw: bytes) -> Brief | None:
    try:
        return parse_brief(raw, SOURCE, known_tools=BUILTIN_TOOLS)
    except BriefError as exc:
        assert str(exc).startswith(str(SOURCE))  # every message names the file
        return None


@FUZZ
@given(st.dictionaries(keys, values, max_size=12), st.text(max_size=50))
def test_random_front_matter(front: dict[str, Any], body: str) -> None:
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body
    load(text.encode("utf-8"))


VALID = {
    "id": "writer",
    "title": "Writer",
    "function": "marketing",
    "goals": ["Write well"],
    "tools": ["read_file"],
    "hours": {"timezone": "UTC", "windows": ["mon-fri 09:00-17:00"]},
    "escalate": [{"when": "stuck", "to": "owner"}],
    "appearance": {"color": "#123456"},
}


@FUZZ
@given(st.sampled_from(sorted(VALID)), values)
def test_one_valid_field_replaced_by_anything(field: str, value: Any) -> None:
    text = "---\n" + yaml.safe_dump({**VALID, field: value}, allow_unicode=True) + "---\nbody\n"
    load(text.encode("utf-8"))


mutation = st.tuples(
    st.sampled_from(["delete", "insert", "replace"]),
    st.integers(min_value=0, max_value=len(ASSISTANT)),
    st.integers(min_value=1, max_value=40),
    st.binary(min_size=1, max_size=8)
    | st.sampled_from([b":", b"-", b"\n", b" ", b"[", b"{", b"'", b'"', b"&a", b"*a"]),
)


@FUZZ
@given(st.lists(mutation, min_size=1, max_size=6))
def test_mutated_assistant_brief(mutations: list[tuple[str, int, int, bytes]]) -> None:
    raw = bytearray(ASSISTANT)
    for kind, at, length, data in mutations:
        at = min(at, len(raw))
        if kind == "delete":
            del raw[at : at + length]
        elif kind == "insert":
            raw[at:at] = data
        else:
            raw[at : at + len(data)] = data
    load(bytes(raw))


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(raw: bytes) -> None:
    load(raw)
    load(b"---\n" + raw + b"\n---\n")


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("-:[]{}&*!|>'\"#%@` \n\tab12")), max_size=120))
def test_yaml_punctuation_soup(text: str) -> None:
    load(f"---\n{text}\n---\n".encode())


def test_unchanged_assistant_loads() -> None:
    assert load(ASSISTANT) is not None


def test_deep_nesting_and_recursive_aliases_are_brief_errors() -> None:
    assert load(b"---\ngoals: " + b"[" * 5000 + b"]" * 5000 + b"\n---\n") is None
    assert load(b"---\ngoals: &a [*a]\n---\n") is None
    assert load(b"---\nid: writer\n<<: &a {x: *a}\n---\n") is None
