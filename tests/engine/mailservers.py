"""Real mail servers on 127.0.0.1 for tests: Dovecot (IMAP) and aiosmtpd (SMTP), started by the suite.

Dovecot runs from its own config in a fresh folder (`dovecot -c …`), never as the system service, with
one passwd-file user per mailbox. It binds its ports before it detaches, so once the command returns
the server listens: nothing waits for the port. Its login processes refuse to run as root, so when the
suite is root (CI) the whole server runs as `nobody`. Use the fixtures:

    from tests.engine.mailservers import dovecot, smtp_sink  # noqa: F401  (pytest fixtures)
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import select
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

DOVECOT = shutil.which("dovecot") or next(
    (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if Path(p).exists()), None
)
OWNER = "owner@example.com"
OWNER_PASSWORD = "imap-Secret-7731"  # the test mailbox's password: must never reach the database or a log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _master_of(config: Path) -> int:
    """The pid of the Dovecot master started with this config (it detached: it is nobody's child)."""
    wanted = f"-c\0{config}\0".encode()
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            cmdline = (entry / "cmdline").read_bytes()
            if entry.name.isdigit() and cmdline.startswith(f"{DOVECOT}\0".encode()) and wanted in cmdline:
                return int(entry.name)
    raise RuntimeError(f"no dovecot runs with {config}")


@dataclass
class Dovecot:
    """A running Dovecot with one mailbox per user (INBOX, Sent, Drafts)."""

    root: Path
    port: int  # IMAP; with TLS it also offers STARTTLS
    pid: int  # the master's
    users: dict[str, str]
    tls_port: int | None = None  # IMAPS (TLS from the start), when started with a certificate

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message into a folder, through the server as a mail client would."""
        with self._session(user) as client:
            typ, data = client.append(folder, None, None, raw)
            assert typ == "OK", data

    def messages(self, user: str, folder: str) -> list[EmailMessage]:
        with self._session(user) as client:
            client.select(folder, readonly=True)
            _, data = client.uid("SEARCH", "ALL")
            found: list[EmailMessage] = []
            for uid in (data[0] or b"").split():
                _, parts = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                raw = next(p[1] for p in parts if isinstance(p, tuple))
                message = message_from_bytes(raw, policy=policy.default)
                assert isinstance(message, EmailMessage)
                found.append(message)
            return found

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @contextlib.contextmanager
    def _session(self, user: str) -> Iterator[imaplib.IMAP4]:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            client.login(user, self.users[user])
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def stop(self) -> None:
        """Stop the master and wait for it to be gone (on its process handle: it is not our child)."""
        with contextlib.suppress(ProcessLookupError):
            handle = os.pidfd_open(self.pid)
            try:
                os.kill(self.pid, signal.SIGTERM)
                if not select.select([handle], [], [], 10)[0]:
                    os.kill(self.pid, signal.SIGKILL)
                    select.select([handle], [], [], 10)
            finally:
                os.close(handle)
        shutil.rmtree(self.root, ignore_errors=True)


def start_dovecot(
    users: dict[str, str], mechanisms: str = "plain login", tls: tuple[bytes, bytes] | None = None
) -> Dovecot:
    """Start Dovecot on a free port; skipped (with the reason) only when the binary is absent.

    With `tls` (a certificate chain and its key, PEM) it also listens for IMAPS on `tls_port` and offers
    STARTTLS on `port`.

    With `mechanisms="plain login xoauth2"` it also takes SASL XOAUTH2, as Gmail and Outlook do: Dovecot
    2.3 checks the bearer token against the passdb, so a user's "password" is then the access token the
    test's authorization server issues."""
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; see .ci/sysdeps)")
    # Not under pytest's tmp_path: that folder is private to root, and the server may run as nobody.
    root = Path(tempfile.mkdtemp(prefix="hc-dovecot-"))
    runner = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    group = runner.pw_gid
    port = free_port()
    tls_port = free_port() if tls else None
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    ssl = "ssl = no"
    if tls:
        (root / "cert.pem").write_bytes(tls[0])
        (root / "key.pem").write_bytes(tls[1])
        ssl = f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"
    (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
    (root / "dovecot.conf").write_text(
        _CONFIG.format(
            root=root,
            port=port,
            user=runner.pw_name,
            group=grp.getgrgid(group).gr_name,
            uid=runner.pw_uid,
            gid=group,
            instance=root.name.lower(),
            mechanisms=mechanisms,
            ssl=ssl,
            imaps_port=tls_port or 0,
        )
    )
    if os.geteuid() == 0:
        for path in [root, *root.rglob("*")]:
            os.chown(path, runner.pw_uid, group)
    root.chmod(0o755)
    extra: dict[str, Any] = {"user": runner.pw_uid, "group": group} if os.geteuid() == 0 else {}
    config, start_out = root / "dovecot.conf", root / "start.out"
    with start_out.open("wb") as out:  # a file, not a pipe: the detached server would hold a pipe open
        started = subprocess.run(
            [DOVECOT, "-c", str(config)],  # returns once it listens: it binds its ports, then detaches
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            # The server is the user's real dovecot: it keeps real time when the suite runs under faketime.
            env={k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")},
            **extra,
        )
    if started.returncode != 0:
        log = root / "dovecot.log"
        said = start_out.read_text(errors="replace") + (log.read_text(errors="replace") if log.exists() else "")
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"dovecot did not start ({started.returncode}): {said}")
    return Dovecot(root, port, _master_of(config), dict(users), tls_port)


_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = {instance}
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class SmtpSink:
    """An SMTP server (aiosmtpd) that offers AUTH and keeps what it is given, in order, with who logged in."""

    port: int
    users: dict[str, str]
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    logins: list[str | None] = field(default_factory=list)  # the login of each message's session
    cut: int = 0  # this many next messages are kept, then the connection is cut before the "250" (a crash, a network)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(message)
            self.envelopes.append((envelope.mail_from, tuple(envelope.rcpt_tos)))
            login = session.auth_data
            self.logins.append(login.decode() if isinstance(login, bytes) else login)
            cut, self.cut = self.cut > 0, max(self.cut - 1, 0)
        if cut:
            server.transport.abort()  # the whole message arrived; its answer never leaves
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and self.users.get(auth_data.login.decode()) == (
            auth_data.password.decode()
        )
        return AuthResult(success=ok, auth_data=auth_data.login if ok else None)

    def with_id(self, message_id: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.received if m["Message-ID"] == message_id]


@dataclass
class OAuthSmtpSink(SmtpSink):
    """An SMTP sink that also offers AUTH XOAUTH2 (as smtp.gmail.com does), taking the bearer tokens in `tokens`."""

    tokens: dict[str, str] = field(default_factory=dict)  # user -> the access token it must bring
    refused: list[str] = field(default_factory=list)  # the tokens it turned away

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> Any:  # aiosmtpd's hook for the mechanism
        import base64

        from aiosmtpd.smtp import AuthResult

        if len(args) < 2:  # aiosmtplib sends the initial response on the AUTH line
            return AuthResult(success=False)
        fields = dict(part.split("=", 1) for part in base64.b64decode(args[1]).decode().split("\x01") if "=" in part)
        user, bearer = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        if not user or self.tokens.get(user) != bearer:
            self.refused.append(bearer)
            return AuthResult(success=False)
        return AuthResult(success=True, auth_data=user)


@contextlib.contextmanager
def running_smtp(
    users: dict[str, str],
    tokens: dict[str, str] | None = None,
    *,
    tls: ssl.SSLContext | None = None,
    starttls: ssl.SSLContext | None = None,
) -> Iterator[SmtpSink]:
    """An SMTP sink; with `tls` it speaks TLS from the start (SMTPS), with `starttls` it requires STARTTLS."""
    from aiosmtpd.controller import Controller

    port = free_port()
    sink = OAuthSmtpSink(port, dict(users), tokens=dict(tokens)) if tokens else SmtpSink(port, dict(users))
    secure: dict[str, Any] = {"ssl_context": tls} if tls else {}
    if starttls:
        secure = {"tls_context": starttls, "require_starttls": True}
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=sink.port,
        authenticator=sink.authenticate,
        # AUTH over plain text on 127.0.0.1 (auth_required too would warn, per connection); after STARTTLS else
        auth_require_tls=bool(starttls),
        **secure,
    )
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = start_dovecot({OWNER: OWNER_PASSWORD})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with running_smtp({OWNER: OWNER_PASSWORD}) as sink:
        yield sink


def letter(sender: str, to: str, subject: str, body: str, message_id: str, date: str) -> bytes:
    """A plain message as another mail program would write it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = message_id
    message.set_content(body)
    return bytes(message)
