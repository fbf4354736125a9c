"""Careless input at the command line: one clear sentence, a non-zero exit, nothing lost, never a traceback."""

from __future__ import annotations

import asyncio
import json
import os
import string
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.launcher import main
from tests.engine.conftest import BriefWriter, OfficeFactory

ROOT = Path(__file__).resolve().parents[2]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run one command in this process, as `headcount ARGV` would; (exit code, stdout, stderr)."""
    said = ""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # a message given to SystemExit is printed by Python as the process ends
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        said = exc.code if isinstance(exc.code, str) else ""
    out = capsys.readouterr()
    return code, out.out, out.err + said


@pytest.fixture
def office(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "hire", "assistant", "--name", "Ada")[0] == 0


MAIL = ("--address", "a@example.com", "--user", "a", "--imap-host", "127.0.0.1", "--smtp-host", "127.0.0.1")
MCP_TIMEOUT = "give seconds, more than 0 and at most 3600"
NUMBERS = [
    (("budget", "set", "Ada", "--per-day", "1e309"), "not a finite number"),
    (("budget", "set", "Ada", "--per-turn", "inf"), "not a finite number"),
    (("budget", "set", "Ada", "--per-day", "-1"), "between $0"),
    (("budget", "set", "Ada", "--per-day", "abc"), "expected a number, not 'abc'"),
    (("budget", "raise", "Ada", "--once", "-5"), "more than $0"),
    (("budget", "raise", "Ada", "--once", "1e309"), "not a finite number"),
    (("call-in", "Ada", "--hours", "1e309"), "not a finite number"),
    (("call-in", "Ada", "--hours", "nan"), "not a finite number"),
    (("call-in", "Ada", "--hours", "-3"), "more than 0"),
    (("probation", "Ada", "--count", "-3"), "from 1 to 100"),
    (("run", "--for", "-1"), "more than 0"),
    (("sprint", "legal", "A goal", "--days", "0"), "from 1 to 90"),
    (("sprint", "legal", "A goal", "--days", "3000000"), "from 1 to 90"),
    (("model", "connect", "openai/gpt-4o-mini", "--price-in", "-1", "--price-out", "2"), "a price is from $0"),
    (("model", "connect", "openai/gpt-4o-mini", "--price-in", "1", "--price-out", "nan"), "not a finite number"),
    (("connect", "email", "work", *MAIL, "--imap-port", "99999"), "--imap-port: give a number from 1 to 65535"),
    (("connect", "email", "work", *MAIL, "--smtp-port", "0"), "--smtp-port: give a number from 1 to 65535"),
    *[
        (("connect", "mcp", "files", "--timeout", given, "--", "srv"), f"--timeout: {MCP_TIMEOUT}; not '{given}'")
        for given in ("0", "-5", "nan", "inf", "3601", "soon")
    ],
    (("model", "connect", "ollama_chat/"), "expected a model after the provider, like ollama_chat/llama3.1"),
]


@pytest.mark.parametrize(("argv", "said"), NUMBERS, ids=[" ".join(a) for a, _ in NUMBERS])
def test_numbers_out_of_range_are_refused_in_words(
    office: None, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], said: str
) -> None:
    code, _, err = cli(capsys, *argv)
    assert code == 2 and said in err and "Traceback" not in err
    report = json.loads(cli(capsys, "budget", "--json")[1])
    assert report["employees"][0]["per_day_usd"] is not None  # nothing was changed: the brief's ceiling stands


def test_a_brief_naming_a_skill_there_is_not_is_refused_at_hire(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    brief = tmp_path / "clerk.md"
    brief.write_text(
        "---\nid: clerk\ntitle: Clerk\nfunction: ops\ngoals: [File]\ntone: plain\ntools: [read_file]\n"
        "skills: [weekly-reprot]\n---\nFiles things.\n"
    )
    code, _, err = cli(capsys, "hire", str(brief))
    assert code == 1 and "clerk.md:8: field 'skills[0]': unknown skill 'weekly-reprot'" in err
    assert "did you mean 'weekly-report'" in err


def test_a_standing_approval_and_simulated_prices_name_something_real(
    office: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "approvals", "auto", "Ada", "send_emial")
    assert code == 1 and "Ada has no tool 'send_emial' (did you mean 'send_email'?)" in err
    for argv in (("approvals", "auto", "Ada", ""), ("budget", "simulate", ""), ("budget", "simulate", " gpt-4o")):
        code, _, err = cli(capsys, *argv)
        assert code == 2 and "expected a" in err and "Traceback" not in err
    assert cli(capsys, "approvals", "auto", "Ada", "send_email")[0] == 0


def test_none_still_removes_a_ceiling(office: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "budget", "set", "Ada", "--per-day", "none")[0] == 0
    assert json.loads(cli(capsys, "budget", "--json")[1])["employees"][0]["per_day_usd"] is None


@pytest.mark.parametrize("name", ["x" * 500, "Ada\nLovelace", "\t", "Bad\x00Name"])
def test_names_that_would_break_the_roster_are_refused(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, _, err = cli(capsys, "hire", "assistant", "--name", name)
    assert code == 2 and "name" in err
    assert json.loads(cli(capsys, "roster", "--json")[1]) == []


def test_options_after_the_command_and_the_version(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    home = tmp_path / "elsewhere"
    assert cli(capsys, "hire", "assistant", "--name", "Ada", "--home", str(home))[0] == 0
    assert (home / "headcount.db").is_file()
    code, out, _ = cli(capsys, "--version")
    assert code == 0 and out.startswith("headcount ")


def test_a_long_task_from_a_file_or_stdin(
    office: None, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    brief = tmp_path / "task.txt"
    brief.write_text("Summarise this.\n" + "word " * 15_000)
    assert cli(capsys, "assign", "Ada", "--file", str(brief))[0] == 0
    code, _, err = cli(capsys, "assign", "Ada", "--file", str(tmp_path / "missing.txt"))
    assert code == 2 and "no file" in err
    brief.write_text("x" * 100_001)
    code, _, err = cli(capsys, "assign", "Ada", "--file", str(brief))
    assert code == 2 and "at most 100,000 characters" in err
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("From stdin, not the literal dash"))
    assert cli(capsys, "assign", "Ada", "-")[0] == 0
    titles = [t["title"] for t in json.loads(cli(capsys, "tasks", "--json")[1])]
    assert titles == ["Summarise this.", "From stdin, not the literal dash"]


def test_files_and_folders(office: None, capsys: pytest.CaptureFixture[str], headcount_home: Path) -> None:
    code, _, err = cli(capsys, "audit", "export", "--out", "/no/such/dir/audit.csv")
    assert code == 2 and "does not exist" in err and not Path("/no/such/dir").exists()
    code, out, _ = cli(capsys, "audit", "export")
    written = Path(out.split(" to ")[-1].strip())
    assert code == 0 and written.parent == headcount_home / "exports" and written.is_file()


def test_a_data_folder_that_is_a_file_or_cannot_be_made_is_said_in_words(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    for home, said in ((a_file, "is a file"), (a_file / "inside", "cannot use")):
        code, _, err = cli(capsys, "--home", str(home), "roster")
        assert code == 1 and said in err and "Traceback" not in err, err
    assert a_file.read_text() == "not a folder"
    before = set(Path.cwd().iterdir())
    for argv in (["--home", "", "roster"], ["roster", "--home", " "], ["--home", ""], ["--home="]):
        code, _, err = cli(capsys, *argv)  # the last two would open the window in the current folder
        assert code == 2 and "--home: needs a folder, and was given an empty one" in err, (argv, err)
    assert set(Path.cwd().iterdir()) == before


@pytest.mark.parametrize("address", ["notaurl", "htp:/oops", "http://", "127.0.0.1:11434"])
def test_a_model_server_address_is_checked_when_connected(capsys: pytest.CaptureFixture[str], address: str) -> None:
    argv = ("model", "connect", "ollama/llama3.1", "--api-base", address, "--price-in", "0", "--price-out", "0")
    code, _, err = cli(capsys, *argv)
    assert code == 2 and "expected a server address like http://127.0.0.1:11434" in err


def test_a_model_server_address_may_be_any_host_and_port(capsys: pytest.CaptureFixture[str]) -> None:
    for address in ("http://127.0.0.1:11434", "http://[::1]:1234/v1", "https://llm.example.com"):
        argv = ("model", "connect", "ollama/llama3.1", "--api-base", address, "--price-in", "0", "--price-out", "0")
        assert cli(capsys, *argv)[0] == 0, address


def test_a_key_name_is_checked_before_the_key_is_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("", "  ", " openai"):
        code, _, err = cli(capsys, "key", "set", name)
        assert code == 2 and "is not a usable secret name" in err and "Traceback" not in err


def test_a_zero_byte_database_is_not_taken_for_a_new_office(
    capsys: pytest.CaptureFixture[str], headcount_home: Path
) -> None:
    (headcount_home / "headcount.db").write_bytes(b"")
    for command in (("roster",), ("audit", "verify")):
        code, out, err = cli(capsys, *command)
        assert code == 1 and "is empty (0 bytes)" in err and "intact" not in out
    assert (headcount_home / "headcount.db").stat().st_size == 0  # left for the owner to restore or move


def test_a_broken_override_of_a_shipped_role_is_not_replaced_by_it(
    capsys: pytest.CaptureFixture[str], headcount_home: Path
) -> None:
    roles = headcount_home / "briefs" / "roles"
    roles.mkdir(parents=True)
    (roles / "assistant.md").write_text("---\nid: assistant\ntitle: Mine\nfunction: assistant\ngoal: [x]\n---\nb\n")
    code, _, err = cli(capsys, "hire", "assistant")
    assert code == 1 and "assistant.md:5" in err and "did you mean 'goals'" in err
    assert json.loads(cli(capsys, "roster", "--json")[1]) == []


def test_hours_need_a_time_zone(office: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "hours", "--window", "mon-fri 09:00-17:00")
    assert code != 0 and "--tz" in err


def headcount(home: Path, *args: str, stdin: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home)}
    command = [sys.executable, "-m", "app.launcher", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=180, stdin=stdin)


async def _hire_many(home: Path, count: int) -> None:
    """`count` assistants, hired in one process (thirty `headcount hire` processes took half a minute)."""
    from engine.office import Office
    from engine.paths import Home
    from engine.testing import ScriptedModel

    office = await Office.open(Home.resolve(home), model=ScriptedModel())
    try:
        for i in range(count):
            await office.hire(office.brief_for("assistant"), name=f"A{i}")
    finally:
        await office.close()


def test_closed_stdin_and_a_closed_pipe(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for args in (("key", "set", "openai"), ("new-role",)):
        result = headcount(home, *args, stdin=subprocess.DEVNULL)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert "standard input" in result.stderr or "no key" in result.stderr
    asyncio.run(_hire_many(home, 30))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home)}
    piped = subprocess.run(
        f"{sys.executable} -m app.launcher roster --json | head -c 10", shell=True, capture_output=True, text=True,
        env=env, timeout=180,
    )  # fmt: skip
    assert "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr


def test_new_role_refuses_a_taken_title_at_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    answers = "Grant writer\ncustom\nFind grants\n\n\n\n"
    first = subprocess.run(
        [sys.executable, "-m", "app.launcher", "new-role"], input=answers, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home)}, timeout=180,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    again = subprocess.run(
        [sys.executable, "-m", "app.launcher", "new-role"], input="Grant writer\nGrant seeker\n" + answers[13:],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home)},
        timeout=180,
    )  # fmt: skip
    assert "you already have a role 'grant-writer'" in again.stdout and again.returncode == 0
    assert (home / "briefs" / "roles" / "grant-seeker.md").is_file()


COMMANDS = [
    ("budget", "set", "Ada", "--per-day"),
    ("budget", "set", "Ada", "--per-turn"),
    ("budget", "raise", "Ada", "--once"),
    ("call-in", "Ada", "--hours"),
    ("probation", "Ada", "--count"),
    ("hire", "assistant", "--name"),
    ("assign", "Ada"),
    ("approve",),
    ("reject", "appr_x", "--reason"),
    ("resume",),
    ("resolve", "--happened"),
    ("log",),
    ("tasks", "--employee"),
    ("accept",),
    ("revise", "dlv_x", "--comment"),
    ("dismiss",),
    ("hours", "--tz", "Europe/London", "--window"),
    ("model", "connect"),
    ("audit", "export", "--out"),
]
VALUES = st.one_of(
    st.text(alphabet=string.printable, max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
    st.sampled_from(["", "-", "-1", "1e309", "nan", "none", "{}", "[1]", '{"path": 5}', "\x00", "é😀"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(command=st.sampled_from(COMMANDS), value=VALUES)
@example(command=("audit", "export", "--out"), value="\x00")  # found by hypothesis: a NUL in a file name
def test_random_values_never_raise_a_traceback(
    office: None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    value: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # a random value may be a file name to write (`audit export --out -1`)
    argv = ("resolve", value, "--happened") if command[0] == "resolve" else (*command, value)
    code, _, err = cli(capsys, *argv)  # any exception but SystemExit fails the test here
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err


def test_a_dismissed_employees_log_and_tasks_stay_readable(office: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "assign", "Ada", "Water the plants")[0] == 0
    assert cli(capsys, "dismiss", "Ada")[0] == 0
    code, out, err = cli(capsys, "log", "Ada", "--json")
    assert code == 0 and json.loads(out) == [], err  # no steps, but no "no such employee" either
    (task,) = json.loads(cli(capsys, "tasks", "--json")[1])
    assert task["employee"] == "Ada" and task["status"] == "cancelled"


async def test_the_office_checks_names_and_edited_arguments_itself(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    from engine.errors import OfficeError, OwnerError
    from engine.testing import ScriptedModel, call
    from tests.engine.test_guardrails import _mail_tools

    outbox: list[dict[str, str]] = []
    office = await make_office(
        ScriptedModel(call("send_email", to="client@example.test", body="Hi")), tools=_mail_tools(outbox)
    )
    with pytest.raises(OfficeError, match="one line of plain text"):
        await office.hire(office.brief_for(str(write_brief())), name="Ada\nLovelace")  # the window's path too
    await office.hire(office.brief_for(str(write_brief(tools=["send_email"]))), name="Ada")
    await office.assign("ada", "Email the client")
    await office.run(until_idle=True)
    (request,) = await office.approvals.list()
    with pytest.raises(OwnerError, match="to: 5 is not of type 'string'"):
        await office.decide(request.id, approve=True, edit={"to": 5})
    with pytest.raises(OwnerError, match=r"send_email takes no 'subjet'; its arguments are .*"):
        await office.decide(request.id, approve=True, edit={"to": "boss@example.test", "subjet": "Typo"})
    assert (await office.approvals.get(request.id)).status == "pending"  # type: ignore[union-attr]
    assert outbox == []


def _on_a_terminal(argv: list[str], home: Path, prompt: bytes) -> tuple[int, bytes]:
    """Run `headcount ARGV` on a pseudo-terminal, press Ctrl-C once its hidden prompt shows; (exit code, output).
    Reads wait on the terminal itself (bounded), never on a clock."""
    import pty
    import select

    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home), "HEADCOUNT_KEYRING_PASSPHRASE": "pp"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, on the terminal
        os.execve(sys.executable, [sys.executable, "-m", "app.launcher", *argv], env)
    said = b""

    def read(until: bytes | None) -> None:
        nonlocal said
        while until is None or until not in said:
            ready, _, _ = select.select([fd], [], [], 60)
            if not ready:
                raise AssertionError(f"nothing more on the terminal; it said {said!r}")
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the command ended: the terminal closed
                return
            if not chunk:
                return
            said += chunk

    try:
        read(prompt)
        os.write(fd, b"\x03")
        read(None)  # to the end: one Ctrl-C must end it
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), said


@pytest.mark.parametrize(
    ("argv", "prompt"),
    [(["key", "set", "openai"], b"API key for openai: "),
     (["connect", "email", "work", "--imap-host", "127.0.0.1", "--smtp-host", "127.0.0.1",
       "--user", "owner@example.test", "--plain"], b"Password for owner@example.test at 127.0.0.1: ")],
    ids=["key set", "connect email (inside the office's loop)"],
)  # fmt: skip
def test_one_ctrl_c_at_a_hidden_prompt_stops_the_command_and_says_nothing_was_saved(
    tmp_path: Path, argv: list[str], prompt: bytes
) -> None:
    """Inside the office's event loop the first Ctrl-C at a password prompt did nothing: it took two."""
    code, said = _on_a_terminal(argv, tmp_path / "home", prompt)
    assert code == 130 and b"Stopped: nothing was saved." in said and b"Traceback" not in said
