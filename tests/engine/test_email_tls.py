"""Email over TLS, as every real provider speaks it: Dovecot with IMAPS and STARTTLS, aiosmtpd with SMTPS and
STARTTLS, on 127.0.0.1 with a certificate from a test authority (trustme) that this process is told to trust.

The assistant's whole flow (read, draft, approval, send once, keep the copy in Sent) runs over each; a server
whose certificate this machine does not trust is refused with a clear reason, and nothing is saved."""

from __future__ import annotations

import argparse
import io
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from engine.apps.email_check import check_account, check_smtp
from engine.apps.email_config import EmailAccount, read_accounts
from engine.apps.email_imap import MailError
from engine.cli_email import connect_email
from engine.errors import OwnerError
from engine.llm.client import LiteLLMClient
from engine.office import Office
from engine.paths import Home
from tests.engine.mailservers import OWNER, OWNER_PASSWORD, Dovecot, SmtpSink, running_smtp, start_dovecot
from tests.engine.test_email import _assistant_asks_to_send, _delivered_once, _everything_on_disk


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA(organization_name="Headcount test authority")


@pytest.fixture
def trusted(authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process trusts the test authority as it trusts the system's (OpenSSL reads SSL_CERT_FILE)."""
    pem = tmp_path / "authority.pem"
    authority.cert_pem.write_to_path(str(pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    return pem


@pytest.fixture
def tls_dovecot(authority: trustme.CA) -> Iterator[Dovecot]:
    issued = authority.issue_cert("127.0.0.1", "localhost")
    chain = b"".join(blob.bytes() for blob in issued.cert_chain_pems)
    server = start_dovecot({OWNER: OWNER_PASSWORD}, tls=(chain, issued.private_key_pem.bytes()))
    try:
        yield server
    finally:
        server.stop()


def _server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(params=["ssl", "starttls"])
def security(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def tls_smtp(authority: trustme.CA, security: str) -> Iterator[SmtpSink]:
    context = _server_context(authority)
    tls = {"tls": context} if security == "ssl" else {"starttls": context}
    with running_smtp({OWNER: OWNER_PASSWORD}, **tls) as sink:  # type: ignore[arg-type]
        yield sink


def _imap_port(d: Dovecot, security: str) -> int:
    assert d.tls_port is not None
    return d.tls_port if security == "ssl" else d.port


def _account(d: Dovecot, sink: SmtpSink, security: str) -> EmailAccount:
    return EmailAccount(
        name="work", address=OWNER, user=OWNER, imap_host="127.0.0.1", imap_port=_imap_port(d, security),
        imap_security=security, smtp_host="127.0.0.1", smtp_port=sink.port, smtp_security=security,  # type: ignore[arg-type]
    )  # fmt: skip


async def _connect(office: Office, d: Dovecot, sink: SmtpSink, security: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`headcount connect email work … --ssl|--starttls`, the password typed on stdin."""
    from engine.cli_connect import add_commands

    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    args = ["connect", "email", "work", "--imap-host", "127.0.0.1", "--imap-port", str(_imap_port(d, security)),
            "--smtp-host", "127.0.0.1", "--smtp-port", str(sink.port), "--user", OWNER, f"--{security}"]  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{OWNER_PASSWORD}\n"))
    await connect_email(office, parser.parse_args(args))


async def test_the_assistant_sends_once_over_tls(
    headcount_home: Path,
    trusted: Path,
    tls_dovecot: Dovecot,
    tls_smtp: SmtpSink,
    security: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    office = await Office.open(Home.resolve(headcount_home), model=LiteLLMClient())  # no key: the rehearsal model
    try:
        await _connect(office, tls_dovecot, tls_smtp, security, monkeypatch)
        task_id, approval_id = await _assistant_asks_to_send(office, tls_dovecot, tls_smtp)
        await office.decide(approval_id, approve=True)
        await office.run(until_idle=True)
        assert (await office.journal.task(task_id)).status in ("review", "done")  # type: ignore[union-attr]
    finally:
        await office.close()
    _delivered_once(tls_dovecot, tls_smtp)
    assert OWNER_PASSWORD.encode() not in _everything_on_disk(headcount_home)


async def test_a_server_this_machine_does_not_trust_is_refused_and_nothing_is_saved(
    headcount_home: Path,
    tmp_path: Path,
    tls_dovecot: Dovecot,
    tls_smtp: SmtpSink,
    security: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stranger = tmp_path / "another-authority.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    monkeypatch.setenv("SSL_CERT_FILE", str(stranger))  # the servers' authority is not among the trusted
    account = _account(tls_dovecot, tls_smtp, security)
    with pytest.raises(MailError) as refused:
        await check_account(account, OWNER_PASSWORD)
    said = str(refused.value)
    assert said.startswith(f"the IMAP server 127.0.0.1:{account.imap_port} presented a certificate this computer "
                           "does not trust (unable to get local issuer certificate)"), said  # fmt: skip
    assert OWNER_PASSWORD not in said
    with pytest.raises(MailError) as smtp_refused:
        await check_smtp(account, OWNER_PASSWORD)
    assert str(smtp_refused.value).startswith(f"the SMTP server 127.0.0.1:{tls_smtp.port} presented a certificate")

    office = await Office.open(Home.resolve(headcount_home), model=LiteLLMClient())
    try:
        with pytest.raises(OwnerError, match="presented a certificate this computer does not trust"):
            await _connect(office, tls_dovecot, tls_smtp, security, monkeypatch)
        assert await office.journal.read(read_accounts) == {}
    finally:
        await office.close()
