"""Headless rendering on the software pipe: pixels, markers, lamps, picking, snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panda3d.core import TextProperties

from app.office.snapshot import parse_size, snapshot
from engine.events import ApprovalRequested, EmployeeLeft, StatusChanged
from models3d import palette as pal
from tests.office.conftest import hire, office, three_teams


def close_to(rgb: tuple[int, int, int], rgba: pal.RGBA, tol: int = 40) -> bool:
    return all(abs(c - round(v * 255)) <= tol for c, v in zip(rgb, rgba[:3], strict=False))


def test_frame_has_the_office_in_it(renderer: Any) -> None:
    renderer.attach(office(three_teams(2)))
    frame = renderer.render_frame(0.0)
    assert (frame.width, frame.height) == (480, 320)
    colours = {frame.pixel(x, y) for x in range(0, 480, 12) for y in range(0, 320, 12)}
    assert len(colours) > 40  # floor, rugs, desks, people: not a blank buffer


def test_approval_marker_shows_above_the_desk(renderer: Any) -> None:
    state = office(
        [
            hire("ada"),
            hire("bob"),
            StatusChanged(employee_id="ada", status="awaiting_approval"),
            StatusChanged(employee_id="bob", status="typing"),
        ]
    )
    renderer.attach(state)
    frame = renderer.render_frame(0.0)
    for eid, expect in (("ada", True), ("bob", False)):
        desk = state.desk(eid)
        x, y = renderer.project_point(desk.x + 0.2, desk.y, 3.15)
        pixel = frame.pixel(int(x), int(y))
        assert close_to(pixel, pal.APPROVAL) is expect, (eid, pixel)


def test_blocked_marker_is_red(renderer: Any) -> None:
    state = office([hire("ada"), StatusChanged(employee_id="ada", status="blocked")])
    renderer.attach(state)
    frame = renderer.render_frame(0.0)
    desk = state.desk("ada")
    x, y = renderer.project_point(desk.x + 0.2, desk.y, 3.15)
    assert close_to(frame.pixel(int(x), int(y)), pal.BLOCKED)


def test_off_duty_desk_has_its_lamp_off(renderer: Any) -> None:
    state = office(
        [
            hire("ada"),
            hire("bob"),
            StatusChanged(employee_id="ada", status="typing"),
            StatusChanged(employee_id="bob", status="off_duty"),
        ]
    )
    renderer.attach(state)
    renderer.camera.distance = 6.0
    shades = {}
    for eid in ("ada", "bob"):
        desk = state.desk(eid)
        renderer.camera.target = (desk.x, desk.y, 0.8)
        frame = renderer.render_frame(0.0)
        x, y = renderer.project_point(desk.x - 0.62, desk.y - 0.07, 1.1)
        shades[eid] = frame.pixel(int(x), int(y))
    r, _g, b = shades["ada"]
    assert r > b + 60, shades  # warm, lit
    r, _g, b = shades["bob"]
    assert abs(r - b) < 30 and r < 150, shades  # grey, dark
    assert not state.actors["bob"].present


def test_click_on_an_employee_picks_its_id(renderer: Any) -> None:
    state = office(three_teams(2))
    renderer.attach(state)
    renderer.render_frame(0.0)
    for eid in ("eng1", "sal0", "sup1"):
        x, y = renderer.project(eid, 1.0)
        assert renderer.pick(x, y) == eid
    assert renderer.pick(2, 2) is None


def test_hover_shows_the_current_action(renderer: Any) -> None:
    state = office([hire("ada"), StatusChanged(employee_id="ada", status="typing", detail="Writing the brief")])
    renderer.attach(state)
    renderer.render_frame(0.0)
    x, y = renderer.project("ada", 1.0)
    assert renderer.hover(x, y) == "ada"
    assert "Writing the brief" in renderer.scene.bubble.node().getText()
    assert not renderer.scene.bubble.isStashed()


def test_snapshot_writes_a_png_for_one_team(renderer: Any, tmp_path: Path) -> None:
    events = [
        *three_teams(2),
        ApprovalRequested(approval_id="a", employee_id="sal0", task_id="t", tool="x", arguments_json="{}", risk="low"),
    ]
    out = snapshot(events, tmp_path / "office.png", size=parse_size("320x200"), team="Sales", renderer=renderer)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_still_figures_are_drawn_in_groups_and_still_picked(renderer: Any) -> None:
    state = office(three_teams(2))
    renderer.attach(state)
    renderer.render_frame(0.0)
    scene = renderer.scene
    assert all(view.group is not None for view in scene.views.values())
    assert len(scene.groups) == 1  # six figures: one combined group, not thirty geoms
    x, y = renderer.project("sal1", 1.0)
    assert renderer.pick(x, y) == "sal1"
    tag = scene.views["sal1"].tag_lod.getPos(scene.root)
    assert abs(tag.x - state.actors["sal1"].x) < 0.02 and tag.z > 1.5  # the name tag follows its figure


def test_a_fading_figure_leaves_its_group_and_comes_back(renderer: Any) -> None:
    state = office([hire("ada"), StatusChanged(employee_id="ada", status="typing")])
    renderer.attach(state)
    renderer.render_frame(0.0)
    view = renderer.scene.views["ada"]
    assert view.group is not None
    state.apply(StatusChanged(employee_id="ada", status="over_budget"))  # a dimmed status
    renderer.render_frame(0.05)
    assert 0.0 < state.actors["ada"].dim < 1.0
    assert view.group is None and view.root.getParent() == renderer.scene.people  # drawn alone while it fades
    for _ in range(200):
        renderer.render_frame(0.05)
    assert state.actors["ada"].dim > 0.99
    assert view.group is not None  # settled: grouped again, with the dimmed colour collected


def test_someone_leaving_leaves_the_groups_and_the_rest_still_draw(renderer: Any) -> None:
    state = office(three_teams(2))
    renderer.attach(state)
    renderer.render_frame(0.0)
    state.apply(EmployeeLeft(employee_id="eng0"))
    for _ in range(600):
        renderer.render_frame(0.1)
        if "eng0" not in state.actors:
            break
    renderer.render_frame(0.0)
    scene = renderer.scene
    assert "eng0" not in scene.views and scene.root.find("**/gauge-eng0").isEmpty()
    assert scene.root.find("**/employee-eng0").isEmpty()
    x, y = renderer.project("eng1", 1.0)
    assert renderer.pick(x, y) == "eng1"


def test_what_panda_prints_while_the_doctor_asks_for_a_pipe_is_kept_from_the_terminal(
    capfd: Any, renderer: Any
) -> None:
    import os

    from app.office.pipes import probe
    from app.office.renderer import native_stderr

    with native_stderr() as said:
        os.write(2, b"Attempt to register type x11GraphicsPipe more than once!\n")  # as Panda's C++ writes it
    assert said == ["Attempt to register type x11GraphicsPipe more than once!"]
    found = probe()
    assert found["pipe"] == "p3tinydisplay" and isinstance(found["native"], list)
    assert capfd.readouterr().err == ""  # neither reached the terminal


def test_names_in_other_scripts_are_drawn_in_an_installed_font_that_has_their_letters(renderer: Any) -> None:
    """Panda3D's built-in font has Latin only: Иван's tag showed empty boxes. (.ci/sysdeps installs DejaVu.)"""
    state = office([hire("ana"), hire("иван"), hire("ελένη"), hire("דוד"), StatusChanged(employee_id="דוד",
                    status="typing", detail="כותב")])  # fmt: skip
    renderer.attach(state)
    renderer.render_frame(0.0)
    for eid in ("иван", "ελένη", "דוד"):
        tag = renderer.scene.views[eid].tag.node()
        name = state.actors[eid].name
        assert tag.getText() == name and tag.hasFont()
        assert all(tag.hasCharacter(c) for c in name), name
    assert renderer.scene.views["דוד"].tag.node().getDirection() == TextProperties.D_rtl
    latin = renderer.scene.views["ana"].tag.node()
    assert not latin.hasFont() and latin.getDirection() == TextProperties.D_ltr  # the built-in font still
    renderer.scene.show_bubble("דוד")  # what they do, in the bubble, too
    bubble = renderer.scene._bubble_node()
    assert "כותב" in bubble.getText() and all(bubble.hasCharacter(c) for c in bubble.getText() if not c.isspace())


def test_without_a_font_that_has_the_letters_the_built_in_one_stays(tmp_path: Path) -> None:
    from panda3d.core import TextNode

    from app.office.fonts import TagFonts

    fonts = TagFonts(dirs=[tmp_path / "no fonts here"])  # a machine with no fonts installed: nothing breaks
    node = TextNode("tag")
    fonts.apply(node, "Иван")
    assert fonts.font_for("Иван") is None and node.getText() == "Иван" and not node.hasFont()
    (tmp_path / "broken.ttf").write_bytes(b"not a font")  # and an unreadable file is passed over
    assert TagFonts(dirs=[tmp_path]).font_for("Иван") is None
