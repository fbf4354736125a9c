"""What the employee and the owner hear when a tool call goes wrong: plain words, and the right outcome."""

from __future__ import annotations

import re

import pytest

from engine.tools.base import ToolError, parse_arguments

DOUBLED_WORD = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)


@pytest.mark.parametrize(
    "raw",
    [
        '{"path": "a.md", "content": ',  # cut off mid-call
        '{"path": "a.md", "content": "unfinished',  # json says "Unterminated string starting at"
        '{"path": "a\x01.md"}',  # json says "Invalid control character at"
        '{"path": "a.md",}',
        '{"path": "a.md"} trailing',
        "not json at all",
    ],
)
def test_bad_argument_json_is_explained_without_doubled_words(raw: str) -> None:
    with pytest.raises(ToolError) as error:
        parse_arguments(raw)
    message = str(error.value)
    assert message.startswith("arguments are not valid JSON (") and "position" in message
    assert not DOUBLED_WORD.search(message), message


def test_an_unterminated_string_reads_naturally() -> None:
    with pytest.raises(ToolError) as error:
        parse_arguments('{"path": "a.md')
    assert str(error.value) == "arguments are not valid JSON (Unterminated string starting at position 9)"
