"""Draw the Headcount icon with Qt for the installers: PNGs (Linux), .ico (Windows), .icns (macOS).

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/icon.py build/package/icon

The same mark as `app.theme.app_icon` (three heads at a desk on the accent square), drawn at each
size rather than scaled from 64 px. Nothing is downloaded.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

ACCENT = "#4f46e5"  # app.theme.ACCENT
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def draw(size: int) -> QImage:
    """The mark on a `size` px square, designed on a 64 px grid."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 64, size / 64)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(ACCENT))
    p.drawRoundedRect(QRectF(2, 2, 60, 60), 14, 14)
    p.setBrush(QColor("white"))
    for x, r in ((16, 7), (32, 9), (48, 7)):
        p.drawEllipse(QRectF(x - r, 26 - r, 2 * r, 2 * r))
    p.drawRoundedRect(QRectF(10, 40, 44, 10), 4, 4)
    p.end()
    return image


def write_icons(out: Path) -> list[Path]:
    """Every icon file the installers use, in `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for size in PNG_SIZES:
        path = out / f"headcount-{size}.png"
        if not draw(size).save(str(path)):
            raise RuntimeError(f"could not write {path}")
        written.append(path)
    for name, size in (("headcount.ico", 256), ("headcount.icns", 512)):  # Qt's ico and icns writers
        path = out / name
        if draw(size).save(str(path)):
            written.append(path)
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "build/package/icon")
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for path in write_icons(out):
        print(path)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
