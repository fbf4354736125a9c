"""The 3D office: Panda3D scene driven by engine events. Never imports Qt."""

from app.office.camera import CameraRig
from app.office.layout import OfficePlan, plan_office
from app.office.poses import BEHAVIOURS, POSES
from app.office.state import Actor, OfficeState

__all__ = ["BEHAVIOURS", "POSES", "Actor", "CameraRig", "OfficePlan", "OfficeState", "plan_office"]


def __getattr__(name: str) -> object:
    # Panda3D is imported only when rendering is wanted, so scene logic stays cheap to import.
    if name in ("OfficeRenderer", "Frame", "shared_renderer"):
        from app.office import renderer

        return getattr(renderer, name)
    if name in ("snapshot", "snapshot_command"):
        from app.office import snapshot as module

        return getattr(module, name)
    raise AttributeError(name)
