"""Fonts for words in the office (name tags, the speech bubble): Panda3D's built-in font has Latin only.

A name such as Иван, Ελένη, דוד or 李雷 is drawn in the first font installed on this machine that has all its
letters (nothing is downloaded: a machine without such a font keeps the built-in one, as before). Right-to-left
text is laid out right to left, and HarfBuzz (in Panda3D's wheels) joins Arabic letters.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from panda3d.core import DynamicTextFont, DynamicTextGlyph, Filename, TextFont, TextNode, TextProperties

# Looked at first, in this order: broad sans-serif fonts a desktop usually has (Linux, Windows, macOS).
PREFERRED = (
    "DejaVuSans.ttf",
    "NotoSans-Regular.ttf",
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "wqy-microhei.ttc",
    "segoeui.ttf",
    "arial.ttf",
    "msyh.ttc",
    "YuGothM.ttc",
    "meiryo.ttc",
    "malgun.ttf",
    "Nirmala.ttf",
    "seguisym.ttf",
    "seguiemj.ttf",
    "Arial Unicode.ttf",
    "PingFang.ttc",
    "Hiragino Sans GB.ttc",
    "AppleSDGothicNeo.ttc",
)
SUFFIXES = (".ttf", ".otf", ".ttc")
SKIPPED = ("color", "bold", "italic", "oblique", "mono")  # bitmap emoji FreeType cannot draw; other faces
SCAN_LIMIT = 400  # font files looked at past the preferred ones, at most (once per set of missing letters)


def font_dirs() -> list[Path]:
    """Where this platform keeps installed fonts (the user's own first)."""
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        found = [Path(local) / "Microsoft" / "Windows" / "Fonts"] if local else []
        return [*found, Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"]
    if sys.platform == "darwin":
        return [home / "Library/Fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts"),
                Path("/System/Library/Fonts/Supplemental")]  # fmt: skip
    data = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    dirs = [Path(os.environ.get("XDG_DATA_HOME") or home / ".local/share") / "fonts", home / ".fonts"]
    return dirs + [Path(d) / "fonts" for d in data.split(os.pathsep) if d]


def right_to_left(text: str) -> bool:
    """Whether the text's first strong letter is Hebrew or Arabic."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


class TagFonts:
    """Chooses, per text, a font that can draw it; None means Panda3D's built-in one will do."""

    def __init__(self, dirs: Iterable[Path] | None = None) -> None:
        self._dirs = list(dirs) if dirs is not None else font_dirs()
        self._default = TextNode.getDefaultFont()
        self._loaded: dict[Path, TextFont | None] = {}
        self._chosen: dict[frozenset[str], TextFont | None] = {}
        self._files: list[Path] | None = None

    def font_for(self, text: str) -> TextFont | None:
        missing = frozenset(c for c in text if not c.isspace() and not _has(self._default, c))
        if not missing:
            return None
        if missing not in self._chosen:
            self._chosen[missing] = self._best(missing)
        return self._chosen[missing]

    def apply(self, node: TextNode, text: str) -> None:
        """Set `text` on the node with a font that has its letters, in its reading direction."""
        font = self.font_for(text)
        if font is not None:
            node.setFont(font)
        else:
            node.clearFont()
        rtl = right_to_left(text)
        if rtl:
            node.setDirection(TextProperties.D_rtl)
        else:
            node.clearDirection()
        node.setText(text)

    def _best(self, missing: frozenset[str]) -> TextFont | None:
        """The first font with every missing letter; failing that, the one with the most (none: the built-in)."""
        best: TextFont | None = None
        best_count = 0
        for font in self._fonts():
            count = sum(1 for c in missing if _has(font, c))
            if count == len(missing):
                return font
            if count > best_count:
                best, best_count = font, count
        return best

    def _fonts(self) -> Iterator[TextFont]:
        for path in self._candidates():
            if path not in self._loaded:
                self._loaded[path] = _load(path)
            font = self._loaded[path]
            if font is not None:
                yield font

    def _candidates(self) -> list[Path]:
        if self._files is None:
            everything: dict[str, Path] = {}
            for directory in self._dirs:
                for path in _font_files(directory):
                    everything.setdefault(path.name, path)  # the user's own copy of a font first
            preferred = [everything[name] for name in PREFERRED if name in everything]
            rest = sorted(
                (p for name, p in everything.items() if name not in PREFERRED and not _skipped(name)),
                key=lambda p: p.name.lower(),
            )
            self._files = preferred + rest[:SCAN_LIMIT]
        return self._files


def _font_files(directory: Path) -> Iterator[Path]:
    try:
        for root, _, names in os.walk(directory):
            for name in names:
                if name.lower().endswith(SUFFIXES):
                    yield Path(root) / name
    except OSError:
        return


def _skipped(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SKIPPED)


def _load(path: Path) -> TextFont | None:
    try:
        font = DynamicTextFont(Filename.fromOsSpecific(str(path)))
    except Exception:
        return None
    return font if font.isValid() else None


def _has(font: TextFont, char: str) -> bool:
    """Whether the font has its own glyph for the letter (a missing one comes back as a plain, empty glyph)."""
    return isinstance(font.getGlyph(ord(char)), DynamicTextGlyph)
