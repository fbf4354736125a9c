"""`headcount connect calendar|github`, `connections`, `grant`, `revoke`, `disconnect`, run as the owner runs them,
against a real Radicale and a local GitHub."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from engine.cli import main as cli_main
from tests.fakes.oauth_server import github_server
from tests.fakes.radicale_server import radicale

ROOT = Path(__file__).resolve().parents[2]


async def headcount(home: Path, *args: str, given: str = "", ok: bool = True) -> tuple[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "engine.cli", *args, env=env, cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(given.encode()), 180)
    assert (proc.returncode == 0) == ok, out.decode() + err.decode()
    return out.decode(), err.decode()


async def test_connect_a_calendar_grant_it_and_disconnect(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with radicale(tmp_path / "dav", {"ann": "ann-pass-1"}) as dav:
        from caldav import DAVClient

        client = DAVClient(url=f"{dav.url}/ann/", username="ann", password="ann-pass-1", require_tls=False,
                           enable_rfc6764=False)  # fmt: skip
        client.principal().make_calendar(name="work", cal_id="work")
        url = dav.calendar_url("ann", "work")
        _, bad = await headcount(home, "connect", "calendar", "work", "--url", url, "--user", "ann",
                                 given="wrong-pass\n", ok=False)  # fmt: skip
        assert "refused the user 'ann'" in bad and "Nothing was saved" in bad and "wrong-pass" not in bad
        out, _ = await headcount(home, "connect", "calendar", "work", "--url", url, "--user", "ann",
                                 given="ann-pass-1\n")  # fmt: skip
        assert "Read the calendar: 0 events in the next 7 days." in out
        assert "Connected the calendar app 'work' (calendar: ann at " in out
        await headcount(home, "hire", "assistant", "--name", "Pat")
        out, _ = await headcount(home, "grant", "work", "Pat")
        assert out == "Granted 'work' to Pat; its tools join their next task.\n"
        (row,) = json.loads((await headcount(home, "connections", "--json"))[0])
        assert (row["name"], row["kind"], row["status"], row["granted"]) == ("work", "calendar", "ok", ["Pat"])
        _, nobody = await headcount(home, "grant", "work", "Zed", ok=False)
        assert nobody == "headcount: no employee 'Zed' (employees: Pat)\n"
        await headcount(home, "revoke", "work", "Pat")
        out, _ = await headcount(home, "connections")
        assert "granted to nobody yet" in out and "ok" in out
        out, _ = await headcount(home, "disconnect", "work")
        assert "Disconnected the calendar app 'work'" in out
        assert "No MCP servers are connected" in (await headcount(home, "connections"))[0]
    assert not any(b"ann-pass-1" in p.read_bytes() for p in home.rglob("*") if p.is_file())


async def test_connect_github_by_device_flow(tmp_path: Path) -> None:
    home = tmp_path / "home"
    async with github_server() as server:
        server.interval, server.slow_down_once = 0, False
        out, _ = await headcount(home, "connect", "github", "gh", "--client-id", server.client_id,
                                 "--api-url", server.url, "--login-url", server.url)  # fmt: skip
        assert "Open https://github.com/login/device and enter the code WDJB-MJHT" in out
        assert "Signed in to GitHub as ann-dev." in out and "Connected the github app 'gh'" in out
        (row,) = json.loads((await headcount(home, "connections", "--json"))[0])
        assert (row["kind"], row["status"], row["runs"]) == ("github", "ok", f"github: ann-dev at {server.url}")
        _, err = await headcount(home, "connect", "github", "gh2", "--client-id", "wrong", "--api-url", server.url,
                                 "--login-url", server.url, ok=False)  # fmt: skip
        assert err.startswith("headcount: GitHub refused the sign-in (400)")
    assert not any(server.token.encode() in p.read_bytes() for p in home.rglob("*") if p.is_file())


def test_a_mistake_in_two_fields_is_said_once() -> None:
    import pytest
    from pydantic import ValidationError

    from engine.apps.accounts import AppConfig
    from engine.errors import invalid_input

    with pytest.raises(ValidationError) as wrong:
        AppConfig(name="me", kind="google", url="notaurl", token_url="notaurl", client_id="x")
    assert len(wrong.value.errors()) == 2
    assert invalid_input(wrong.value) == "an address starts with https:// (or http://), got 'notaurl'"


def test_revoking_what_was_never_granted_and_a_grant_of_someone_let_go(
    headcount_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing to take back says so (exit 1, no audit row); letting someone go takes their grants back, and an id
    an earlier version left in a grant can be revoked as `connections` shows it."""

    def owner(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO("cal-pass-1\n"))
        code = cli_main(["--home", str(headcount_home), *args])
        out, err = capsys.readouterr()
        return code, out, err

    def revokes() -> int:
        with sqlite3.connect(headcount_home / "headcount.db") as conn:
            return len(conn.execute("SELECT seq FROM audit WHERE data LIKE '%revoke_app%'").fetchall())

    owner("connect", "calendar", "work", "--url", "http://127.0.0.1:9/ann/work/", "--user", "ann", "--no-check")
    owner("hire", "assistant", "--name", "Ada")
    owner("hire", "assistant", "--name", "Ben")
    assert owner("revoke", "work", "Ada") == (1, "", "headcount: 'work' is not granted to Ada: nothing to take back\n")
    assert revokes() == 0
    owner("grant", "work", "Ada")
    owner("grant", "work", "Ben")
    ada = next(r["id"] for r in json.loads(owner("roster", "--json")[1]) if r["name"] == "Ada")
    assert owner("dismiss", "Ada")[0] == 0
    assert json.loads(owner("connections", "--no-check", "--json")[1])[0]["granted"] == ["Ben"]

    with sqlite3.connect(headcount_home / "headcount.db") as conn:  # as an earlier version left it: Ada's id
        (value,) = conn.execute("SELECT value FROM settings WHERE key = 'app:work'").fetchone()
        kept = {**json.loads(value), "granted": sorted([ada, *json.loads(value)["granted"]])}
        conn.execute("UPDATE settings SET value = ? WHERE key = 'app:work'", (json.dumps(kept),))
    assert ada in json.loads(owner("connections", "--no-check", "--json")[1])[0]["granted"]
    assert owner("revoke", "work", ada)[:2] == (
        0,
        f"Took 'work' back from {ada}; from their next call on, they go without it.\n",
    )
    assert json.loads(owner("connections", "--no-check", "--json")[1])[0]["granted"] == ["Ben"]
    assert revokes() == 1
