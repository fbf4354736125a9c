"""`headcount connect mcp`, `connections`, `disconnect` and `answer`, run as the owner runs them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main as cli_main
from engine.tools.mcp_config import McpServerConfig
from tests.fakes.gate_server import Gate

ROOT = Path(__file__).resolve().parents[2]
FAKES = ROOT / "tests" / "fakes"


def headcount(home: Path, *args: str, ok: bool = True, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "app.launcher", *args], capture_output=True, text=True, env=env, timeout=180, cwd=cwd
    )
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    return result


def test_connect_list_and_disconnect_a_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    # A relative path, typed in the folder it is relative to: the server runs from there ever after.
    connected = headcount(home, "connect", "mcp", "fake", "--", sys.executable, "mcp_server.py", cwd=FAKES)
    assert "Connected the MCP server 'fake'" in connected.stdout
    assert "Its 7 tools: echo, pid, fail, big, token_length, add_note, … (1 more)" in connected.stdout
    assert "mcp:fake.* (all) or mcp:fake.echo" in connected.stdout
    headcount(home, "hire", "assistant", "--name", "Pat")
    told = headcount(home, "grant", "fake", "Pat", ok=False)  # a server's tools come with a brief's grant
    assert "'fake' is an MCP server: an employee uses it when its brief lists mcp:fake.*" in told.stderr

    leaky = headcount(home, "connect", "mcp", "leaky", "--", "srv", "--token", "hunter22", ok=False)
    assert "looks like a key or password" in leaky.stderr and "hunter22" not in leaky.stderr
    broken = headcount(home, "connect", "mcp", "broken", "--", "/nonexistent/srv", "--root", "/data", ok=False)
    assert broken.stderr.startswith(
        "headcount: cannot start the MCP server 'broken': the command '/nonexistent/srv' was not found "
        "(/nonexistent/srv --root /data)\nNothing was saved"
    )

    (row,) = json.loads(headcount(home, "connections", "--json").stdout)  # run from elsewhere: still works
    assert (row["name"], row["transport"], row["status"], row["grants"]) == ("fake", "stdio", "ok", "mcp:fake.*")
    assert "echo" in row["tools"] and row["error"] is None

    assert "Disconnected the MCP server 'fake'." in headcount(home, "disconnect", "fake").stdout
    assert "No MCP servers are connected." in headcount(home, "connections").stdout
    nothing = headcount(home, "answer", "task_nope", "Green", ok=False)
    assert nothing.stderr == "headcount: no task 'task_nope'\n"


def test_connect_shows_the_names_a_brief_writes_and_says_which_differ(tmp_path: Path) -> None:
    home = tmp_path / "home"
    connected = headcount(
        home, "connect", "mcp", "odd", "--", sys.executable, str(FAKES / "mcp_server.py"), "--odd-names"
    )
    shown = connected.stdout.splitlines()
    assert shown[1].startswith("Its 10 tools: ") and "get.file" not in shown[1]
    assert shown[2] == (
        "A brief names 2 of them otherwise (letters, digits, _ and - only): 'get.file' as get_file_76a3ba66 "
        "(get_file is the server's own), '9lives' as t_9lives"
    )
    (row,) = json.loads(headcount(home, "connections", "--json").stdout)
    assert {"get_file", "get_file_76a3ba66", "t_9lives"} <= set(row["tools"]) and "9lives" not in row["tools"]
    assert row["renamed"] == {"get.file": "get_file_76a3ba66", "9lives": "t_9lives"}
    assert shown[2] in headcount(home, "connections").stdout

    brief = tmp_path / "odd.md"
    brief.write_text(
        "---\nid: odd\ntitle: Odd\nfunction: custom\ngoals: [Use it]\ntone: Plain.\n"
        "tools: [mcp:odd.9lives]\n---\nYou use it.\n"
    )
    refused = headcount(home, "hire", str(brief), ok=False)
    assert "got 'mcp:odd.9lives'" in refused.stderr and "(here likely mcp:odd.t_9lives)" in refused.stderr
    brief.write_text(brief.read_text().replace("mcp:odd.9lives", "mcp:odd.t_9lives"))
    assert "Hired" in headcount(home, "hire", str(brief)).stdout


@pytest.mark.parametrize("flag", ["--token", "--auth-token", "-p", "--pass", "--key", "--bearer", "--db-password"])
def test_a_secret_after_any_such_flag_is_refused_and_kept_nowhere(
    headcount_home: Path, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    home = ["--home", str(headcount_home)]
    assert cli_main([*home, "connect", "mcp", "leaky", "--no-check", "--", "srv", flag, "hunter2hunter2"]) == 1
    assert capsys.readouterr().err == (
        f"headcount: the value after {flag} on the server's command line looks like a key or password, which would "
        "be kept in the database and the audit log: keep it in the keyring (`headcount key set NAME`) and hand it "
        "over with --env VAR=NAME (or --header HEADER=NAME for a URL)\n"
    )
    assert cli_main([*home, "connections", "--no-check", "--json"]) == 0 and capsys.readouterr().out.strip() == "[]"
    assert not any(b"hunter2hunter2" in p.read_bytes() for p in headcount_home.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "args",
    [("-p", "8080"), ("-p", "./data"), ("--key", "/etc/srv/key.pem"), ("--token-file", "tok.txt"),
     ("--no-auth", "data"), ("--auth", "none"), ("--password", "$DB_PASSWORD"), ("--root", "/data")],
)  # fmt: skip
def test_a_port_a_path_or_a_switch_is_no_secret(args: tuple[str, ...]) -> None:
    assert McpServerConfig(name="x", command="srv", args=args).secret_looking() is None


def test_connections_are_tried_all_at_once_and_a_broken_one_fails_the_command(
    headcount_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    """Five dead servers (two email accounts, two calendars, an MCP server) that hang until all five are
    reached: tried one after another, each would wait out its own timeout (30 s) before the next began."""
    home = ["--home", str(headcount_home)]
    with Gate(5) as gate:
        mail_1, mail_2, cal_1, cal_2, crm = gate.ports
        for name, port in (("mail-1", mail_1), ("mail-2", mail_2)):
            monkeypatch.setattr("sys.stdin", io.StringIO("Mail-Password-1\n"))
            mail = ["--imap-host", "127.0.0.1", "--imap-port", str(port), "--smtp-host", "127.0.0.1"]
            mail += ["--smtp-port", str(closed_port), "--user", "ann@example.com", "--plain", "--no-check"]
            assert cli_main([*home, "connect", "email", name, *mail]) == 0
        for name, port in (("cal-1", cal_1), ("cal-2", cal_2)):
            monkeypatch.setattr("sys.stdin", io.StringIO("Cal-Password-1\n"))
            calendar = ["--url", f"http://127.0.0.1:{port}/ann/", "--user", "ann", "--no-check"]
            assert cli_main([*home, "connect", "calendar", name, *calendar]) == 0
        assert cli_main([*home, "connect", "mcp", "crm", "--url", f"http://127.0.0.1:{crm}/mcp", "--no-check"]) == 0
        capsys.readouterr()
        assert cli_main([*home, "connections", "--no-check", "--json"]) == 0  # nothing tried: nothing failed
        listed = [row["name"] for row in json.loads(capsys.readouterr().out)]
        assert gate.opened == 0

        assert cli_main([*home, "connections", "--json"]) == 1
        rows = json.loads(capsys.readouterr().out)
        assert gate.most_at_once == 5
        assert cli_main([*home, "connections"]) == 1  # the same in words
        assert capsys.readouterr().out.count("does not work: ") == 5
    assert [row["name"] for row in rows] == listed == ["crm", "mail-1", "mail-2", "cal-1", "cal-2"]
    assert all(row["status"] == "error" and row["error"] for row in rows), rows
