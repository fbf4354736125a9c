"""Lean requests: what the model is sent is close to a minimal hand-built request (tokens counted, not timed).

The scenarios are the benchmark's (`tests/bench/bench_requests.py`); here the targets are asserted on
litellm's deterministic token counts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.llm.provider import count_tokens
from engine.testing import ScriptedModel, say
from engine.tools.base import FunctionTool, ToolContext
from engine.tools.lean import lean_schema
from tests.bench.bench_requests import (
    COUNTER,
    four_calls,
    minimal_request,
    prefix,
    run_task,
    skill_line,
    tokens,
)


async def test_the_prefix_is_byte_stable_and_the_request_near_minimal(tmp_path: Path) -> None:
    model = four_calls()
    requests = await run_task(tmp_path, model)
    model.assert_complete()
    assert len(requests) == 4 and len({prefix(r) for r in requests}) == 1  # system + tools: the same bytes
    ours = sum(tokens(r) for r in requests)
    minimal = sum(tokens(minimal_request(r, r.tools)) for r in requests)
    assert ours <= minimal * 1.02, (ours, minimal)
    sent = json.dumps(requests[0].tools)
    assert '"title": "' not in sent.replace('"title": {', "") and "additionalProperties" not in sent
    assert "save_note" in sent and '"title": {' in sent  # a property *named* title stays


async def test_an_unused_skill_costs_little_more_than_its_own_line(tmp_path: Path) -> None:
    none = (await run_task(tmp_path, ScriptedModel(say("ok"))))[0]
    one = (await run_task(tmp_path, ScriptedModel(say("ok")), skills=["brand-voice"]))[0]
    two = (await run_task(tmp_path, ScriptedModel(say("ok")), skills=["brand-voice", "weekly-report"]))[0]

    def line(name: str) -> int:
        empty = count_tokens(COUNTER, [{"role": "user", "content": ""}])
        return count_tokens(COUNTER, [{"role": "user", "content": skill_line(name)}]) - empty

    assert tokens(one) - tokens(none) - line("brand-voice") <= 30  # the use_skill tool and the label included
    assert tokens(two) - tokens(one) - line("weekly-report") <= 2
    assert prefix(one) != prefix(none)  # listed, so the model knows it can load it


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="A heading")
    kind: str | None = None
    until: str | None  # required, and may be null: that stays said
    count: int = 3
    note: str = ""


async def _run(ctx: ToolContext, args: _Args) -> str:
    return args.title


def test_the_model_sees_a_lean_schema_and_the_engine_keeps_the_full_one() -> None:
    tool = FunctionTool("demo", "A demo.", _Args, _run)
    shown: dict[str, Any] = tool.spec.schema()["function"]["parameters"]
    assert shown == {
        "properties": {
            "title": {"description": "A heading", "type": "string"},
            "kind": {"type": "string"},
            "count": {"default": 3, "type": "integer"},  # a default that says something stays
            "note": {"type": "string"},
            "until": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "required": ["title", "until"],
        "type": "object",
    }
    assert tool.spec.parameters["additionalProperties"] is False  # owner edits are checked against this
    assert lean_schema(tool.spec.parameters) == shown and tool.spec.parameters != shown
