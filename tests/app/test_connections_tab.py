"""The settings' Connections tab: rows from the engine, connect a calendar, test, grant, revoke, disconnect."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.forms import SettingsValues
from app.panels.connections import ConnectionRow, ConnectionsCallbacks
from app.panels.settings import SettingsDialog


class FakeApps:
    """The engine's side, as the callbacks see it: connections by name, with their grants."""

    def __init__(self) -> None:
        self.apps: dict[str, ConnectionRow] = {
            "gh": ConnectionRow("gh", "github", "github: ann-dev at https://api.github.com", ()),
        }
        self.calls: list[tuple[str, ...]] = []

    def callbacks(self) -> ConnectionsCallbacks:
        return ConnectionsCallbacks(self.rows, self.connect, self.test, self.grant, self.disconnect)

    def rows(self) -> list[ConnectionRow]:
        return list(self.apps.values())

    def connect(self, name: str, url: str, user: str, password: str) -> str | None:
        self.calls.append(("connect", name, url, user))
        if password != "right":
            return "the calendar at https://dav.test/ann/work refused the user 'ann'. Nothing was saved."
        self.apps[name] = ConnectionRow(name, "calendar", f"calendar: {user} at {url}", ())
        return None

    def test(self, name: str) -> str:
        return "3 events today"

    def grant(self, name: str, employee_id: str, allow: bool) -> str | None:
        self.calls.append(("grant" if allow else "revoke", name, employee_id))
        old = self.apps[name]
        who = {"emp_1": "Pat", "emp_2": "Max"}[employee_id]
        granted = (*old.granted, who) if allow else tuple(g for g in old.granted if g != who)
        self.apps[name] = ConnectionRow(old.name, old.kind, old.where, granted)
        return None

    def disconnect(self, name: str) -> str | None:
        self.apps.pop(name)
        return None


def test_connect_grant_revoke_disconnect(qtbot: QtBot) -> None:
    engine = FakeApps()
    dialog = SettingsDialog(
        SettingsValues(), lambda v: None, employees=[("emp_1", "Pat"), ("emp_2", "Max")],
        connections=engine.callbacks(),
    )  # fmt: skip
    qtbot.addWidget(dialog)
    tab = dialog.connections
    assert dialog.tabs.tabText(1) == "Connections" and tab.names() == ["gh"]

    tab.cal_name.setText("work")
    tab.cal_url.setText("https://dav.test/ann/work")
    tab.cal_user.setText("ann")
    tab.cal_password.setText("wrong")
    tab.connect_button.click()
    assert "refused the user 'ann'" in tab.status.text() and tab.names() == ["gh"]
    assert tab.cal_name.text() == "work" and tab.cal_password.text() == "wrong"  # nothing typed is lost
    tab.cal_password.setText("right")
    tab.connect_button.click()
    assert tab.names() == ["gh", "work"] and tab.cal_password.text() == ""

    tab.table.selectRow(1)
    tab.employee.setCurrentIndex(0)
    tab.grant_button.click()
    assert tab.table.item(1, 3).text() == "Pat" and tab.status.text() == "Granted work to Pat."
    tab.test_button.click()
    assert tab.status.text() == "work: 3 events today"
    tab.table.selectRow(1)
    tab.revoke_button.click()
    assert tab.table.item(1, 3).text() == "nobody yet"
    tab.table.selectRow(0)
    tab.disconnect_button.click()
    assert tab.names() == ["work"]
    assert [c[0] for c in engine.calls] == ["connect", "connect", "grant", "revoke"]

    dialog.resize(760, 620)
    dialog.tabs.setCurrentIndex(1)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save("/tmp/connections_tab.png")
