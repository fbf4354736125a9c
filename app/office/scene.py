"""Panda3D nodes for an OfficeState: static furniture merged per area, one view per actor.

`OfficeScene.sync(dt)` copies the state's numbers onto nodes; it never changes the state.
"""

from __future__ import annotations

import math
from pathlib import Path

from panda3d.core import (
    BitMask32,
    CollisionBox,
    CollisionCapsule,
    CollisionNode,
    Filename,
    Loader,
    LODNode,
    NodePath,
    Point3,
    RigidBodyCombiner,
    TextNode,
)

from app.office.fonts import TagFonts
from app.office.layout import Desk, OfficePlan
from app.office.poses import evaluate
from app.office.state import Actor, OfficeState
from models3d import palette as pal
from models3d.build import JOINTS, SEAT_DROP, ensure_models, figure_path

PICK_MASK = BitMask32.bit(1)
TAG_FAR = 48.0  # name tags are hidden beyond this camera distance (unreadable there anyway)
TAG_Z = 2.12
GROUP_SIZE = 16  # figures drawn together by one RigidBodyCombiner (a re-collect costs ~0.7 ms a figure)

_MARKER_SYMBOLS = {"approval": "!", "blocked": "X", "budget": "$"}


class ModelLibrary:
    """Loads the .bam models once and hands out copies."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = ensure_models(directory)
        self._loader = Loader.getGlobalPtr()
        self._cache: dict[Path, NodePath] = {}

    def _load(self, path: Path) -> NodePath:
        if path not in self._cache:
            node = self._loader.loadSync(Filename.fromOsSpecific(str(path)))
            if node is None:
                raise RuntimeError(f"could not load {path}")
            self._cache[path] = NodePath(node)
        return self._cache[path]

    def copy(self, name: str, parent: NodePath) -> NodePath:
        return self._load(self.directory / f"{name}.bam").copyTo(parent)

    def figure(self, colors: dict[str, pal.RGBA]) -> NodePath:
        return self._load(figure_path(colors, self.directory.parent))


def _text(text: str, *, scale: float, color: pal.RGBA, align: int = TextNode.ACenter) -> TextNode:
    node = TextNode("text")
    node.setText(text)
    node.setAlign(align)
    node.setTextColor(*color)
    node.setTextScale(scale)
    return node


class ActorView:
    """The nodes of one employee: figure joints, name tag, desk marker, gauge and pick volumes."""

    def __init__(
        self,
        actor: Actor,
        models: ModelLibrary,
        parent: NodePath,
        markers: NodePath,
        tags: NodePath,
        gauges: NodePath,
        fonts: TagFonts,
    ) -> None:
        self.employee_id = actor.employee_id
        self.loose = parent
        self.group: int | None = None  # index of the combined group the figure is drawn in, if any
        self.root = parent.attachNewNode(f"employee-{actor.employee_id}")
        self.root.setTag("employee_id", actor.employee_id)
        self.figure = self.root.attachNewNode("figure")
        parts = models.figure(actor.colors)
        self.hips = self.figure.attachNewNode("hips")
        self.hips.setZ(JOINTS["l_leg"][2])
        body = parts.find("body").copyTo(self.hips)
        body.setZ(-JOINTS["l_leg"][2])
        self.limbs: dict[str, NodePath] = {}
        for name, (x, y, z) in JOINTS.items():
            holder = self.hips if "arm" in name else self.figure
            pivot = holder.attachNewNode(name)
            base_z = z - JOINTS["l_leg"][2] if "arm" in name else z
            pivot.setPos(x, y, base_z)
            parts.find(name).copyTo(pivot)
            self.limbs[name] = pivot
        self.document = models.copy("document", self.hips)
        self.document.setPos(0, 0.3, 0.3)
        self.document.setP(-20)
        self.document.setScale(_HIDDEN)  # hidden by scale, not stash: a combined group sees transforms only
        self.carrying = False

        tag = _text("", scale=0.3, color=(1, 1, 1, 1))
        fonts.apply(tag, actor.name)  # a name in Cyrillic, Greek, Hebrew, ... in a font that has its letters
        tag.setCardColor(*pal.TAG_BG)
        tag.setCardAsMargin(0.18, 0.18, 0.08, 0.06)
        # No decal: on GL pipes (EGL/llvmpipe seen here) a decal card swallowed the text. Drawn late
        # without depth writes instead, the text lands on its card in order; furniture still hides it.
        # The tag lives outside the figure (a combined group cannot hold a billboard or an LOD) and
        # follows it only when it moves.
        lod = LODNode("tag-lod")
        lod.addSwitch(TAG_FAR, 0.0)
        self.tag_lod = tags.attachNewNode(lod)
        self.tag_lod.setTag("employee_id", actor.employee_id)
        self.tag_at: tuple[float, float, float] | None = None
        self.tag = self.tag_lod.attachNewNode(tag)
        self.tag.setBillboardPointEye()
        self.tag.setDepthOffset(1)
        self.tag.setDepthWrite(False)
        self.tag.setBin("fixed", 40)

        pick = CollisionNode(f"pick-{actor.employee_id}")
        pick.addSolid(CollisionCapsule(0, 0, 0.3, 0, 0, 1.6, 0.36))
        pick.setIntoCollideMask(PICK_MASK)
        pick.setFromCollideMask(BitMask32.allOff())
        pick.setTag("employee_id", actor.employee_id)
        self.figure.attachNewNode(pick)

        self.desk_root = markers.attachNewNode(f"desk-{actor.employee_id}")
        self.desk_root.setTag("employee_id", actor.employee_id)
        desk_pick = CollisionNode(f"pick-desk-{actor.employee_id}")
        desk_pick.addSolid(CollisionBox(Point3(-0.75, -0.4, 0), Point3(0.75, 0.4, 1.3)))
        desk_pick.setIntoCollideMask(PICK_MASK)
        desk_pick.setFromCollideMask(BitMask32.allOff())
        desk_pick.setTag("employee_id", actor.employee_id)
        self.desk_root.attachNewNode(desk_pick)
        # The gauge sits apart from the desk's markers so it can be drawn in a combined group too.
        self.gauge_root = gauges.attachNewNode(f"gauge-{actor.employee_id}")
        self.gauge = models.copy("gauge_fill", self.gauge_root)
        self.gauge.setPos(-0.5, -0.39, 0.6)
        self.gauge_color: pal.RGBA | None = None
        self.gauge_sx = -1.0
        self.recolored = False  # set when the gauge changed colour (its group must be collected again)
        self.marker = self.desk_root.attachNewNode("marker")
        self.marker.setZ(3.15)
        self.marker_kind: str | None = None
        self.marker_icon: NodePath | None = None
        self.marker.stash()
        self._models = models
        self.dim = -1.0
        self.desk: tuple[float, float] | None = None
        self.placed: tuple[float, ...] | None = None

    def place_desk(self, desk: Desk) -> None:
        if self.desk != (desk.x, desk.y):
            self.desk = (desk.x, desk.y)
            self.desk_root.setPos(desk.x, desk.y, 0)
            self.gauge_root.setPos(desk.x, desk.y, 0)

    def _set_marker(self, kind: str | None) -> None:
        if kind == self.marker_kind:
            return
        self.marker_kind = kind
        if self.marker_icon is not None:
            self.marker_icon.removeNode()
            self.marker_icon = None
        if kind is None:
            return
        symbol = _MARKER_SYMBOLS[kind]
        icon = self._models.copy(f"marker_{kind}", self.marker)
        label = _text(symbol, scale=0.46, color=(1, 1, 1, 1))
        text = icon.attachNewNode(label)
        text.setPos(0, -0.03, -0.16)
        text.setDepthOffset(2)
        icon.setBillboardPointEye()
        self.marker_icon = icon

    def groupable(self, actor: Actor) -> bool:
        """Whether the figure can be drawn in a combined group: on screen and not fading (a group only
        follows transforms; colour or visibility changes need a re-collect)."""
        return actor.present and (actor.dim < _FADED or actor.dim > 1.0 - _FADED)

    def sync(self, actor: Actor) -> None:
        if not actor.present:
            if not self.root.isStashed():
                self.root.stash()
                self.tag_lod.stash()
        elif self.root.isStashed():
            self.root.unstash()
            self.tag_lod.unstash()
        j = evaluate(actor.pose, actor.phase, SEAT_DROP)
        placed = (
            actor.x,
            actor.y,
            actor.heading,
            j.bob - j.drop,
            j.lean,
            j.arm_l,
            j.arm_r,
            j.arm_roll,
            j.leg_l,
            j.leg_r,
        )
        if placed != self.placed:  # a still figure costs no node writes
            last = self.placed
            self.placed = placed
            if last is None or last[:3] != placed[:3]:
                self.root.setPosHpr(actor.x, actor.y, 0, actor.heading, 0, 0)
            self.figure.setZ(placed[3])
            self.hips.setP(-j.lean)
            self.limbs["l_arm"].setP(j.arm_l)
            self.limbs["r_arm"].setHpr(0, j.arm_r, j.arm_roll)
            self.limbs["l_leg"].setP(j.leg_l)
            self.limbs["r_leg"].setP(j.leg_r)
            tag_at = (actor.x, actor.y, TAG_Z + placed[3])
            if self.tag_at is None or max(abs(a - b) for a, b in zip(tag_at, self.tag_at, strict=True)) > 0.01:
                self.tag_at = tag_at
                self.tag_lod.setPos(*tag_at)
        if actor.carrying != self.carrying:
            self.carrying = actor.carrying
            self.document.setScale(1.0 if actor.carrying else _HIDDEN)
        if abs(actor.dim - self.dim) > 0.01:
            self.dim = actor.dim
            level = 1.0 - 0.5 * actor.dim
            self.figure.setColorScale(level, level, level * 1.05, 1)

        kind = actor.marker
        if kind is not None:
            self._set_marker(kind)
        level = actor.marker_level
        if level < 0.02:
            if not self.marker.isStashed():
                self.marker.stash()
                self._set_marker(None)
        else:
            if self.marker.isStashed():
                self.marker.unstash()
            self.marker.setScale(level)
            self.marker.setZ(3.15 + 0.08 * math.sin(actor.phase * 2.5))

        fraction = actor.spend_fraction
        sx = max(0.001, actor.gauge)
        if sx != self.gauge_sx:
            self.gauge_sx = sx
            self.gauge.setSx(sx)
        color = pal.GAUGE_BG if fraction is None else _gauge_color(fraction)
        if color != self.gauge_color:
            self.gauge_color = color
            self.gauge.setColorScale(*color)
            self.recolored = True

    def destroy(self) -> None:
        self.root.removeNode()
        self.tag_lod.removeNode()
        self.desk_root.removeNode()
        self.gauge_root.removeNode()


_HIDDEN = 1e-3
_FADED = 0.005


def _gauge_color(fraction: float) -> pal.RGBA:
    if fraction >= 1.0:
        return pal.GAUGE_OVER
    if fraction >= 0.75:
        return pal.GAUGE_WARN
    return pal.GAUGE_OK


class OfficeScene:
    """Builds and updates the node graph for `state` under `parent`."""

    def __init__(self, parent: NodePath, state: OfficeState, models: ModelLibrary) -> None:
        self.state = state
        self.models = models
        self.fonts = TagFonts()
        self.root = parent.attachNewNode("office")
        self.ground = self.root.attachNewNode("ground")
        self.static = self.root.attachNewNode("static")
        self.people = self.root.attachNewNode("people")
        self.desks = self.root.attachNewNode("desks")
        self.tags = self.root.attachNewNode("tags")
        self.gauges = self.root.attachNewNode("gauges")
        self.views: dict[str, ActorView] = {}
        # Still-coloured, visible figures are drawn GROUP_SIZE at a time by a RigidBodyCombiner: one
        # vertex-animated geom per group instead of five geoms a figure (the software pipe pays per geom).
        self.groups: list[NodePath] = []
        self.gauge_groups: list[NodePath] = []
        self._dirty: set[int] = set()
        self._slots: dict[str, int] = {}
        self._layout_version = -1
        self._area_keys: dict[str, tuple[object, ...]] = {}
        self._area_nodes: dict[str, NodePath] = {}
        self.bubble = self.root.attachNewNode(_text("", scale=0.26, color=pal.hex_rgba("#1f2430")))
        self.bubble_for: str | None = None
        bubble = self._bubble_node()
        bubble.setCardColor(*pal.BUBBLE_BG)
        bubble.setCardAsMargin(0.25, 0.25, 0.15, 0.12)
        bubble.setCardDecal(True)
        bubble.setWordwrap(14)
        self.bubble.setBillboardPointEye()
        self.bubble.setDepthTest(False)
        self.bubble.setDepthWrite(False)
        self.bubble.setBin("fixed", 50)
        self.bubble.stash()
        self.sync()

    def _bubble_node(self) -> TextNode:
        node = self.bubble.node()
        assert isinstance(node, TextNode)
        return node

    # ------------------------------------------------------------------ static geometry
    def _rebuild_layout(self) -> None:
        plan = self.state.plan
        for node in (*self._area_nodes.values(), self.ground, self.static):
            node.removeNode()
        self._area_nodes.clear()
        self._area_keys.clear()
        self.ground = self.root.attachNewNode("ground")
        self.static = self.root.attachNewNode("static")
        self._build_ground(plan)
        self._build_shell(plan)
        self._layout_version = self.state.layout_version

    def _build_ground(self, plan: OfficePlan) -> None:
        # The floor layers are drawn first without depth, so rugs and labels never z-fight.
        ground = self.ground
        strip = 1.2
        n = math.ceil(plan.width / strip)
        for i in range(n):
            q = self.models.copy("floor", ground)
            q.setPos((i + 0.5) * strip, plan.depth / 2, 0)
            q.setScale(strip, plan.depth, 1)
            if i % 2:
                q.setColorScale(0.965, 0.96, 0.95, 1)
        for index, area in enumerate(plan.areas):
            x0, y0, x1, y1 = area.rect
            rug = self.models.copy("rug", ground)
            rug.setPos((x0 + x1) / 2, (y0 + y1) / 2, 0)
            rug.setScale(x1 - x0, y1 - y0, 1)
            rug.setColorScale(*pal.TEAM_TINTS[index % len(pal.TEAM_TINTS)])
            label = _text(area.label.upper(), scale=0.62, color=(0.2, 0.24, 0.3, 0.85), align=TextNode.ALeft)
            np = ground.attachNewNode(label.generate())
            np.setPos(x0 + 0.8, y0 + 0.12, 0)
            np.setP(-90)
        lounge = self.models.copy("rug", ground)
        lounge.setPos(plan.lounge_table[0], plan.lounge_table[1], 0)
        lounge.setScale(4.2, 3.4, 1)
        lounge.setColorScale(*pal.hex_rgba("#c9b8a0"))
        label = _text("KITCHEN", scale=0.62, color=(0.2, 0.24, 0.3, 0.85), align=TextNode.ALeft)
        np = ground.attachNewNode(label.generate())
        np.setPos(0.6, plan.depth - 2.2, 0)
        np.setP(-90)
        ground.flattenStrong()
        ground.setDepthWrite(False)
        ground.setDepthTest(False)
        ground.setBin("background", 10)

    def _build_shell(self, plan: OfficePlan) -> None:
        shell = self.static.attachNewNode("shell")
        for i in range(math.ceil(plan.width)):
            w = self.models.copy("wall", shell)
            w.setPos(i + 0.5, plan.depth, 0)
        for i in range(math.ceil(plan.depth)):
            w = self.models.copy("wall", shell)
            w.setPos(0, i + 0.5, 0)
            w.setH(-90)
        for x in range(3, math.ceil(plan.width) - 1, 3):
            if 1.0 < x < 5.5:
                continue  # the kitchen cabinets hang there
            self.models.copy("window", shell).setPos(x, plan.depth, 0)
        kitchen = self.models.copy("kitchen", shell)
        kitchen.setPos(plan.kitchen[0] - 0.2, plan.depth - 0.78, 0)
        self.models.copy("lounge_table", shell).setPos(plan.lounge_table[0], plan.lounge_table[1], 0)
        for sx, sy in plan.shelves:
            s = self.models.copy("bookshelf", shell)
            s.setPos(sx, sy, 0)
            s.setH(-90)
        for px, py, tall in plan.plants:
            self.models.copy("plant_tall" if tall else "plant", shell).setPos(px, py, 0)
        for area in plan.areas:
            self.models.copy("meeting_table", shell).setPos(area.table[0], area.table[1], 0)
        shell.flattenStrong()

    def _area_key(self, team: str) -> tuple[object, ...]:
        desks = [d for d in self.state.plan.desks.values() if d.team == team]
        on = [self.state.actors[d.employee_id].lamp_on for d in desks]
        return (self.state.layout_version, tuple((d.x, d.y) for d in desks), tuple(on))

    def _build_area(self, team: str) -> None:
        old = self._area_nodes.pop(team, None)
        if old is not None:
            old.removeNode()
        node = self.static.attachNewNode(f"area-{team}")
        for desk in self.state.plan.desks.values():
            if desk.team != team:
                continue
            lit = self.state.actors[desk.employee_id].lamp_on
            holder = node.attachNewNode("desk")
            holder.setPos(desk.x, desk.y, 0)
            self.models.copy("desk", holder)
            self.models.copy("screen_on" if lit else "screen_off", holder)
            chair = self.models.copy("chair", holder)
            chair.setY(0.72)
            lamp = self.models.copy("lamp", holder)
            lamp.setPos(-0.62, -0.22, 0)
            shade = self.models.copy("shade_on" if lit else "shade_off", holder)
            shade.setPos(-0.62, -0.22, 0)
            self.models.copy("gauge_bg", holder).setPos(0, -0.385, 0.6)
        node.flattenStrong()  # one area's furniture becomes a handful of geoms
        self._area_nodes[team] = node
        self._area_keys[team] = self._area_key(team)

    # ------------------------------------------------------------------ per frame
    def sync(self, dt: float = 0.0) -> None:
        """Copy the state onto the nodes (call once per frame, after `state.advance`)."""
        state = self.state
        if state.layout_version != self._layout_version:
            self._rebuild_layout()
        for area in state.plan.areas:
            if self._area_keys.get(area.team) != self._area_key(area.team):
                self._build_area(area.team)
        for gone in set(self.views) - set(state.actors):
            old = self.views.pop(gone)
            if old.group is not None:
                self._dirty.add(old.group)
            self._dirty.add(self._group_of(gone))  # its gauge
            self._slots.pop(gone, None)
            old.destroy()
        for employee_id, actor in state.actors.items():
            view = self.views.get(employee_id)
            if view is None:
                view = ActorView(actor, self.models, self.people, self.desks, self.tags, self.gauges, self.fonts)
                self.views[employee_id] = view
                index = self._group_of(employee_id)
                view.gauge_root.reparentTo(self.gauge_groups[index])
            view.place_desk(state.plan.desks[employee_id])
            groupable = view.groupable(actor)
            if view.group is not None and not groupable:
                self._dirty.add(view.group)
                view.group = None
                view.root.reparentTo(self.people)
            view.sync(actor)
            if view.recolored:
                view.recolored = False
                self._dirty.add(self._group_of(employee_id))
            if groupable and view.group is None:
                view.group = self._group_of(employee_id)
                view.root.reparentTo(self.groups[view.group])
                self._dirty.add(view.group)
        for index in self._dirty:
            for group in (self.groups[index], self.gauge_groups[index]):
                combiner = group.node()
                assert isinstance(combiner, RigidBodyCombiner)
                combiner.collect()
        self._dirty.clear()
        self._sync_bubble()

    def _group_of(self, employee_id: str) -> int:
        slot = self._slots.get(employee_id)
        if slot is None:
            used = set(self._slots.values())
            slot = next(i for i in range(len(used) + 1) if i not in used)
            self._slots[employee_id] = slot
        index = slot // GROUP_SIZE
        while len(self.groups) <= index:
            self.groups.append(self.people.attachNewNode(RigidBodyCombiner(f"group-{len(self.groups)}")))
            self.gauge_groups.append(self.gauges.attachNewNode(RigidBodyCombiner(f"gauges-{len(self.gauge_groups)}")))
        return index

    def show_bubble(self, employee_id: str | None) -> None:
        self.bubble_for = employee_id
        self._sync_bubble()

    def _sync_bubble(self) -> None:
        actor = self.state.actors.get(self.bubble_for or "")
        if actor is None or not actor.present:
            if not self.bubble.isStashed():
                self.bubble.stash()
            return
        text = f"{actor.name}: {actor.action}"
        node = self._bubble_node()
        if node.getText() != text:
            self.fonts.apply(node, text)
        if self.bubble.isStashed():
            self.bubble.unstash()
        view = self.views[actor.employee_id]
        self.bubble.setPos(view.figure.getPos(self.root) + Point3(0, 0, 2.62))

    def anchor(self, employee_id: str, z: float = 1.1) -> Point3:
        """World position of an employee's body at height `z` above their feet."""
        view = self.views[employee_id]
        return view.figure.getPos(self.root) + Point3(0, 0, z)
