"""`headcount doctor`: each check finds its problem on a real data folder and names the fix; nothing is touched."""

from __future__ import annotations

import json
import socket
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine import doctor, doctor_apps
from engine.apps.email_config import EmailAccount
from engine.cli import main as cli_main
from engine.connections import connect
from engine.doctor import examine, render
from engine.doctor_apps import AppKind, register
from engine.doctor_check import Check
from engine.errors import OwnerError
from engine.paths import Home
from engine.runlock import RunLock, lock_holder
from engine.store.backups import DAILY, take_backup
from engine.store.settings import put_setting
from engine.testing import ScriptedModel
from engine.tools.mcp_config import McpServerConfig
from tests.engine.conftest import BriefWriter, OfficeFactory

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
GRAPHICS = Check(name="graphics", status="ok", summary="p3tinydisplay (stub)")
KEYRING = Check(name="keyring", status="ok", summary="in-memory (stub)")


def run(home: Path, *, keys: frozenset[str] = frozenset(), online: bool = False) -> dict[str, Check]:
    checks = examine(
        Home.resolve(home),
        now=NOW,
        graphics=lambda: GRAPHICS,
        keyring=KEYRING,
        has_key=lambda name: name in keys,
        online=online,
    )
    assert all(c.fix for c in checks if c.status in ("warn", "problem")), "every problem names its fix"
    return {c.name: c for c in checks}


def tree(root: Path) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def no_app_graphics(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The engine's tests never load Panda3D: the CLI's graphics check answers from a stub."""
    monkeypatch.setattr(doctor, "app_graphics", lambda: GRAPHICS)
    monkeypatch.setattr(doctor, "keyring_check", lambda home: KEYRING)
    yield


def test_a_new_data_folder_has_no_problems_and_the_report_says_so(headcount_home: Path) -> None:
    checks = run(headcount_home)
    assert [c.status for c in checks.values()] == ["ok"] * 9
    assert checks["briefs"].summary == "nobody hired yet"
    assert checks["apps"].summary.startswith("none connected")
    assert checks["model"].summary.startswith("rehearsal")
    assert checks["database"].summary.startswith("none yet")
    assert checks["run lock"].summary.startswith("free")
    text = render(Home.resolve(headcount_home), list(checks.values()))
    assert text.endswith("No problems found.")
    assert not (headcount_home / "headcount.db").exists(), "asking creates no database"


async def test_an_intact_office_is_reported_read_only_with_its_schema_and_backup(
    headcount_home: Path, make_office: OfficeFactory
) -> None:
    office = await make_office(ScriptedModel())
    await office.close()
    take_backup(headcount_home / "headcount.db", headcount_home / "backups", DAILY, NOW - timedelta(hours=3))
    before = tree(headcount_home)
    checks = run(headcount_home)
    assert checks["database"].status == "ok" and "intact" in checks["database"].summary
    assert checks["database"].details["revision"]
    assert checks["backup"].status == "ok" and "3 h ago" in checks["backup"].summary
    assert tree(headcount_home) == before, "the doctor changed a file in the data folder"


async def test_an_employee_whose_brief_does_not_load_is_a_problem_naming_file_line_and_field(
    headcount_home: Path, make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    office = await make_office(ScriptedModel())
    path = write_brief(id="clerk", title="Clerk")
    await office.hire(office.brief_for(str(path)), name="Bea")
    await office.hire(office.brief_for(str(write_brief(id="typist", title="Typist"))), name="Cy")
    await office.close()
    assert run(headcount_home)["briefs"].summary == "2 hired, each brief loads"

    path.write_text(path.read_text().replace("function: ops", "function: wizard"))
    before = tree(headcount_home)
    found = run(headcount_home)["briefs"]  # changed since the office read it: parsed here, as the office would
    assert found.status == "problem" and found.summary.startswith(f"Bea cannot work: {path}:4: field 'function'")
    assert "headcount dismiss Bea" in found.fix and found.details["brief"] == str(path)
    assert tree(headcount_home) == before, "the doctor changed a file in the data folder"

    office = await make_office(ScriptedModel())  # the office's own verdict, kept for the file as it is
    await office.close()
    assert run(headcount_home)["briefs"].summary == found.summary

    path.unlink()  # gone: the office works from the copy it stored at hiring, which loads
    assert run(headcount_home)["briefs"].status == "ok"


def test_a_damaged_database_is_a_problem_whose_fix_restores_the_newest_backup(headcount_home: Path) -> None:
    database = headcount_home / "headcount.db"
    database.write_bytes(b"SQLite format 3\x00" + b"\x13" * 4000)
    take_backup_dir = headcount_home / "backups"
    take_backup_dir.mkdir()
    (take_backup_dir / "headcount-daily-20261206T020000000000.db").write_bytes(b"x")
    checks = run(headcount_home)
    assert checks["database"].status == "problem"
    assert "damaged" in checks["database"].summary
    assert "headcount" in checks["database"].fix and "restore" in checks["database"].fix


async def test_a_database_the_owner_cannot_write_is_an_access_problem_never_restore_advice(
    headcount_home: Path, make_office: OfficeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Restoring an older backup over a healthy database the owner only lacks access to would lose its work."""
    office = await make_office(ScriptedModel())
    await office.close()
    real_access = doctor.os.access
    # The folder read-only for this user, as `chmod a-w` makes it for anyone but root (the tests may run as root).
    monkeypatch.setattr(doctor.os, "access", lambda p, mode: Path(p) != headcount_home and real_access(p, mode))
    check = run(headcount_home)["database"]
    assert check.status == "problem" and "not writable for you (its folder" in check.summary
    assert "restore" not in check.fix and "chmod" in check.fix
    monkeypatch.setattr(doctor.os, "access", real_access)

    def refused(path: Path) -> list[str]:  # what SQLite says opening a WAL database in a read-only folder
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(doctor, "quick_check", refused)
    check = run(headcount_home)["database"]
    assert check.status == "problem" and "could not be read: attempt to write a readonly database" in check.summary
    assert "damaged" not in check.summary and "restore" not in check.fix


def test_an_empty_database_file_is_a_problem_not_a_new_office(headcount_home: Path) -> None:
    (headcount_home / "headcount.db").touch()
    checks = run(headcount_home)
    assert checks["database"].status == "problem" and "0 bytes" in checks["database"].summary


async def test_no_backup_or_an_old_one_is_a_warning_that_says_how_to_take_one(
    headcount_home: Path, make_office: OfficeFactory
) -> None:
    office = await make_office(ScriptedModel())
    await office.close()
    for backup in (headcount_home / "backups").glob("*.db"):
        backup.unlink()
    assert run(headcount_home)["backup"].status == "warn"
    take_backup(headcount_home / "headcount.db", headcount_home / "backups", DAILY, NOW - timedelta(days=5))
    stale = run(headcount_home)["backup"]
    assert stale.status == "warn" and "5 days ago" in stale.summary and "headcount backup" in stale.fix


async def test_a_connected_model_without_its_key_is_a_problem_naming_the_key_command(
    headcount_home: Path, make_office: OfficeFactory
) -> None:
    office = await make_office(ScriptedModel())
    await office.connect_model("openai/gpt-4o-mini", api_key_name="openai")
    await office.close()
    missing = run(headcount_home)["model"]
    assert missing.status == "problem"
    assert missing.fix == "store it (typed, never echoed): headcount key set openai"
    present = run(headcount_home, keys=frozenset({"openai"}))["model"]
    assert present.status == "ok" and "openai/gpt-4o-mini" in present.summary and "not contacted" in present.summary


async def test_a_local_servers_address_is_tried_and_one_elsewhere_only_with_online(
    headcount_home: Path, make_office: OfficeFactory
) -> None:
    with socket.socket() as closed:  # a port nobody listens on: bound, never listening
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        office = await make_office(ScriptedModel())
        with pytest.raises(OwnerError, match="expected a server address"):  # the window's form says it too
            await office.connect_model("ollama/llama3.1", api_base="notaurl", price=None)
        await office.connect_model("ollama/llama3.1", api_base=f"http://127.0.0.1:{port}", price=None)
        await office.close()
        refused = run(headcount_home)["model"]  # this machine's own server: tried without --online (it is free)
    assert refused.status == "problem" and f"127.0.0.1:{port}" in refused.summary and "ollama serve" in refused.fix
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert run(headcount_home)["model"].summary.endswith("reached")
    office = await make_office(ScriptedModel())  # a server elsewhere on the network: only with --online
    ada = await office.hire(office.brief_for("assistant"), name="Ada")
    await office.connect_model("ollama/llama3.1", who=ada.id, api_base="http://192.0.2.1:11434", price=None)
    await office.close()
    lines = [c for c in examine(Home.resolve(headcount_home), now=NOW, graphics=lambda: GRAPHICS, keyring=KEYRING,
                                has_key=frozenset().__contains__) if c.name == "model"]  # fmt: skip
    (elsewhere,) = [c for c in lines if c.summary.startswith("Ada: ")]  # named, not by id
    assert elsewhere.status == "ok" and elsewhere.summary.endswith("not contacted (add --online to try its address)")


def apps(home: Path, *, keys: frozenset[str] = frozenset(), online: bool = False) -> dict[str, Check]:
    """The connected-apps lines by connection name."""
    checks = examine(
        Home.resolve(home),
        now=NOW,
        graphics=lambda: GRAPHICS,
        keyring=KEYRING,
        has_key=keys.__contains__,
        online=online,
    )
    assert all(c.fix for c in checks if c.status in ("warn", "problem")), "every problem names its fix"
    return {str(c.details["name"]): c for c in checks if c.name == "apps"}


async def test_each_connected_app_is_checked_for_its_keys_its_command_and_online_its_address(
    headcount_home: Path, make_office: OfficeFactory
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        office = await make_office(ScriptedModel())
        await connect(office, McpServerConfig(name="files", command=sys.executable, env={"TOKEN": "files_token"}))
        await connect(office, McpServerConfig(name="gone", command="/nowhere/mcp-server-gone"))
        await connect(
            office, McpServerConfig(name="web", url=f"http://127.0.0.1:{port}/mcp", headers={"X-Key": "web_token"})
        )
        await office.journal.write(put_setting("mcp:broken", '{"command": 3}'))
        await office.close()
        found = apps(headcount_home)
        assert found["files"].status == "problem" and found["files"].fix.endswith("headcount key set files_token")
        assert found["gone"].status == "problem" and "not found" in found["gone"].summary
        assert "/full/path/to/mcp-server-gone" in found["gone"].fix
        assert found["broken"].status == "problem" and "cannot be read" in found["broken"].summary
        assert "headcount connect mcp broken" in found["broken"].fix
        keyed = apps(headcount_home, keys=frozenset({"files_token", "web_token"}))
        assert keyed["files"].status == "ok" and "'files_token' stored" in keyed["files"].summary
        assert keyed["web"].status == "ok" and "not contacted" in keyed["web"].summary, "no connection without --online"
        refused = apps(headcount_home, keys=frozenset({"files_token", "web_token"}), online=True)["web"]
        unread = examine(Home.resolve(headcount_home), now=NOW, graphics=lambda: GRAPHICS, keyring=KEYRING,
                         has_key=lambda name: None)  # fmt: skip
        files = next(c for c in unread if c.details.get("name") == "files")
        assert files.status == "warn" and "'files_token' not checked: the keys cannot be read here" in files.summary
    assert refused.status == "problem" and f"127.0.0.1:{port}" in refused.summary
    assert "headcount connect mcp web" in refused.fix
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        reached = apps(headcount_home, keys=frozenset({"files_token", "web_token"}), online=True)["web"]
        assert reached.status == "ok" and "; reached" in reached.summary


async def test_an_email_account_needs_its_password_and_online_both_its_servers(
    headcount_home: Path, make_office: OfficeFactory
) -> None:
    with socket.socket() as imap, socket.socket() as closed:
        imap.bind(("127.0.0.1", 0))
        imap.listen()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: the SMTP server is down
        account = EmailAccount(
            name="work", address="me@example.com", user="me", imap_host="127.0.0.1",
            imap_port=imap.getsockname()[1], imap_security="plain", smtp_host="127.0.0.1",
            smtp_port=closed.getsockname()[1], smtp_security="plain",
        )  # fmt: skip
        office = await make_office(ScriptedModel())
        await office.journal.write(put_setting(f"email:{account.name}", account.stored()))
        await office.close()
        missing = apps(headcount_home)["work"]
        assert missing.status == "problem" and missing.fix.endswith(f"headcount key set {account.password_key}")
        offline = apps(headcount_home, keys=frozenset({account.password_key}))["work"]
        assert offline.status == "ok" and "not contacted" in offline.summary
        down = apps(headcount_home, keys=frozenset({account.password_key}), online=True)["work"]
        assert down.status == "problem" and f"SMTP server 127.0.0.1:{closed.getsockname()[1]}" in down.summary
        assert "headcount connect email work" in down.fix


async def test_a_new_kind_of_connection_is_checked_by_the_generic_check_and_a_faulty_one_is_contained(
    headcount_home: Path, make_office: OfficeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = await make_office(ScriptedModel())
    await office.journal.write(put_setting("mailbox:work", json.dumps({"key": "imap_work", "host": "127.0.0.1:1"})))
    await office.journal.write(put_setting("cal:home", "{}"))
    await office.close()

    def fails(kind: AppKind, name: str, value: str, has_key: object, online: bool) -> Check:
        raise RuntimeError("a bug in this kind's check")

    monkeypatch.setattr(doctor_apps, "KINDS", dict(doctor_apps.KINDS))  # register() below is undone after
    mailbox = AppKind(
        prefix="mailbox:",
        label="mailbox",
        keys=lambda n, v: [json.loads(v)["key"]],
        address=lambda n, v: json.loads(v)["host"],
        reconnect="headcount connect email {name}",
    )
    register(mailbox)
    register(AppKind(prefix="cal:", label="calendar", keys=lambda n, v: [], reconnect="x", check=fails))
    found = apps(headcount_home)
    assert found["work"].status == "problem" and found["work"].fix.endswith("headcount key set imap_work")
    keyed = apps(headcount_home, keys=frozenset({"imap_work"}), online=True)["work"]
    assert keyed.status == "problem" and "127.0.0.1:1" in keyed.summary and "headcount connect email work" in keyed.fix
    assert found["home"].status == "warn" and "RuntimeError" in found["home"].summary


def test_the_run_lock_names_the_process_that_works_the_office(headcount_home: Path) -> None:
    path = headcount_home / "run.lock"
    assert lock_holder(path) is None and not path.exists(), "asking creates no lock file"
    lock = RunLock(path)
    lock.acquire()
    try:
        assert run(headcount_home)["run lock"].details["holder"].startswith("process ")
    finally:
        lock.release()
    assert lock_holder(path) is None


def test_graphics_reports_software_rendering_and_a_missing_pipe_as_a_problem() -> None:
    found = {"pipe": "p3tinydisplay", "interface": "TinyPanda", "software": True}
    assert "software rendering" in doctor.graphics_check(found).summary
    hardware = doctor.graphics_check({"pipe": "pandagl", "interface": "OpenGL", "software": False})
    assert hardware.summary == "pandagl (OpenGL, hardware)"
    missing = doctor._no_graphics("no usable Panda3D graphics pipe among ['p3tinydisplay']")
    assert missing.status == "problem" and "HEADCOUNT_PANDA_PIPE=p3tinydisplay" in missing.fix


def test_graphics_is_skipped_when_only_the_engine_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_app(name: str) -> object:
        raise ModuleNotFoundError(f"No module named {name!r}", name="app")

    monkeypatch.setattr(doctor.importlib, "import_module", no_app)
    assert doctor.app_graphics().status == "skip"


def test_the_command_prints_json_and_fails_on_a_problem(
    headcount_home: Path, capsys: pytest.CaptureFixture[str], no_app_graphics: None
) -> None:
    assert cli_main(["--home", str(headcount_home), "doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["home"] == str(headcount_home)
    assert [c["name"] for c in report["checks"]] == [
        "graphics",
        "keyring",
        "data folder",
        "database",
        "backup",
        "briefs",
        "model",
        "apps",
        "run lock",
    ]
    (headcount_home / "headcount.db").write_bytes(b"not a database at all" * 100)
    assert cli_main(["doctor", "--home", str(headcount_home)]) == 1
    out = capsys.readouterr().out
    assert "problem  database" in out and "fix: " in out and out.rstrip().endswith("each says how to fix it.")


def test_a_stored_domain_many_owners_share_is_ignored_and_named_until_removed(
    headcount_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`com` kept as an owner's domain by an earlier version: `domains` and the doctor name it, and it goes."""
    home = ["--home", str(headcount_home)]
    assert cli_main([*home, "domains", "add", "example.com"]) == 0
    with pytest.raises(SystemExit) as refused:
        cli_main([*home, "domains", "add", "com"])
    assert refused.value.code == 2 and "'com' is a top-level domain" in capsys.readouterr().err
    with sqlite3.connect(headcount_home / "headcount.db") as conn:  # as an earlier version stored them
        conn.execute("UPDATE settings SET value = ? WHERE key = 'owner_domains'", ('["com", "example.com"]',))
    assert cli_main([*home, "domains"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "example.com",
        "com: ignored, many owners share it (remove it: headcount domains remove com)",
    ]
    (found,) = [c for c in run(headcount_home).values() if c.name == "domains"]
    assert found.status == "warn" and found.summary.startswith("'com' is ignored as one of your domains")
    assert found.fix == "headcount domains remove com"
    assert cli_main([*home, "domains", "remove", "com"]) == 0
    assert capsys.readouterr().out.splitlines() == ["example.com"]
    assert "domains" not in run(headcount_home)
    assert cli_main([*home, "domains", "remove", "com"]) == 1
    assert "'com' is not among your domains" in capsys.readouterr().err


async def test_calendars_github_and_google_accounts_need_their_credential_and_online_their_address(
    headcount_home: Path, make_office: OfficeFactory
) -> None:
    from engine.apps.accounts import AppConfig, save_app

    with socket.socket() as caldav, socket.socket() as closed:
        caldav.bind(("127.0.0.1", 0))
        caldav.listen()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: the token endpoint is down
        office = await make_office(ScriptedModel())
        await save_app(office, AppConfig(name="cal", kind="calendar", url=f"http://127.0.0.1:{caldav.getsockname()[1]}/a",
                                         user="ann"))  # fmt: skip
        up = caldav.getsockname()[1]
        await save_app(office, AppConfig(name="gh", kind="github", url=f"http://127.0.0.1:{up}/api", client_id="I"))
        token_url = f"http://127.0.0.1:{closed.getsockname()[1]}/token"
        await save_app(office, AppConfig(name="work-google", kind="google", url=token_url, token_url=token_url,
                                         client_id="c", user="ann@example.com"))  # fmt: skip
        gmail = EmailAccount(
            name="gmail", address="ann@example.com", user="ann@example.com", imap_host="127.0.0.1",
            imap_port=up, imap_security="ssl", smtp_host="127.0.0.1", smtp_port=up, smtp_security="ssl",
            oauth="work-google",
        )  # fmt: skip
        await office.journal.write(put_setting("email:gmail", gmail.stored()))
        await office.close()

        bare = apps(headcount_home)
        assert bare["cal"].status == "problem" and bare["cal"].summary.startswith("calendar 'cal': no key stored")
        assert "headcount connect calendar cal --url" in bare["cal"].fix
        assert bare["gh"].status == "problem" and bare["gh"].summary.startswith("GitHub account 'gh'")
        assert "headcount connect github gh --client-id" in bare["gh"].fix and "key set" not in bare["gh"].fix
        assert bare["work-google"].summary.startswith(
            "Google account 'work-google': no key stored as 'app:work-google'"
        )
        assert (
            bare["gmail"].status == "problem" and "'app:work-google'" in bare["gmail"].summary
        )  # its sign-in's tokens

        keys = frozenset({"app:cal", "app:gh", "app:work-google"})
        offline = apps(headcount_home, keys=keys)
        assert all(offline[n].status == "ok" for n in ("cal", "gh", "work-google", "gmail"))
        assert "not contacted" in offline["cal"].summary and token_url in offline["work-google"].summary
        online = apps(headcount_home, keys=keys, online=True)
        assert online["cal"].status == "ok" and "; reached" in online["cal"].summary
        assert "`headcount connections` tries the connection itself" in online["cal"].summary  # no login here
        assert online["gh"].status == "ok" and online["gmail"].status == "ok"
        assert (
            online["work-google"].status == "problem"
            and f"127.0.0.1:{closed.getsockname()[1]}" in online["work-google"].summary
        )
        assert "headcount connect google work-google --client-id" in online["work-google"].fix
