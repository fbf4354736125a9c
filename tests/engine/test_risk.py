"""MCP tool annotations map onto our risk levels, cautiously."""

from __future__ import annotations

import pytest
from mcp.types import ToolAnnotations

from engine.briefs import ApprovalPolicy
from engine.tools.risk import Hints, hints_from_mcp, risk_from_hints


@pytest.mark.parametrize(
    ("annotations", "risk", "idempotent"),
    [
        (None, "external_comm", False),  # no annotations: external communication, gated by default
        (ToolAnnotations(read_only_hint=True), "read_only", True),
        (ToolAnnotations(read_only_hint=True, destructive_hint=True), "read_only", True),
        (ToolAnnotations(destructive_hint=False, open_world_hint=False), "internal_write", False),
        (ToolAnnotations(destructive_hint=False, open_world_hint=False, idempotent_hint=True), "internal_write", True),
        (ToolAnnotations(destructive_hint=False), "external_comm", False),
        (ToolAnnotations(destructive_hint=True, idempotent_hint=True), "destructive", True),
    ],
)
def test_annotations_map_to_risk(annotations: ToolAnnotations | None, risk: str, idempotent: bool) -> None:
    assert risk_from_hints(hints_from_mcp(annotations)) == (risk, idempotent)


def test_the_default_policy_gates_unannotated_mcp_tools() -> None:
    risk, _ = risk_from_hints(Hints())
    assert ApprovalPolicy().needs_approval(risk)
