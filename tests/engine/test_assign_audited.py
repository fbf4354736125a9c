"""Giving an employee a task is an owner action: in the hash-chained audit log, as the owner's other decisions are."""

from __future__ import annotations

import pytest

from engine.audit import AuditLog
from engine.store.records import AuditRow
from engine.testing import ScriptedModel, say
from tests.engine.conftest import BriefWriter, OfficeFactory

KEY = "sk-planted-0123456789abcdefPLANTEDsecretXYZ"  # a credential shape the one redactor masks


async def _owner_actions(office: object) -> list[AuditRow]:
    journal = office.journal  # type: ignore[attr-defined]
    rows: list[AuditRow] = await journal.read(lambda conn: AuditLog.rows(conn, kind="owner_action"))
    return sorted(rows, key=lambda row: row.seq)  # oldest first


async def test_assigning_a_task_is_audited_with_its_id_and_title_never_its_text_or_a_key(
    make_office: OfficeFactory, write_brief: BriefWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.cli import COMMANDS, build_parser

    model = ScriptedModel(say("Renewed."), say("Tidied."))
    office = await make_office(model)
    ada = await office.hire(office.brief_for(str(write_brief())), name="Ada")
    body = f"Renew the hosting plan with key {KEY}\nThe invoice is in drafts/hosting.pdf; pay before Friday."
    task = await office.assign("Ada", body)

    (row,) = [r for r in await _owner_actions(office) if r.data["action"] == "assign"]
    assert row.employee_id == ada.id and row.kind == "owner_action"
    assert row.data == {"action": "assign", "task_id": task.id, "title": task.title}
    assert task.title.startswith("Renew the hosting plan with key ") and KEY not in task.title
    assert "invoice" not in str(row.data)  # the title (first line), not the whole text

    args = build_parser().parse_args(["assign", "Ada", "Tidy the inbox"])  # the command, as `headcount assign`
    assert await COMMANDS["assign"](office, args) == 0
    queued = capsys.readouterr().out.strip()
    assigned = [r for r in await _owner_actions(office) if r.data["action"] == "assign"]
    assert len(assigned) == 2 and assigned[-1].data["title"] == "Tidy the inbox"
    assert queued.startswith(f"Queued {assigned[-1].data['task_id']} for Ada")

    args = build_parser().parse_args(["audit", "show", "Ada", "--kind", "owner_action"])
    assert await COMMANDS["audit"](office, args) == 0
    shown = capsys.readouterr().out.splitlines()
    assert [line.split(" owner_action ", 1)[1].strip() for line in shown] == [
        f"assign: {task.id} {task.title!r}",
        f"assign: {assigned[-1].data['task_id']} 'Tidy the inbox'",
    ]
    assert all(KEY not in line for line in shown)
    assert (await office.journal.read(office.audit.verify)).ok

    await office.run(until_idle=True)  # assigned, audited, and worked as before
    assert {t.status for t in await office.journal.tasks()} <= {"done", "review"}
    model.assert_complete()


async def test_a_team_lead_splitting_work_is_not_counted_as_the_owner_assigning_it(
    make_office: OfficeFactory, write_brief: BriefWriter
) -> None:
    """Only the owner's assigning is an owner action: the board's own assign (teams' hand-offs, splits,
    each audited as theirs) writes no owner row."""
    office = await make_office(ScriptedModel())
    await office.hire(office.brief_for(str(write_brief())), name="Ada")
    await office.parts.board.assign("Ada", "A card from the team board")
    assert await _owner_actions(office) == []
