"""One name, one connection: an email account, a calendar (or another app) and an MCP server never share a name,
and an office that already holds such a clash (an earlier version allowed it) takes `email:work`, `calendar:work`,
`mcp:work` in `grant`, `revoke` and `disconnect`."""

from __future__ import annotations

import io
import sqlite3
import sys
from pathlib import Path

import pytest

from engine.apps.email_config import EmailAccount
from engine.cli import main as cli_main
from engine.tools.mcp_config import McpServerConfig

CALENDAR = ["connect", "calendar", "work", "--url", "http://127.0.0.1:9/ann/work/", "--user", "ann", "--no-check"]
EMAIL = ["connect", "email", "work", "--imap-host", "127.0.0.1", "--smtp-host", "127.0.0.1", "--user",
         "owner@example.com", "--plain", "--no-check"]  # fmt: skip
MCP = ["connect", "mcp", "work", "--no-check", "--", sys.executable, "-c", "pass"]


class Owner:
    """The owner at the command line, in this process: each command's exit code, what it printed, and whether it
    asked for a password."""

    def __init__(self, home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.home, self.capsys, self.monkeypatch = home, capsys, monkeypatch

    def __call__(self, *args: str) -> tuple[int, str, str, bool]:
        given = io.StringIO("pw-1234\n")
        self.monkeypatch.setattr("sys.stdin", given)
        code = cli_main(["--home", str(self.home), *args])
        out, err = self.capsys.readouterr()
        return code, out, err, given.tell() > 0


@pytest.fixture
def owner(headcount_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Owner:
    return Owner(headcount_home, capsys, monkeypatch)


def test_a_second_kind_of_connection_under_a_taken_name_is_refused_before_anything_is_asked(owner: Owner) -> None:
    assert owner(*CALENDAR)[0] == 0
    code, _, err, asked = owner(*EMAIL)
    assert (code, asked) == (1, False)
    assert err == (
        "headcount: the name 'work' is taken by the calendar 'work'; a name belongs to one connection: "
        "connect this email account under another, e.g. 'work-email'\n"
    )
    code, _, err, _ = owner(*MCP)
    assert code == 1 and "taken by the calendar 'work'" in err and "e.g. 'work-mcp'" in err
    code, _, err, _ = owner("connect", "github", "work", "--client-id", "abc", "--api-url", "http://127.0.0.1:9",
                            "--login-url", "http://127.0.0.1:9")  # fmt: skip
    assert code == 1 and "taken by the calendar 'work'" in err and "connect this GitHub account under another" in err
    assert owner(*CALENDAR)[1].startswith("Reconnected the calendar app 'work'")  # the same kind: connected again
    assert owner(*[w.replace("work", "work-email") for w in EMAIL])[0] == 0  # the name suggested
    code, _, err, _ = owner(*[w.replace("work", "work-email") for w in CALENDAR])
    assert code == 1 and "taken by the email account 'work-email'" in err


def test_an_office_holding_a_clash_names_each_by_its_kind(owner: Owner, headcount_home: Path) -> None:
    assert owner(*CALENDAR)[0] == 0
    assert owner("hire", "assistant", "--name", "Ada")[0] == 0
    account = EmailAccount(name="work", address="owner@example.com", user="owner@example.com",
                           imap_host="127.0.0.1", imap_port=143, imap_security="plain", smtp_host="127.0.0.1",
                           smtp_port=587, smtp_security="plain")  # fmt: skip
    server = McpServerConfig(name="work", command=sys.executable, args=("-c", "pass"))
    with sqlite3.connect(headcount_home / "headcount.db") as conn:  # as an earlier version let them be kept
        conn.executemany(
            "INSERT INTO settings (key, value) VALUES (?, ?)",
            [("email:work", account.stored()), ("mcp:work", server.stored())],
        )

    code, out, _, _ = owner("grant", "work", "Ada")  # only the calendar can be granted: the bare name means it
    assert (code, out) == (0, "Granted 'work' to Ada; its tools join their next task.\n")
    code, _, err, _ = owner("grant", "email:work", "Ada")
    assert code == 1 and "'work' is an email account: an employee uses it when its brief lists" in err
    code, _, err, _ = owner("grant", "mcp:work", "Ada")
    assert code == 1 and "'work' is an MCP server" in err
    code, _, err, _ = owner("grant", "github:work", "Ada")
    assert (code, err) == (1, "headcount: no GitHub account 'work' is connected (see `headcount connections`)\n")
    assert (
        owner("revoke", "calendar:work", "Ada")[1]
        == "Took 'work' back from Ada; from their next call on, they go without it.\n"
    )

    code, _, err, _ = owner("disconnect", "work")
    assert code == 1
    assert err == (
        "headcount: 'work' names the email account 'work' and the calendar 'work' and the MCP server 'work': "
        "say which, e.g. `headcount disconnect email:work`\n"
    )
    code, out, _, _ = owner("disconnect", "calendar:work")
    assert (code, out) == (0, "Disconnected the calendar app 'work' and deleted its credential from the keyring.\n")
    code, _, err, _ = owner("disconnect", "calendar:work")
    assert (code, err) == (1, "headcount: no calendar 'work' is connected (see `headcount connections`)\n")
    assert owner("disconnect", "mcp:work")[1] == "Disconnected the MCP server 'work'.\n"
    code, out, _, _ = owner("disconnect", "work")  # only the email account is left: the bare name is enough
    assert (code, out.splitlines()[0]) == (
        0,
        "Disconnected the email account 'work'; its password is gone from the keyring.",
    )
    code, _, err, _ = owner("disconnect", "work")
    assert (code, err) == (1, "headcount: nothing is connected as 'work' (see `headcount connections`)\n")
