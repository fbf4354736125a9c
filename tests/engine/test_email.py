"""Email on real servers on 127.0.0.1: Dovecot (IMAP) and aiosmtpd (SMTP), started by the suite.

The done-criterion of issue 13: in rehearsal the personal assistant reads a real mailbox, drafts a
reply, asks for approval, and after approval the message reaches the SMTP server exactly once, also
when the office is killed with SIGKILL in the middle of sending it.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli_email import connect_email
from engine.llm.client import LiteLLMClient
from engine.office import Office
from engine.paths import Home
from tests.engine.mailservers import OWNER, OWNER_PASSWORD, Dovecot, SmtpSink, letter

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("mail_crash_worker.py")
ALICE = "alice@client.test"
QUESTION_ID = "<q1.7781@client.test>"
TASK = "Answer the newest message in the inbox"


def _connect_args(d: Dovecot, sink: SmtpSink, name: str = "work") -> list[str]:
    return [
        "connect", "email", name,
        "--imap-host", "127.0.0.1", "--imap-port", str(d.port),
        "--smtp-host", "127.0.0.1", "--smtp-port", str(sink.port),
        "--user", OWNER, "--plain",
    ]  # fmt: skip


def headcount(home: Path, *args: str, stdin: str = "", ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "app.launcher", *args], input=stdin, capture_output=True, text=True, env=env, timeout=180
    )
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    return result


def _everything_on_disk(home: Path) -> bytes:
    """The database (and its WAL), the logs and the audit: wherever a password must never be."""
    found = b""
    for path in home.rglob("*"):
        if path.is_file() and path.name != "secrets.cfg":  # the plain-file keyring of a headless machine
            found += path.read_bytes()
    return found


def test_connect_lists_and_disconnects_an_account(headcount_home: Path, dovecot: Dovecot, smtp_sink: SmtpSink) -> None:
    wrong = headcount(headcount_home, *_connect_args(dovecot, smtp_sink), stdin="not-it\n", ok=False)
    assert "refused the login of owner@example.com" in wrong.stderr and "Nothing was saved" in wrong.stderr
    assert "b'" not in wrong.stderr  # the server's words, not Python's spelling of bytes
    outside = [*_connect_args(dovecot, smtp_sink)[:-1], "--plain"]
    outside[outside.index("--imap-host") + 1] = "mail.example.com"
    refused = headcount(headcount_home, *outside, stdin=f"{OWNER_PASSWORD}\n", ok=False)
    assert "--plain would send the password unencrypted to mail.example.com" in refused.stderr

    done = headcount(headcount_home, *_connect_args(dovecot, smtp_sink), stdin=f"{OWNER_PASSWORD}\n")
    assert "Connected the email account 'work': owner@example.com" in done.stdout
    assert "kept in 'Sent', drafts in 'Drafts'" in done.stdout  # found by the folders' special use
    (row,) = json.loads(headcount(headcount_home, "connections", "--json").stdout)
    assert (row["name"], row["kind"], row["status"], row["error"]) == ("work", "email", "ok", None)
    assert OWNER_PASSWORD.encode() not in _everything_on_disk(headcount_home)
    assert OWNER_PASSWORD not in done.stdout + done.stderr
    headcount(headcount_home, "hire", "assistant", "--name", "Pat")
    for verb in ("grant", "revoke"):  # an account is used through a brief's tools: say so, not "no app"
        told = headcount(headcount_home, verb, "work", "Pat", ok=False)
        assert "'work' is an email account" in told.stderr and "email:work.*" in told.stderr, told.stderr

    gone = headcount(headcount_home, "disconnect", "work")
    assert "Disconnected the email account 'work'" in gone.stdout
    assert json.loads(headcount(headcount_home, "connections", "--json").stdout) == []


async def _office_with_account(home: Path, d: Dovecot, sink: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> Office:
    office = await Office.open(Home.resolve(home), model=LiteLLMClient())  # no key: the rehearsal model
    parser = argparse.ArgumentParser()
    from engine.cli_connect import add_commands

    add_commands(parser.add_subparsers(dest="command"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{OWNER_PASSWORD}\n"))
    await connect_email(office, parser.parse_args(_connect_args(d, sink)))
    return office


async def _assistant_asks_to_send(office: Office, d: Dovecot, sink: SmtpSink) -> tuple[str, str]:
    """Mail arrives; the assistant reads it, drafts a reply and asks to send it. (task id, approval id)"""
    d.append(OWNER, letter(f"Alice Ames <{ALICE}>", OWNER, "Meeting next week", "Could we meet on Tuesday?",
                           QUESTION_ID, "Mon, 30 Nov 2026 08:00:00 +0000"))  # fmt: skip
    record = await office.hire(office.brief_for("assistant"), name="Pat")
    await office.call_in(record.id, hours=24)
    task = await office.assign(record.id, TASK)
    await office.run(until_idle=True)

    assert (await office.journal.task(task.id)).status == "waiting"  # type: ignore[union-attr]
    (request,) = await office.approvals.list()
    arguments = json.loads(request.arguments)
    assert request.tool == "send_email" and arguments["to"] == [ALICE]
    assert arguments["subject"] == "Re: Meeting next week" and arguments["in_reply_to"] == QUESTION_ID
    (draft,) = d.messages(OWNER, "Drafts")
    assert draft["To"] == ALICE and draft["In-Reply-To"] == QUESTION_ID and "Hello Alice" in draft.get_content()
    assert sink.received == []  # nothing goes out before the owner says so
    steps = await office.journal.steps(task_id=task.id)
    assert [s.tool for s in steps if s.kind == "tool"][:2] == ["read_inbox", "draft_email"]
    assert all(s.rehearsal for s in steps if s.kind == "model")
    return task.id, request.id


def _delivered_once(d: Dovecot, sink: SmtpSink) -> None:
    (sent,) = sink.received
    assert sink.envelopes == [(OWNER, (ALICE,))] and sink.logins == [OWNER]
    assert sent["In-Reply-To"] == QUESTION_ID and sent["From"] == OWNER and sent["Subject"] == "Re: Meeting next week"
    assert sent["Message-ID"].startswith("<hc.") and sent["Message-ID"].endswith("@example.com>")
    (copy,) = d.messages(OWNER, "Sent")
    assert copy["Message-ID"] == sent["Message-ID"]


async def test_the_assistant_reads_drafts_and_sends_once_after_approval(
    headcount_home: Path, dovecot: Dovecot, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = await _office_with_account(headcount_home, dovecot, smtp_sink, monkeypatch)
    try:
        task_id, approval_id = await _assistant_asks_to_send(office, dovecot, smtp_sink)
        await office.decide(approval_id, approve=True)
        await office.run(until_idle=True)
        assert (await office.journal.task(task_id)).status in ("review", "done")  # type: ignore[union-attr]
        steps = await office.journal.steps(task_id=task_id)
        assert [s.tool for s in steps if s.kind == "tool" and s.status == "finished"][:3] == [
            "read_inbox", "draft_email", "send_email",
        ]  # fmt: skip
    finally:
        await office.close()
    _delivered_once(dovecot, smtp_sink)
    assert OWNER_PASSWORD.encode() not in _everything_on_disk(headcount_home)


@pytest.mark.parametrize("kill_at", ["before_send", "after_data", "after_append"])
async def test_a_send_cut_short_by_kill_9_is_delivered_exactly_once(
    headcount_home: Path, dovecot: Dovecot, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch, kill_at: str
) -> None:
    office = await _office_with_account(headcount_home, dovecot, smtp_sink, monkeypatch)
    try:
        task_id, approval_id = await _assistant_asks_to_send(office, dovecot, smtp_sink)
        await office.decide(approval_id, approve=True)
    finally:
        await office.close()

    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADCOUNT_HOME": str(headcount_home)}
    worker = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, str(WORKER), str(headcount_home), kill_at],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert worker.returncode == -9 and "killed" in worker.stdout, worker.stdout + worker.stderr
    assert len(smtp_sink.received) == (0 if kill_at == "before_send" else 1)

    office = await Office.open(Home.resolve(headcount_home), model=LiteLLMClient())  # the restart
    try:
        await office.run(until_idle=True)
        task = await office.journal.task(task_id)
        assert task is not None
        if kill_at == "after_data":
            # The server took it in the instant before the Sent copy: nobody can tell, so it is not sent again
            # on a guess; the owner is asked, with the reason, and says it went.
            assert task.status == "uncertain" and "may have taken the message" in task.reason, task.reason
            await office.resolve(task_id, happened=True)
            await office.run(until_idle=True)
            task = await office.journal.task(task_id)
            assert task is not None
        assert task.status in ("review", "done"), (task.status, task.reason)
        steps = await office.journal.steps(task_id=task_id)
        sends = [s for s in steps if s.tool == "send_email"]
        assert [s.status for s in sends if s.status == "finished"] == ["finished"]
    finally:
        await office.close()
    assert len(smtp_sink.received) == 1
    assert smtp_sink.envelopes == [(OWNER, (ALICE,))]
    if kill_at != "after_data":
        _delivered_once(dovecot, smtp_sink)


async def test_a_send_the_server_never_confirmed_waits_for_the_owner_and_is_not_sent_twice(
    headcount_home: Path, dovecot: Dovecot, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server takes the whole message, then the connection drops before its "250": it may have gone out.
    The task parks as uncertain (as after a crash), never fails in a way that invites sending it again."""
    office = await _office_with_account(headcount_home, dovecot, smtp_sink, monkeypatch)
    try:
        task_id, approval_id = await _assistant_asks_to_send(office, dovecot, smtp_sink)
        smtp_sink.cut = 1
        await office.decide(approval_id, approve=True)
        await office.run(until_idle=True)
        assert len(smtp_sink.received) == 1
        task = await office.journal.task(task_id)
        assert task is not None and task.status == "uncertain", (task and task.status, task and task.reason)
        assert "may have gone out" in task.reason and f"127.0.0.1:{smtp_sink.port}" in task.reason, task.reason
        (send,) = [s for s in await office.journal.steps(task_id=task_id) if s.tool == "send_email"]
        assert send.status == "uncertain" and "not sent again on a guess" in (send.result or ""), send.result
        (uncertain,) = [h for h in await office.held_work() if h.task_id == task_id]
        assert uncertain.kind == "uncertain"

        await office.run(until_idle=True)  # nothing runs it again until the owner says
        assert len(smtp_sink.received) == 1
        await office.resolve(task_id, happened=True)  # a recipient has it
        await office.run(until_idle=True)
        task = await office.journal.task(task_id)
        assert task is not None and task.status in ("review", "done"), (task.status, task.reason)
    finally:
        await office.close()
    assert len(smtp_sink.received) == 1
