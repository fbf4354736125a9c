"""The settings' Connections tab: the owner's connected apps, connect a calendar, test, grant, revoke.

Takes data and callbacks only (`ConnectionsCallbacks`); each callback returns its answer or an awaitable
of it (the engine works asynchronously), and the tab shows the answer when it comes.
"""

from __future__ import annotations

import asyncio
import html
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.panels.common import gone, muted, plain_label, row

T = TypeVar("T")
Maybe: TypeAlias = T | Awaitable[T]
COLUMNS = ("Name", "App", "Where", "Granted to", "Status")


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    name: str
    kind: str
    where: str
    granted: tuple[str, ...]  # employee names
    status: str = "not checked"


@dataclass(frozen=True, slots=True)
class EmailForm:
    """An email account as the owner typed it: the engine checks it (logs in once) before keeping it."""

    name: str
    user: str  # the login, usually the address
    password: str
    imap_host: str
    imap_port: int
    smtp_host: str
    smtp_port: int
    security: str  # "ssl", "starttls" or "plain" (a server on this machine only)
    oauth: str = ""  # signs in through this Google or Microsoft connection (XOAUTH2) instead of a password


@dataclass(frozen=True, slots=True)
class SignInForm:
    """An account to sign in to through its own pages: GitHub (a code typed on github.com), Google, Microsoft."""

    service: str  # "github", "google" or "microsoft"
    name: str
    client_id: str  # the owner's OAuth app (GitHub: device flow on; Google, Microsoft: a desktop or public client)
    client_secret: str = ""  # Google's desktop clients have one; kept in the keyring
    user: str = ""  # the account's address, shown in lists (Google, Microsoft)
    sign_in_url: str = ""  # blank: the service's own (GitHub Enterprise: https://HOST)
    api_url: str = ""  # blank: the service's own (GitHub Enterprise: https://HOST/api/v3; else the token address)


Show = Callable[[str, str], None]  # what to tell the owner, and the page to open


@dataclass(frozen=True, slots=True)
class ConnectionsCallbacks:
    rows: Callable[[], Maybe[list[ConnectionRow]]]
    connect_calendar: Callable[[str, str, str, str], Maybe[str | None]]  # name, url, user, password -> error
    test: Callable[[str], Maybe[str]]  # -> what happened, in words
    grant: Callable[[str, str, bool], Maybe[str | None]]  # app, employee id, allow -> error
    disconnect: Callable[[str], Maybe[str | None]]
    connect_email: Callable[[EmailForm], Maybe[str | None]] | None = None  # -> error
    sign_in: Callable[[SignInForm, Show], Maybe[str | None]] | None = None  # -> error, once signed in or not


class ConnectionsTab(QWidget):
    def __init__(
        self,
        callbacks: ConnectionsCallbacks,
        employees: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
        *,
        open_url: Callable[[str], object] = lambda url: QDesktopServices.openUrl(QUrl(url)),
    ) -> None:
        super().__init__(parent)
        self._cb = callbacks
        self._open_url = open_url
        self._signing_in: asyncio.Future[Any] | None = None
        self._rows: list[ConnectionRow] = []
        self._tasks: set[asyncio.Future[Any]] = set()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.employee = QComboBox()
        for eid, name in employees:
            self.employee.addItem(name, eid)
        self.test_button = QPushButton("Test")
        self.grant_button = QPushButton("Grant")
        self.revoke_button = QPushButton("Revoke")
        self.disconnect_button = QPushButton("Disconnect")
        self.test_button.clicked.connect(self._test)
        self.grant_button.clicked.connect(lambda: self._grant(True))
        self.revoke_button.clicked.connect(lambda: self._grant(False))
        self.disconnect_button.clicked.connect(self._disconnect)
        self.status = plain_label()
        self.status.setWordWrap(True)
        self.status.setObjectName("status")

        self.cal_name = QLineEdit()
        self.cal_name.setPlaceholderText("work")
        self.cal_url = QLineEdit()
        self.cal_url.setPlaceholderText("https://caldav.example.com/you/calendar/")
        self.cal_user = QLineEdit()
        self.cal_password = QLineEdit()
        self.cal_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.cal_password.setPlaceholderText("kept in your keyring")
        self.connect_button = QPushButton("Connect calendar")
        self.connect_button.clicked.connect(self._connect)
        form = QFormLayout()
        form.addRow("Name", self.cal_name)
        form.addRow("CalDAV address", self.cal_url)
        form.addRow("User", self.cal_user)
        form.addRow("Password", self.cal_password)
        form.addRow("", self.connect_button)
        box = QGroupBox("Connect a calendar")
        box.setLayout(form)
        self.email_box = self._email_form()
        self.sign_in_box = self._sign_in_form()

        # Everything scrolls as one page: the settings dialog is small, and two forms must not squash.
        page = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        QVBoxLayout(self).addWidget(scroll)
        self.forms = QTabWidget()
        self.forms.addTab(box, "Calendar")
        self.forms.addTab(self.email_box, "Email")
        self.forms.addTab(self.sign_in_box, "GitHub, Google, Microsoft")
        if self._cb.connect_email is None:
            self.forms.setTabVisible(1, False)
        if self._cb.sign_in is None:
            self.forms.setTabVisible(2, False)
        self.table.setMinimumHeight(130)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(row(self.test_button, self.disconnect_button))
        layout.addLayout(row(plain_label("Employee"), self.employee, self.grant_button, self.revoke_button))
        layout.addWidget(self.status)
        layout.addWidget(self.forms)
        layout.addWidget(
            muted(
                "Gmail and Outlook: sign in to the Google or Microsoft account first, then connect the email "
                "account with “Signs in with” set to it (no password; the servers may stay blank). MCP servers: "
                "`headcount connect mcp NAME -- COMMAND` in a terminal."
            )
        )
        self.refresh()

    def _email_form(self) -> QGroupBox:
        self.mail_name = QLineEdit()
        self.mail_name.setPlaceholderText("work")
        self.mail_user = QLineEdit()
        self.mail_user.setPlaceholderText("you@example.com")
        self.mail_password = QLineEdit()
        self.mail_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.mail_password.setPlaceholderText("kept in your keyring")
        self.imap_host = QLineEdit()
        self.imap_host.setPlaceholderText("imap.example.com")
        self.imap_port = _port(993)
        self.smtp_host = QLineEdit()
        self.smtp_host.setPlaceholderText("smtp.example.com")
        self.smtp_port = _port(465)
        self.security = QComboBox()
        for label, value in (("TLS (SSL)", "ssl"), ("STARTTLS", "starttls"), ("None (this computer only)", "plain")):
            self.security.addItem(label, value)
        self.security.currentIndexChanged.connect(self._default_ports)
        self.mail_with = QComboBox()  # a password, or a signed-in Google or Microsoft account (Gmail, Outlook)
        self.mail_with.addItem("A password", "")
        self.mail_with.currentIndexChanged.connect(self._mail_with_changed)
        self.mail_button = QPushButton("Connect email")
        self.mail_button.clicked.connect(self._connect_email)
        form = QFormLayout()
        form.addRow("Name", self.mail_name)
        form.addRow("Signs in with", self.mail_with)
        form.addRow("Login", self.mail_user)
        form.addRow("Password", self.mail_password)
        form.addRow("IMAP server", row(self.imap_host, self.imap_port, stretch_after=False))
        form.addRow("SMTP server", row(self.smtp_host, self.smtp_port, stretch_after=False))
        form.addRow("Security", self.security)
        form.addRow("", self.mail_button)
        box = QGroupBox("Connect an email account (IMAP and SMTP)")
        box.setLayout(form)
        return box

    def _sign_in_form(self) -> QGroupBox:
        self.service = QComboBox()
        for label, value in (
            ("GitHub", "github"),
            ("Google (Gmail, Calendar)", "google"),
            ("Microsoft (Outlook)", "microsoft"),
        ):
            self.service.addItem(label, value)
        self.service.currentIndexChanged.connect(self._service_changed)
        self.account_name = QLineEdit()
        self.account_name.setPlaceholderText("work")
        self.client_id = QLineEdit()
        self.client_secret = QLineEdit()
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_secret.setPlaceholderText("a Google desktop client's; kept in your keyring")
        self.account_user = QLineEdit()
        self.account_user.setPlaceholderText("you@example.com (shown in lists)")
        self.sign_in_url = QLineEdit()
        self.api_url = QLineEdit()
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.clicked.connect(self._sign_in)
        self.cancel_sign_in = QPushButton("Cancel")
        self.cancel_sign_in.clicked.connect(self._cancel_sign_in)
        self.cancel_sign_in.setEnabled(False)
        self.sign_in_step = QLabel()  # the code to enter and where, or the page that opened
        self.sign_in_step.setWordWrap(True)
        self.sign_in_step.setOpenExternalLinks(True)
        self.sign_in_step.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        form = QFormLayout()
        form.addRow("Service", self.service)
        form.addRow("Name", self.account_name)
        form.addRow("Client ID", self.client_id)
        form.addRow("Client secret", self.client_secret)
        form.addRow("Account", self.account_user)
        form.addRow("Sign-in address", self.sign_in_url)
        form.addRow("API address", self.api_url)
        form.addRow("", row(self.sign_in_button, self.cancel_sign_in))
        form.addRow(self.sign_in_step)
        self._sign_in_layout = form
        box = QGroupBox("Sign in to an account through its own pages")
        box.setLayout(form)
        self._service_changed()
        return box

    def _service_changed(self) -> None:
        """Only the fields the chosen service uses; the addresses say what blank means."""
        service = str(self.service.currentData())
        github = service == "github"
        self._sign_in_layout.setRowVisible(self.client_secret, service == "google")
        self._sign_in_layout.setRowVisible(self.account_user, not github)
        label = self._sign_in_layout.labelForField(self.api_url)
        if isinstance(label, QLabel):
            label.setText("API address" if github else "Token address")
        self.sign_in_url.setPlaceholderText(
            "blank: github.com (Enterprise: https://HOST)" if github else "blank: the service's sign-in page"
        )
        self.api_url.setPlaceholderText(
            "blank: api.github.com (Enterprise: https://HOST/api/v3)"
            if github
            else "blank: the service's token address"
        )
        self.client_id.setPlaceholderText(
            "your GitHub OAuth app's (device flow on)" if github else "your OAuth client's (a desktop or public client)"
        )

    def _mail_with_changed(self) -> None:
        """A Google or Microsoft account brings its own token and servers: no password, the hosts may stay blank."""
        oauth = bool(self.mail_with.currentData())
        self.mail_password.setEnabled(not oauth)
        self.mail_password.setPlaceholderText("not needed: its sign-in is used" if oauth else "kept in your keyring")
        self.mail_user.setPlaceholderText("blank: the signed-in account's" if oauth else "you@example.com")
        self.imap_host.setPlaceholderText("blank: the provider's (Gmail, Outlook)" if oauth else "imap.example.com")
        self.smtp_host.setPlaceholderText("blank: the provider's (Gmail, Outlook)" if oauth else "smtp.example.com")

    def _default_ports(self) -> None:
        """The usual ports of the chosen security, unless the owner typed others."""
        ports = {"ssl": (993, 465), "starttls": (143, 587), "plain": (143, 587)}
        imap, smtp = ports[str(self.security.currentData())]
        if self.imap_port.value() in (993, 143):
            self.imap_port.setValue(imap)
        if self.smtp_port.value() in (465, 587):
            self.smtp_port.setValue(smtp)

    # --- data in ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._when(self._cb.rows(), self.show_rows)

    def show_rows(self, rows: list[ConnectionRow]) -> None:
        self._rows = list(rows)
        chosen = self.mail_with.currentData()
        self.mail_with.blockSignals(True)
        self.mail_with.clear()
        self.mail_with.addItem("A password", "")
        for r in rows:
            if r.kind in ("google", "microsoft"):
                self.mail_with.addItem(f"The {r.kind.title()} account {r.name}", r.name)
        self.mail_with.setCurrentIndex(max(self.mail_with.findData(chosen), 0))
        self.mail_with.blockSignals(False)
        self._mail_with_changed()
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = (r.name, r.kind, r.where, ", ".join(r.granted) or "nobody yet", r.status)
            for j, text in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if rows and self.table.currentRow() < 0:
            self.table.selectRow(0)
        has = bool(rows)
        for button in (self.test_button, self.grant_button, self.revoke_button, self.disconnect_button):
            button.setEnabled(has)
        if not rows and not self.status.text():  # never over what an action in progress (or just done) says
            self.status.setText("No apps connected yet.")

    def names(self) -> list[str]:
        return [r.name for r in self._rows]

    def selected(self) -> str | None:
        i = self.table.currentRow()
        return self._rows[i].name if 0 <= i < len(self._rows) else None

    # --- commands out ----------------------------------------------------------------------------

    def _connect(self) -> None:
        fields = (self.cal_name.text().strip(), self.cal_url.text().strip(), self.cal_user.text().strip())
        password = self.cal_password.text()
        if not all(fields) or not password:
            self.status.setText("Fill in the name, the CalDAV address, the user and the password.")
            return
        self.status.setText(f"Connecting {fields[0]}…")
        self.connect_button.setEnabled(False)

        def done(error: str | None) -> None:
            self.connect_button.setEnabled(True)
            if error:
                self.status.setText(error)  # the form keeps what was typed: nothing is lost
                return
            self.cal_password.clear()
            self.status.setText(f"Connected {fields[0]}. Grant it to an employee below.")
            self.refresh()

        self._when(self._cb.connect_calendar(*fields, password), done)

    def _connect_email(self) -> None:
        if self._cb.connect_email is None:
            return
        form = EmailForm(
            name=self.mail_name.text().strip(),
            user=self.mail_user.text().strip(),
            password=self.mail_password.text(),
            imap_host=self.imap_host.text().strip(),
            imap_port=self.imap_port.value(),
            smtp_host=self.smtp_host.text().strip(),
            smtp_port=self.smtp_port.value(),
            security=str(self.security.currentData()),
            oauth=str(self.mail_with.currentData() or ""),
        )
        if form.oauth and not form.name:
            self.status.setText("Fill in the name.")
            return
        if not form.oauth and not all((form.name, form.user, form.password, form.imap_host, form.smtp_host)):
            self.status.setText("Fill in the name, the login, the password and both servers.")
            return
        servers = f"{form.imap_host} and {form.smtp_host}" if form.imap_host else "the provider's servers"
        self.status.setText(f"Logging in to {servers}…")
        self.mail_button.setEnabled(False)

        def done(error: str | None) -> None:
            self.mail_button.setEnabled(True)
            if error:
                self.status.setText(error)  # the form keeps what was typed: nothing is lost
                return
            self.mail_password.clear()
            self.status.setText(
                f"Connected the email account {form.name}. Briefs grant it as read_inbox, draft_email and "
                f"send_email (or email:{form.name}.*); sending asks you first."
            )
            self.refresh()

        self._when(self._cb.connect_email(form), done)

    def _sign_in(self) -> None:
        if self._cb.sign_in is None:
            return
        form = SignInForm(
            service=str(self.service.currentData()),
            name=self.account_name.text().strip(),
            client_id=self.client_id.text().strip(),
            client_secret=self.client_secret.text() if self.service.currentData() == "google" else "",
            user=self.account_user.text().strip() if self.service.currentData() != "github" else "",
            sign_in_url=self.sign_in_url.text().strip(),
            api_url=self.api_url.text().strip(),
        )
        if not form.name or not form.client_id:
            self.status.setText("Fill in the name and the client ID.")
            return
        label = self.service.currentText().split(" (")[0]
        self.status.setText(f"Signing in to {label}…")
        self.sign_in_step.clear()
        self.sign_in_button.setEnabled(False)
        self.cancel_sign_in.setEnabled(True)

        def show(text: str, url: str) -> None:
            link = f'<a href="{html.escape(url)}">{html.escape(url)}</a>'
            self.sign_in_step.setText(f"{html.escape(text)}<br>{link}")
            self._open_url(url)

        def done(error: str | None) -> None:
            self._signing_in = None
            self.sign_in_button.setEnabled(True)
            self.cancel_sign_in.setEnabled(False)
            self.sign_in_step.clear()
            if error:
                self.status.setText(error)  # the form keeps what was typed: nothing is lost
                return
            self.client_secret.clear()
            said = f"Signed in to {label}: {form.name} is connected, its token in your keyring."
            if form.service == "github":
                said += " Briefs name its tools github_issues, github_issue_create, github_comment and github_pulls; "
                said += "grant it to an employee below."
            else:
                said += " Its tokens refresh by themselves."
            self.status.setText(said)
            self.refresh()

        self._signing_in = self._when(self._cb.sign_in(form, show), done)

    def _cancel_sign_in(self) -> None:
        if self._signing_in is not None:
            self._signing_in.cancel()
            self._signing_in = None
        self.sign_in_button.setEnabled(True)
        self.cancel_sign_in.setEnabled(False)
        self.sign_in_step.clear()
        self.status.setText("Sign-in cancelled; nothing was saved.")

    def _test(self) -> None:
        name = self.selected()
        if name:
            self.status.setText(f"Testing {name}…")
            self._when(self._cb.test(name), lambda said: self.status.setText(f"{name}: {said}"))

    def _grant(self, allow: bool) -> None:
        name, eid = self.selected(), self.employee.currentData()
        if not name or not eid:
            self.status.setText("Choose a connection and an employee.")
            return
        who = self.employee.currentText()

        def done(error: str | None) -> None:
            verb = "Granted" if allow else "Revoked"
            self.status.setText(error or f"{verb} {name} {'to' if allow else 'from'} {who}.")
            self.refresh()

        self._when(self._cb.grant(name, eid, allow), done)

    def _disconnect(self) -> None:
        name = self.selected()
        if name:

            def done(error: str | None) -> None:
                self.status.setText(error or f"Disconnected {name}; its credential left the keyring.")
                self.refresh()

            self._when(self._cb.disconnect(name), done)

    async def answered(self) -> None:
        """Wait until every answer the tab is waiting for has come and been shown."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            await asyncio.sleep(0)  # the done-callbacks run on the next turn (and may ask again: refresh)

    def _when(self, answer: Maybe[T], then: Callable[[T], None]) -> asyncio.Future[Any] | None:
        if not inspect.isawaitable(answer):
            then(answer)
            return None
        future: asyncio.Future[Any] = asyncio.ensure_future(answer)
        self._tasks.add(future)

        def finished(f: asyncio.Future[Any]) -> None:
            self._tasks.discard(f)
            if f.cancelled() or gone(self):  # the tab's dialog closed meanwhile
                return
            if f.exception() is not None:
                self.status.setText(f"That did not work: {f.exception()}")
                return
            then(f.result())

        future.add_done_callback(finished)
        return future


def _port(value: int) -> QSpinBox:
    port = QSpinBox()
    port.setRange(1, 65535)
    port.setValue(value)
    return port
