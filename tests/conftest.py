"""Shared fixtures. `tests/plugin.py` is loaded as a plugin: it makes real network calls fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.plugin"]


@pytest.fixture(autouse=True)
def headcount_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own Headcount home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HEADCOUNT_HOME", str(home))
    monkeypatch.setenv("HEADCOUNT_REHEARSAL_PACE", "0")  # the app paces rehearsal for people; tests don't wait
    # Without an OS keyring keys go to an encrypted file; a headless run gives its passphrase here.
    monkeypatch.setenv("HEADCOUNT_KEYRING_PASSPHRASE", "test-passphrase")
    yield home
