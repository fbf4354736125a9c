"""The office palette: one place for every colour the scene uses."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

RGBA = tuple[float, float, float, float]


def hex_rgba(value: str, alpha: float = 1.0) -> RGBA:
    """'#3b82f6' or '3b82f6' -> (r, g, b, a) in 0..1; raises ValueError on anything else."""
    text = value.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6:
        raise ValueError(f"not a hex colour: {value!r}")
    r, g, b = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


FLOOR = hex_rgba("#d9d2c5")
FLOOR_ALT = hex_rgba("#d2cab9")
WALL = hex_rgba("#eeeae2")
WALL_TRIM = hex_rgba("#b9ad9a")
WINDOW = hex_rgba("#a9cbe6")
WOOD = hex_rgba("#c49a6c")
WOOD_DARK = hex_rgba("#8a6440")
DESK_TOP = hex_rgba("#e9dcc6")
METAL = hex_rgba("#5b6270")
DARK = hex_rgba("#2d3138")
CHAIR = hex_rgba("#3c4452")
SCREEN_ON = hex_rgba("#7cc0f5")
SCREEN_OFF = hex_rgba("#23272e")
LAMP_ON = hex_rgba("#ffd98a")
LAMP_OFF = hex_rgba("#6b6660")
LEAF = hex_rgba("#5f9e5a")
LEAF_DARK = hex_rgba("#467d45")
POT = hex_rgba("#c8714c")
COUNTER = hex_rgba("#f4f1ea")
CABINET = hex_rgba("#7d9aa8")
FRIDGE = hex_rgba("#dfe3e6")
PAPER = hex_rgba("#fbfbf7")
FOLDER = hex_rgba("#f2b84b")
SKY = hex_rgba("#e3e8ee")

SKIN = hex_rgba("#f0c8a0")
SKINS = tuple(hex_rgba(c) for c in ("#f3d2b3", "#e8b98f", "#c98e62", "#a26a43", "#7a4b2c"))
HAIRS = tuple(hex_rgba(c) for c in ("#2b2320", "#5a3a22", "#a0683a", "#d8b46a", "#8d8d8d", "#1e2838"))
PANTS = hex_rgba("#333a4a")
SHOE = hex_rgba("#22252b")

# Role colours: the shirt colour when a brief sets none (stable per role).
ROLE_COLORS = tuple(
    hex_rgba(c) for c in ("#3b82f6", "#ef6f5e", "#22a06b", "#e0a526", "#8b5cf6", "#14a3b8", "#ec6aa0", "#f08c3a")
)
TEAM_TINTS = tuple(hex_rgba(c) for c in ("#bcd3ee", "#f2cfc4", "#c7e3c8", "#eedfb3", "#d9cdf0", "#bfe4e8", "#f1cde0"))

APPROVAL = hex_rgba("#f5a623")
BLOCKED = hex_rgba("#e5484d")
BUDGET = hex_rgba("#8e4ec6")
GAUGE_BG = hex_rgba("#3a3f47")
GAUGE_OK = hex_rgba("#46b96a")
GAUGE_WARN = hex_rgba("#f0b429")
GAUGE_OVER = hex_rgba("#e5484d")
TAG_BG = (0.12, 0.14, 0.18, 0.78)
BUBBLE_BG = (1.0, 1.0, 1.0, 0.95)


def stable_index(key: str, n: int) -> int:
    """A stable (process-independent, unlike hash()) index in range(n) for `key`."""
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % n


def role_color(role: str) -> RGBA:
    return ROLE_COLORS[stable_index(role, len(ROLE_COLORS))]


def team_tint(team: str) -> RGBA:
    return TEAM_TINTS[stable_index(team, len(TEAM_TINTS))]


def appearance_colors(role: str, employee_id: str, appearance: Iterable[tuple[str, str]]) -> dict[str, RGBA]:
    """Figure colours: the brief's appearance wins, else role colour and a stable per-person look."""
    colors = {
        "shirt": role_color(role),
        "skin": SKINS[stable_index(employee_id + "skin", len(SKINS))],
        "hair": HAIRS[stable_index(employee_id + "hair", len(HAIRS))],
        "pants": PANTS,
    }
    aliases = {"color": "shirt", "colour": "shirt", "shirt": "shirt", "skin": "skin", "hair": "hair"}
    aliases["pants"] = "pants"
    for key, value in appearance:
        part = aliases.get(key.lower())
        if part is None:
            continue
        try:
            colors[part] = hex_rgba(value)
        except ValueError:
            continue  # a bad colour in a brief must not break the office; the default stays
    return colors
