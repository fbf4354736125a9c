"""Shared fixtures. `tests/plugin.py` is loaded as a plugin: it makes real network calls fail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

pytest_plugins = ["tests.plugin"]

# Property tests judge behaviour, not speed: on a loaded 2-core machine an example may take longer than
# hypothesis's 200 ms deadline or its generation look "slow", and neither says anything about the code.
settings.register_profile("headcount", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI (`.ci/run` sets HYPOTHESIS_PROFILE=ci) draws the same examples on every run, so a red CI is always the
# change's own doing; a developer's runs draw new ones each time and keep what failed in .hypothesis/.
settings.register_profile("ci", parent=settings.get_profile("headcount"), derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "headcount"))


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


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The Qt tests' one asyncio loop closes with the process's tests (tests/qtloop.py)."""
    import sys

    if "tests.qtloop" in sys.modules:
        sys.modules["tests.qtloop"].close()
