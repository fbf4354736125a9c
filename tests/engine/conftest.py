"""Fixtures for engine tests: a brief writer and an office on a temporary home."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.clock import Clock, SequentialIds
from engine.llm.types import ModelClient
from engine.office import Office
from engine.paths import Home
from engine.tools.base import Tool
from tests.engine.mailservers import dovecot, smtp_sink  # noqa: F401  (real IMAP and SMTP servers on 127.0.0.1)

BriefWriter = Callable[..., Path]


@pytest.fixture
def write_brief(tmp_path: Path) -> BriefWriter:
    """Write a valid brief file; keyword arguments override front-matter fields."""

    def write(**fields: Any) -> Path:
        front: dict[str, Any] = {
            "id": "clerk",
            "title": "Office Clerk",
            "function": "ops",
            "goals": ["Keep the files in order"],
            "tone": "Plain and brief",
            "tools": ["list_files", "read_file", "write_file", "save_note", "search_notes"],
            "hours": "24/7",
            "probation": 0,
        }
        front.update(fields)
        folder = tmp_path / "briefs"
        folder.mkdir(exist_ok=True)
        path = folder / f"{front['id']}.md"
        path.write_text(f"---\n{yaml.safe_dump(front, sort_keys=False)}---\nKeeps the office tidy.\n")
        return path

    return write


OfficeFactory = Callable[..., Any]


@pytest.fixture
async def make_office(headcount_home: Path) -> AsyncIterator[OfficeFactory]:
    """Open offices on the test's home; all are closed at the end."""
    opened: list[Office] = []

    async def make(
        model: ModelClient, *, tools: Iterable[Tool] = (), clock: Clock | None = None, **kwargs: Any
    ) -> Office:
        kwargs.setdefault("ids", SequentialIds())
        office = await Office.open(Home.resolve(headcount_home), model=model, tools=tools, clock=clock, **kwargs)
        opened.append(office)
        return office

    yield make
    for office in opened:
        await office.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (yet): connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
