"""The owner's hand on memory from the command line: edit, pin, unpin, with clear refusals.

Each change is a row in the database: a second office on the same home (another process, as the
CLI is) makes it, and the running office's next task is given it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from engine.cli import COMMANDS, build_parser
from engine.clock import FakeClock
from engine.errors import OfficeError
from engine.office import Office
from engine.testing import ScriptedModel, say
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.engine.test_memory import MARKETER, _hire

MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class _Ids:
    """Ids of a second process: distinct from the first office's sequence."""

    def __init__(self, prefix: str) -> None:
        self._n = 0
        self._prefix = prefix

    def new(self, kind: str) -> str:
        self._n += 1
        return f"{kind}_{self._prefix}{self._n}"


def _runner(office: Office, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    async def run(*argv: str) -> str:
        args = build_parser().parse_args(argv)
        assert await COMMANDS[args.command](office, args) == 0
        return capsys.readouterr().out

    return run


async def test_the_owner_edits_pins_and_unpins_a_memory(
    make_office: OfficeFactory, write_brief: BriefWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    office: Office = await make_office(ScriptedModel(), clock=FakeClock(MONDAY))
    mia = await _hire(office, write_brief(**MARKETER))
    run = _runner(office, capsys)
    await run("remember", "Mia", "Acme prefers Tuesday mornings", "--about", "Acme")
    (old,) = json.loads(await run("memory", "Mia", "--json"))

    said = await run("memory", "Mia", "edit", old["id"], "Acme", "prefers", "Wednesday afternoons")
    assert "Edited:" in said and f"{old['id']} is kept, marked superseded" in said
    (new,) = json.loads(await run("memory", "Mia", "--json"))
    assert new["text"] == "Acme prefers Wednesday afternoons" and new["id"] != old["id"]
    assert new["source"] == "owner" and new["pinned"] and new["subject"] == "Acme"  # provenance, pin kept
    history = {m["id"]: m for m in json.loads(await run("memory", "Mia", "--all", "--json"))}
    assert history[old["id"]]["superseded_by"] == new["id"]  # the old wording stays readable, superseded
    assert "already says that" in await run("memory", "Mia", "edit", new["id"], "Acme prefers Wednesday afternoons")

    assert "Unpinned" in await run("memory", "Mia", "unpin", new["id"])
    recollection = await office.memory.recollect(mia, "Draft a note about the garden party")
    assert new["id"] not in recollection.memory_ids  # unpinned: only given when a task is about it
    assert "Pinned" in await run("memory", "Mia", "pin", new["id"])
    recollection = await office.memory.recollect(mia, "Draft a note about the garden party")
    assert new["id"] in recollection.memory_ids

    said = await run("memory", "Mia", "edit", new["id"], "Acme prefers Thursday", "--forget-old")
    assert "forgotten for good" in said
    everything = json.loads(await run("memory", "Mia", "--all", "--json"))
    texts = [m["text"] for m in everything]
    assert "Acme prefers Thursday" in texts and "Acme prefers Wednesday afternoons" not in texts

    async def remember(text: str) -> str:  # what the owner is told on stderr
        args = build_parser().parse_args(["remember", "Mia", text])
        assert await COMMANDS[args.command](office, args) == 0
        return capsys.readouterr().err

    for n in range(5):  # the sixth memory for every task still fits; the seventh is told it does not
        assert "meant for every task" not in await remember(f"Branch {n} opens at {n + 7} o'clock")
    assert "7 memories are meant for every task, but a task is given 6" in await remember("The van is blue")


async def test_unknown_ids_and_bad_input_get_one_clear_line(
    make_office: OfficeFactory, write_brief: BriefWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    office: Office = await make_office(ScriptedModel(), clock=FakeClock(MONDAY))
    await _hire(office, write_brief(**MARKETER))
    await _hire(office, write_brief(**{**MARKETER, "id": "marketer2"}), name="Noa")
    run = _runner(office, capsys)
    await run("remember", "Noa", "Noa's own note")
    (noas,) = json.loads(await run("memory", "Noa", "--json"))

    with pytest.raises(OfficeError, match="no memory 'mem_404' of yours"):
        await run("memory", "Mia", "edit", "mem_404", "new words")
    with pytest.raises(OfficeError, match="of yours"):  # another employee's memory is not Mia's to change
        await run("memory", "Mia", "pin", noas["id"])
    with pytest.raises(OfficeError, match="needs the id and the new text"):
        await run("memory", "Mia", "edit", noas["id"])
    with pytest.raises(OfficeError, match="needs one memory id"):
        await run("memory", "Mia", "unpin")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["memory", "Mia", "edit", noas["id"], "x" * 2001])
    assert "at most 2,000 characters" in capsys.readouterr().err
    (still,) = json.loads(await run("memory", "Noa", "--json"))
    assert still == noas  # nothing already done was lost


async def test_an_edit_from_another_process_reaches_the_running_office(
    make_office: OfficeFactory, write_brief: BriefWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    running: Office = await make_office(ScriptedModel(), clock=FakeClock(MONDAY))
    mia = await _hire(running, write_brief(**MARKETER))
    await running.memory.remember(mia, "tone", "Our tone is formal.", source="owner")
    cli: Office = await make_office(ScriptedModel(), clock=FakeClock(MONDAY), ids=_Ids("cli"))
    run = _runner(cli, capsys)
    (old,) = json.loads(await run("memory", "Mia", "--json"))
    await run("memory", "Mia", "edit", old["id"], "Our tone is warm and playful.")
    await run("remember", "Mia", "Invoices go out on Mondays.")

    given = await running.memory.recollect(mia, "Write the newsletter")
    text = "\n".join(given.lines)
    assert "warm and playful" in text and "formal" not in text
    assert "Invoices go out on Mondays" in text  # pinned by the owner: given with every task


async def test_memories_are_dated_by_the_day_where_the_employee_works(
    make_office: OfficeFactory, write_brief: BriefWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tuesday 03:30 UTC is Monday 19:30 in Los Angeles, where the owner has Mia work (over her brief's UTC).
    model = ScriptedModel(say("Drafted."))
    office: Office = await make_office(model, clock=FakeClock(datetime(2026, 1, 6, 3, 30, tzinfo=UTC)))
    await _hire(office, write_brief(**MARKETER))
    run = _runner(office, capsys)
    await run("hours", "Mia", "--window", "mon-sun 00:00-23:59", "--tz", "America/Los_Angeles")
    await run("remember", "Mia", "The spring sale runs at 15% off", "--kind", "decisions")

    listed = await run("memory", "Mia")
    assert " 2026-01-05  decisions" in listed and "2026-01-06" not in listed  # Monday there
    (row,) = json.loads(await run("memory", "Mia", "--json"))
    assert row["created_at"].startswith("2026-01-06T03:30")  # stored as it happened, in UTC

    await office.assign("Mia", "Draft the sale email")
    await office.run(until_idle=True)
    memory = model.requests[-1].messages[1]["content"]
    assert "(by the owner, 2026-01-05): The spring sale runs at 15% off" in memory  # the model is told Monday too
    model.assert_complete()
