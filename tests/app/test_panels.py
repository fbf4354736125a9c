"""Each panel driven with data and clicks, waiting on state (pytest-qt, offscreen)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.forms import (
    AuditRow,
    BriefProblem,
    ChatMessage,
    CustomRole,
    EmployeeRow,
    InboxItem,
    RoleInfo,
    SettingsValues,
    StepRow,
    TaskRow,
)
from app.panels.audit import AuditPanel, export_text
from app.panels.common import money_box
from app.panels.employee import EmployeePanel
from app.panels.hire import HireDialog
from app.panels.inbox import InboxCallbacks, InboxPanel, arguments_error
from app.panels.notify import Notifier
from app.panels.office_view import FloorPlan, desk_rects
from app.panels.roster import RosterPanel
from app.panels.settings import SettingsDialog
from app.panels.tasks import TasksPanel

ROWS = [
    EmployeeRow("e1", "Ada", "assistant", "Assistant", status="thinking", spend_today=0.4, ceiling=2.0),
    EmployeeRow("e2", "Ben", "marketing-lead", "Marketing lead", status="idle"),
]


def test_roster_shows_rows_updates_in_place_and_opens_on_click(qtbot: QtBot) -> None:
    opened: list[str] = []
    panel = RosterPanel(on_open=opened.append)
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    panel.set_rows(ROWS)
    assert panel.row_count() == 2
    assert panel.model.index(0, 2).data() == "Thinking"
    assert panel.model.index(0, 4).data() == "$0.40 / $2.00"
    changed = [EmployeeRow("e1", "Ada", "assistant", "Assistant", status="blocked"), ROWS[1]]
    panel.set_rows(changed)
    qtbot.waitUntil(lambda: panel.model.index(0, 2).data() == "Blocked")
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=panel.cell_rect("e2", 1).center())
    qtbot.waitUntil(lambda: opened == ["e2"])


def inbox_with(recorded: list[tuple[str, tuple[object, ...]]]) -> InboxPanel:
    def rec(name: str):  # type: ignore[no-untyped-def]
        return lambda *args: recorded.append((name, args))

    return InboxPanel(
        InboxCallbacks(
            on_approve=rec("approve"),
            on_reject=rec("reject"),
            on_edit_approve=rec("edit_approve"),
            on_accept=rec("accept"),
            on_revise=rec("revise"),
            on_dismiss=rec("dismiss"),
            on_resume=rec("resume"),
            on_open_employee=rec("open"),
            on_resolve=rec("resolve"),
        )
    )


ITEMS = [
    InboxItem("a1", "approval", "e1", "Ada wants to use send_email", tool="send_email",
              arguments_json='{"to": "x@example.com"}', risk="external_communication"),
    InboxItem("r1", "review", "e2", "Ben delivered: plan"),
    InboxItem("x1", "escalation", "e2", "Ben needs you", body="over budget", task_id="t9"),
]  # fmt: skip


def test_inbox_approve_reject_with_reason_and_edit(qtbot: QtBot) -> None:
    calls: list[tuple[str, tuple[object, ...]]] = []
    panel = inbox_with(calls)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_items(ITEMS, {"e1": "Ada", "e2": "Ben"})
    assert panel.count() == 3
    card = panel.cards["a1"]
    qtbot.mouseClick(card.buttons["reject"], Qt.MouseButton.LeftButton)  # reveals the reason field
    qtbot.mouseClick(card.buttons["reject"], Qt.MouseButton.LeftButton)  # empty reason: nothing sent
    assert calls == []
    qtbot.keyClicks(card.note, "not to this client")
    qtbot.mouseClick(card.buttons["reject"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: calls == [("reject", ("a1", "not to this client"))])

    calls.clear()
    qtbot.mouseClick(card.buttons["edit"], Qt.MouseButton.LeftButton)
    assert card.arguments is not None
    card.arguments.setPlainText('{"to": ')
    qtbot.waitUntil(lambda: not card.buttons["approve"].isEnabled())
    assert not card.arguments_error.isHidden() and "Not valid JSON" in card.arguments_error.text()
    card.arguments.setPlainText('{"to": "boss@example.com"}')
    qtbot.waitUntil(lambda: card.buttons["approve"].isEnabled())
    qtbot.mouseClick(card.buttons["approve"], Qt.MouseButton.LeftButton)
    assert calls == [("edit_approve", ("a1", '{"to":"boss@example.com"}'))]

    panel.set_items(ITEMS[1:], {})
    qtbot.waitUntil(lambda: panel.count() == 2)


def test_inbox_review_and_escalation(qtbot: QtBot) -> None:
    calls: list[tuple[str, tuple[object, ...]]] = []
    panel = inbox_with(calls)
    qtbot.addWidget(panel)
    panel.set_items(ITEMS, {})
    qtbot.mouseClick(panel.cards["r1"].buttons["accept"], Qt.MouseButton.LeftButton)
    review = panel.cards["r1"]
    qtbot.mouseClick(review.buttons["revise"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(review.note, "shorter please")
    qtbot.keyClick(review.note, Qt.Key.Key_Return)
    qtbot.mouseClick(panel.cards["x1"].buttons["resume"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.cards["x1"].buttons["dismiss"], Qt.MouseButton.LeftButton)
    assert calls == [("accept", ("r1",)), ("revise", ("r1", "shorter please")), ("resume", ("x1",)),
                     ("dismiss", ("x1",))]  # fmt: skip
    assert arguments_error("[1]") == "The arguments must be a JSON object: { ... }"


def test_tasks_grouped_and_filtered(qtbot: QtBot) -> None:
    opened: list[TaskRow] = []
    panel = TasksPanel(on_open=opened.append)
    qtbot.addWidget(panel)
    rows = [TaskRow("t1", "e1", "A", "running"), TaskRow("t2", "e1", "B", "queued"),
            TaskRow("t3", "e2", "C", "done"), TaskRow("t4", "e2", "D", "review")]  # fmt: skip
    panel.set_tasks(rows, {"e1": "Ada", "e2": "Ben"})
    assert panel.counts() == {"Running": 1, "Waiting on you or stuck": 1, "Queued": 1, "Done": 1}
    panel.show_employee("e2")
    qtbot.waitUntil(lambda: panel.counts()["Running"] == 0)
    assert panel.counts()["Done"] == 1
    item = next(panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())
                if panel.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == "t3")  # fmt: skip
    panel.tree.itemDoubleClicked.emit(item, 0)
    assert [t.id for t in opened] == ["t3"]


def test_audit_filters_and_export(qtbot: QtBot) -> None:
    exported: list[tuple[str, list[AuditRow]]] = []
    panel = AuditPanel(on_export=lambda fmt, rows: exported.append((fmt, rows)))
    qtbot.addWidget(panel)
    rows = [AuditRow("2025-03-14T09:00:00", "e1", "Ada", "model_call", "drafted", 0.01),
            AuditRow("2025-03-13T09:00:00", "e2", "Ben", "tool_call", "read", 0.0),
            AuditRow("2025-03-13T10:00:00", "e1", "Ada", "tool_call", "wrote", 0.0)]  # fmt: skip
    panel.set_rows(rows)
    assert panel.row_count() == 3
    panel.set_filter(employee_id="e1")
    qtbot.waitUntil(lambda: panel.row_count() == 2)
    panel.set_filter(employee_id="e1", kind="tool_call", day="2025-03-13")
    qtbot.waitUntil(lambda: panel.row_count() == 1)
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert exported[0][0] == "csv" and [r.summary for r in exported[0][1]] == ["wrote"]
    assert json.loads(export_text(rows[:1], "jsonl"))["employee"] == "Ada"
    assert export_text(rows[:1], "csv").splitlines()[0] == "when,employee_id,employee,kind,summary,cost_usd"


def test_employee_panel_chat_brief_budget_steps(qtbot: QtBot) -> None:
    sent: list[str] = []
    saved: list[str] = []

    def validate(text: str) -> BriefProblem | None:
        return None if "title:" in text else BriefProblem("field 'title': Field required", 2)

    panel = EmployeePanel("e1", on_send=sent.append, validate_brief=validate, on_save_brief=saved.append)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_employee(ROWS[0])
    qtbot.keyClicks(panel.message, "Draft the newsletter")
    qtbot.keyClick(panel.message, Qt.Key.Key_Return)
    assert sent == ["Draft the newsletter"] and panel.message.text() == ""
    panel.set_chat([ChatMessage("owner", "Draft the newsletter", "t1"),
                    ChatMessage("employee", "Here is a first", "t1", rehearsal=True, streaming=True)])  # fmt: skip
    qtbot.waitUntil(lambda: "Here is a first" in panel.chat_text())
    assert "REHEARSAL" in panel.chat_text()

    panel.set_brief("---\nid: a\ntitle: A\n---\nbody\n")
    panel.brief.setPlainText("---\nid: a\n---\nbody\n")
    qtbot.waitUntil(lambda: not panel.brief_error.isHidden())  # after the typing pause
    assert panel.brief_error.text() == "Line 2: field 'title': Field required"
    assert not panel.save_brief.isEnabled()
    panel.brief.setPlainText("---\nid: a\ntitle: B\n---\nbody\n")
    qtbot.waitUntil(lambda: panel.save_brief.isEnabled())
    qtbot.mouseClick(panel.save_brief, Qt.MouseButton.LeftButton)
    assert saved == ["---\nid: a\ntitle: B\n---\nbody\n"]

    panel.set_budget({date(2025, 3, 13): 1.0}, date(2025, 3, 14), spend_today=0.5, ceiling=2.0)
    assert panel.spend_label.text() == "$0.50  of  $2.00"
    assert panel.chart.series[-2] == (date(2025, 3, 13), 1.0) and len(panel.chart.series) == 14
    panel.set_steps([StepRow("s1", "e1", "t1", "tool", "finished", "write_file", 0.0, "wrote a.md")])
    assert panel.steps.rowCount() == 1 and panel.steps.item(0, 1).text() == "write_file"


def test_settings_save_passes_values_and_forgets_the_key(qtbot: QtBot) -> None:
    got: list[SettingsValues] = []
    dialog = SettingsDialog(SettingsValues(), on_save=lambda v: got.append(v) or None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.provider.setCurrentIndex(dialog.provider.findData("openai"))
    assert dialog.model.text() == "gpt-4o-mini" and dialog.key.isVisible() and not dialog.api_base.isVisible()
    qtbot.keyClicks(dialog.key, "sk-test-123456789")
    dialog.office_ceiling.setValue(5)
    dialog.always_on.setChecked(False)
    dialog._save()
    assert got[0].provider == "openai" and got[0].key == "sk-test-123456789"
    assert got[0].office_ceiling_per_day == 5 and not got[0].always_on
    assert dialog.key.text() == ""
    dialog2 = SettingsDialog(SettingsValues(), on_save=lambda v: "keyring unavailable")
    qtbot.addWidget(dialog2)
    dialog2.show()
    dialog2._save()
    assert not dialog2.error.isHidden() and dialog2.error.text() == "keyring unavailable"


def test_hire_dialog_catalog_and_custom(qtbot: QtBot) -> None:
    hires: list[tuple[str, str | None]] = []
    custom: list[CustomRole] = []
    roles = [RoleInfo("assistant", "Personal assistant", "assistant", "Inbox and calendar"),
             RoleInfo("content-writer", "Content writer", "marketing", "Writes")]  # fmt: skip
    dialog = HireDialog(roles, on_hire=lambda r, n: hires.append((r, n)) or None,
                        on_create=lambda a: custom.append(a) or None, tools=["write_file", "web_search"],
                        functions=["marketing", "custom"])  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.hire_button.isEnabled()
    dialog.select_role("content-writer")
    qtbot.keyClicks(dialog.name, "Chloe")
    qtbot.mouseClick(dialog.hire_button, Qt.MouseButton.LeftButton)
    assert hires == [("content-writer", "Chloe")]
    dialog.c_title.setText("Venue scout")
    dialog._create()
    assert not dialog.error.isHidden() and custom == []  # goals are required
    dialog.c_goals.setPlainText("Find venues\nCompare prices")
    dialog._create()
    assert custom[0].goals == ("Find venues", "Compare prices") and custom[0].function == "custom"
    assert custom[0].tools == ("write_file", "web_search")


def test_the_hire_dialog_waits_for_the_office_and_shows_a_refusal_in_itself(qtbot: QtBot) -> None:
    """It used to close at once, the refusal flashing in the status bar for a few seconds."""
    import asyncio

    loop = asyncio.new_event_loop()
    try:
        answers: list[asyncio.Future[str | None]] = []

        def hire(role: str, name: str | None) -> asyncio.Future[str | None]:
            answers.append(loop.create_future())
            return answers[-1]

        dialog = HireDialog([RoleInfo("assistant", "Personal assistant", "assistant", "Inbox")], on_hire=hire)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.select_role("assistant")
        qtbot.keyClicks(dialog.name, "Ada")
        qtbot.mouseClick(dialog.hire_button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible() and not dialog.isEnabled() and dialog.error.text() == "Hiring…"
        answers[-1].set_result("there is already an employee called Ada")
        loop.run_until_complete(asyncio.sleep(0))
        assert dialog.isVisible() and dialog.isEnabled()
        assert dialog.error.text() == "there is already an employee called Ada" and not dialog.error.isHidden()
        dialog.name.setText("Bea")
        qtbot.mouseClick(dialog.hire_button, Qt.MouseButton.LeftButton)
        answers[-1].set_result(None)
        loop.run_until_complete(asyncio.sleep(0))
        assert not dialog.isVisible() and dialog.result() == dialog.DialogCode.Accepted
    finally:
        loop.close()


def test_notifier_degrades_without_a_tray(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    notifier = Notifier(parent, lambda: None)
    assert not notifier.available  # offscreen has no system tray
    notifier.update(1, ITEMS[0], lambda eid: "Ada")
    assert notifier.last_message == ("Approval needed: Ada", "Ada wants to use send_email")
    notifier.last_message = None
    notifier.update(1, ITEMS[0], lambda eid: "Ada")  # same count: no second notification
    assert notifier.last_message is None


def test_floor_plan_click_opens_the_desk(qtbot: QtBot) -> None:
    opened: list[str] = []
    plan = FloorPlan(opened.append)
    qtbot.addWidget(plan)
    plan.resize(800, 500)
    plan.show()
    plan.set_rows(ROWS)
    assert plan.is_placeholder()
    assert len(desk_rects(7, 800)) == 7
    qtbot.mouseClick(plan, Qt.MouseButton.LeftButton, pos=plan.desk_center("e2").toPoint())
    qtbot.waitUntil(lambda: opened == ["e2"])


def test_an_uncertain_task_asks_whether_it_happened(qtbot: QtBot) -> None:
    calls: list[tuple[str, tuple[object, ...]]] = []
    panel = inbox_with(calls)
    qtbot.addWidget(panel)
    item = InboxItem("u1", "escalation", "e1", "Ada is not sure an action happened", task_id="t1", uncertain=True)
    panel.set_items([item], {"e1": "Ada"})
    card = panel.cards["u1"]
    assert card.buttons["happened"].text() == "It happened" and card.buttons["retry"].text() == "Run it again"
    assert "resume" not in card.buttons
    qtbot.mouseClick(card.buttons["happened"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(card.buttons["retry"], Qt.MouseButton.LeftButton)
    assert calls == [("resolve", ("u1", True)), ("resolve", ("u1", False))]


def test_audit_filters_reach_the_log_and_verify_shows_the_answer(qtbot: QtBot) -> None:
    queries: list[tuple[str | None, str | None, str | None]] = []
    verified: list[bool] = []
    panel = AuditPanel(
        on_export=lambda fmt, rows: None,
        on_filter=lambda *q: queries.append(q),
        on_verify=lambda: verified.append(True),
    )
    qtbot.addWidget(panel)
    panel.set_choices([("e1", "Ada"), ("e2", "Ben")], ["hired", "model_call"])
    panel.set_filter(employee_id="e2", kind="hired")
    assert queries[-1] == ("e2", "hired", None)
    qtbot.mouseClick(panel.verify_button, Qt.MouseButton.LeftButton)
    assert verified == [True] and not panel.verify_button.isEnabled()
    panel.set_verified(True, "Verified: 12 rows")
    assert "Verified: 12 rows" in panel.verified.text() and panel.verify_button.isEnabled()


def test_a_review_card_shows_the_deliverable_itself_as_markdown(qtbot: QtBot) -> None:
    from app.panels.inbox import InboxCard

    body = "I drafted the reply.\n\n---\n\n### drafts/reply.md\n\nDear **Ms Lee**, the heater is fixed on Friday."
    noop = InboxCallbacks(*(lambda *a: None for _ in range(8)))
    card = InboxCard(InboxItem("r1", "review", "e1", "Ada delivered: reply", body=body), "Ada", noop)
    qtbot.addWidget(card)
    assert card.document is not None
    text = card.document.toPlainText()
    assert "drafts/reply.md" in text and "Dear Ms Lee, the heater is fixed on Friday." in text  # rendered, not raw


def test_words_from_the_owner_or_a_model_are_shown_as_typed_not_as_markup(qtbot: QtBot) -> None:
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QLabel

    from app.panels.inbox import InboxCard

    name = "<b>Bold</b> & Co"
    title = "<img src='file:///etc/hosts'>Pay $5 to ana@example.com<span style='display:none'> (really $5,000)</span>"
    noop = InboxCallbacks(*(lambda *a: None for _ in range(8)))
    card = InboxCard(InboxItem("a1", "approval", "e1", title, body=name, tool="send_payment"), name, noop)
    qtbot.addWidget(card)
    shown = {label.text(): label for label in card.findChildren(QLabel)}
    for text in (title, name):  # every word stays visible, the hidden $5,000 included
        assert shown[text].textFormat() == Qt.TextFormat.PlainText
    who = next(b for b in card.findChildren(type(card.buttons["approve"])) if "Bold" in b.text())
    assert who.text() == "<b>Bold</b> && Co" and QKeySequence.mnemonic(who.text()).isEmpty()  # "&" is no shortcut


def test_a_deliverable_loads_nothing_and_its_links_navigate_nowhere(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices, QImage, QTextDocument

    from app.panels.inbox import InboxCard

    picture = tmp_path / "private.png"
    QImage(8, 8, QImage.Format.Format_RGB32).save(str(picture))
    secret = tmp_path / "secret.txt"
    secret.write_text("the owner's private notes")
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    body = (
        f"Report <img src='{picture.as_uri()}'> done.\n\n![chart]({picture.as_uri()})\n\n"
        f"[see notes]({secret.as_uri()}) and [the site](https://example.com/)"
    )
    noop = InboxCallbacks(*(lambda *a: None for _ in range(8)))
    card = InboxCard(InboxItem("r1", "review", "e1", "Ada delivered", body=body), "Ada", noop)
    qtbot.addWidget(card)
    card.resize(600, 400)
    card.show()
    reader = card.document
    assert reader is not None
    assert "<img src=" in reader.toPlainText()  # raw HTML is shown as text
    kind = int(QTextDocument.ResourceType.ImageResource.value)
    assert reader.loadResource(kind, QUrl.fromLocalFile(str(picture))) is None  # no file is read for an image

    def click(anchor: str) -> None:
        found = reader.document().find(anchor)
        assert not found.isNull()
        found.setPosition(found.selectionStart() + 1)
        qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton, pos=reader.cursorRect(found).center())

    click("see notes")
    click("the site")
    qtbot.waitUntil(lambda: opened == ["https://example.com/"])  # the web link opens outside, the file link not
    assert reader.source().isEmpty() and "private notes" not in reader.toPlainText()


def test_the_budget_tab_sets_a_daily_ceiling_and_an_extra_for_today(qtbot: QtBot) -> None:
    ceilings: list[float] = []
    extras: list[float] = []
    panel = EmployeePanel("e1", on_send=lambda text: None, on_ceiling=ceilings.append, on_allow_more=extras.append)
    qtbot.addWidget(panel)
    panel.show()
    panel.tabs.setCurrentIndex(2)
    panel.set_budget({}, date(2026, 12, 6), spend_today=5.0, ceiling=5.25, daily_ceiling=3.25)
    assert panel.ceiling_input.value() == 3.25  # every day's ceiling, not today's limit
    assert "$2.00 extra allowed today" in panel.spend_note.text()
    panel.ceiling_input.setValue(4.5)
    qtbot.mouseClick(panel.set_ceiling_button, Qt.MouseButton.LeftButton)
    panel.more_input.setValue(20_000)  # past what the window lets one day's ceiling be
    qtbot.mouseClick(panel.allow_more_button, Qt.MouseButton.LeftButton)
    assert ceilings == [4.5] and extras == [10_000.0]
    bare = EmployeePanel("e2", on_send=lambda text: None)  # no commands: no controls that do nothing
    qtbot.addWidget(bare)
    assert bare.set_ceiling_button.parent() is None and bare.allow_more_button.parent() is None


def test_a_ceiling_or_price_below_a_cent_is_shown_and_kept_not_rounded_to_cents(qtbot: QtBot) -> None:
    """A $0.001 ceiling set at the command line read $0.00; a $0.075 price was saved as $0.08."""
    ceilings: list[float] = []
    panel = EmployeePanel("e1", on_send=lambda text: None, on_ceiling=ceilings.append, on_allow_more=lambda x: None)
    qtbot.addWidget(panel)
    panel.set_budget({}, date(2026, 12, 6), spend_today=0.0, ceiling=0.02, daily_ceiling=0.02)
    assert panel.ceiling_input.text() == "$ 0.02"  # cents as ever
    panel.ceiling_input.lineEdit().setText("$ 0.015")
    panel.ceiling_input.interpretText()
    qtbot.mouseClick(panel.set_ceiling_button, Qt.MouseButton.LeftButton)
    assert ceilings == [0.015]
    price = money_box(0.075)
    assert price.text() == "$ 0.075" and price.value() == 0.075
    assert money_box(1.0).text() == "$ 1.00" and money_box(12.5).text() == "$ 12.50"
    panel.set_budget({}, date(2026, 12, 6), spend_today=0.0, ceiling=0.001, daily_ceiling=0.001)
    assert panel.ceiling_input.text() == "$ 0.001", "not raised to the box's least"
