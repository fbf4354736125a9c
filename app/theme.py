"""One palette, one font stack, one stylesheet: every panel looks like the same product."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication

from engine.audit_text import usd

BG = "#f4f5f9"
SURFACE = "#ffffff"
SURFACE_ALT = "#f9fafb"
BORDER = "#e3e6ee"
TEXT = "#1d2433"
MUTED = "#667085"
ACCENT = "#4f46e5"
ACCENT_HOVER = "#4338ca"
ACCENT_SOFT = "#eef0ff"
DANGER = "#dc2626"
WARN = "#d97706"
OK = "#16a34a"
REHEARSAL = "#b45309"
REHEARSAL_SOFT = "#fff4e0"

FONT_FAMILIES = ["Inter", "Segoe UI", "SF Pro Text", "Cantarell", "Noto Sans", "DejaVu Sans"]

# status -> (label, colour). Plain data: tested without rendering.
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "idle": ("Idle", "#98a2b3"),
    "thinking": ("Thinking", "#f59e0b"),
    "typing": ("Writing", "#3b82f6"),
    "tool": ("Using a tool", "#8b5cf6"),
    "reading": ("Reading", "#0d9488"),
    "awaiting_approval": ("Needs approval", "#ea580c"),
    "blocked": ("Blocked", "#dc2626"),
    "over_budget": ("Over budget", "#be123c"),
    "off_duty": ("Off duty", "#64748b"),
}

TASK_STYLE: dict[str, tuple[str, str]] = {
    "queued": ("Queued", "#98a2b3"),
    "running": ("Running", "#3b82f6"),
    "waiting": ("Waiting", "#ea580c"),
    "review": ("In review", "#3b82f6"),
    "parked": ("Parked", "#d97706"),
    "uncertain": ("Uncertain", "#dc2626"),
    "done": ("Done", "#16a34a"),
    "failed": ("Failed", "#dc2626"),
    "cancelled": ("Cancelled", "#64748b"),
}


def status_style(status: str) -> tuple[str, str]:
    return STATUS_STYLE.get(status, (status.replace("_", " ").capitalize(), "#98a2b3"))


def task_style(status: str) -> tuple[str, str]:
    return TASK_STYLE.get(status, (status.capitalize(), "#98a2b3"))


def money(amount: float) -> str:
    return usd(amount)  # one way to write dollars, in the window and at the command line


def base_font(point_size: float = 10.0) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(point_size)
    return font


def badge_icon(count: int, size: int = 20, color: str = DANGER) -> QIcon:
    """A round count badge (the inbox tab, the tray icon); empty when nothing waits."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    if count > 0:
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(QColor(color))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
        p.setPen(QColor("white"))
        font = base_font(7.5 if count < 10 else 6.5)
        font.setBold(True)
        p.setFont(font)
        p.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, str(count) if count < 100 else "99+")
        p.end()
    return QIcon(pixmap)


def app_icon(count: int = 0) -> QIcon:
    """The Headcount mark (three heads at a desk), with a badge when something waits on the owner."""
    size = 64
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(ACCENT))
    p.drawRoundedRect(QRectF(2, 2, 60, 60), 14, 14)
    p.setBrush(QColor("white"))
    for x, r in ((16, 7), (32, 9), (48, 7)):
        p.drawEllipse(QRectF(x - r, 26 - r, 2 * r, 2 * r))
    p.drawRoundedRect(QRectF(10, 40, 44, 10), 4, 4)
    if count > 0:
        badge = badge_icon(count, 30).pixmap(30, 30)
        p.drawPixmap(size - 30, 0, badge)
    p.end()
    return QIcon(pixmap)


STYLESHEET = f"""
QWidget {{ color: {TEXT}; }}
QMainWindow, QDialog {{ background: {BG}; }}
QToolTip {{ background: {TEXT}; color: white; border: none; padding: 6px 8px; }}
QFrame#card, QWidget#card {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 10px; }}
QLabel#h1 {{ font-size: 15pt; font-weight: 600; }}
QLabel#h2 {{ font-size: 11.5pt; font-weight: 600; }}
QLabel#muted {{ color: {MUTED}; }}
QLabel#error {{ color: {DANGER}; }}
QLabel#ok {{ color: {OK}; }}
QLabel#pill {{ border-radius: 9px; padding: 2px 9px; font-weight: 600; font-size: 8.5pt; }}
QLabel#rehearsal {{ background: {REHEARSAL_SOFT}; color: {REHEARSAL}; border-radius: 9px;
    padding: 2px 9px; font-weight: 600; font-size: 8.5pt; }}
QPushButton {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 7px; padding: 6px 14px; }}
QPushButton:hover {{ background: {SURFACE_ALT}; border-color: #c9cedb; }}
QPushButton:disabled {{ color: #a0a7b4; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border: 1px solid {ACCENT}; font-weight: 600; }}
QPushButton#primary:hover {{ background: {ACCENT_HOVER}; }}
QPushButton#primary:disabled {{ background: #a5a1f0; border-color: #a5a1f0; }}
QPushButton#danger {{ color: {DANGER}; }}
QPushButton#flat {{ border: none; background: transparent; color: {MUTED}; padding: 4px 8px; }}
QPushButton#flat:hover {{ color: {TEXT}; }}
QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QSpinBox, QDoubleSpinBox, QDateEdit, QTimeEdit {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 7px; padding: 5px 8px;
    selection-background-color: {ACCENT_SOFT}; selection-color: {TEXT}; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QComboBox:focus {{ border-color: {ACCENT}; }}
QPlainTextEdit#invalid {{ border-color: {DANGER}; }}
QTabWidget::pane {{ border: none; background: {SURFACE}; }}
QTabBar::tab {{ background: transparent; color: {MUTED}; padding: 8px 14px; border: none;
    border-bottom: 2px solid transparent; font-weight: 600; }}
QTabBar::tab:selected {{ color: {ACCENT}; border-bottom: 2px solid {ACCENT}; }}
QTabBar::tab:hover {{ color: {TEXT}; }}
QTableWidget, QTableView, QTreeWidget, QListWidget {{ background: {SURFACE}; border: none;
    alternate-background-color: {SURFACE_ALT}; gridline-color: transparent;
    selection-background-color: {ACCENT_SOFT}; selection-color: {TEXT}; }}
QHeaderView::section {{ background: {SURFACE}; color: {MUTED}; border: none; border-bottom: 1px solid {BORDER};
    padding: 6px 8px; font-weight: 600; font-size: 8.5pt; }}
QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel {{ padding: 0 8px; }}
QToolBar {{ background: {SURFACE}; border: none; border-bottom: 1px solid {BORDER}; spacing: 6px; padding: 6px 10px; }}
QSplitter::handle {{ background: {BG}; }}
QScrollArea {{ border: none; background: transparent; }}
QProgressBar {{ background: #eceef4; border: none; border-radius: 4px; height: 8px; text-align: center; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
QFrame#banner {{ background: {REHEARSAL_SOFT}; border: 1px solid #f6d7a4; border-radius: 10px; }}
QCheckBox {{ spacing: 6px; }}
QComboBox {{ padding-right: 24px; }}
QComboBox::drop-down {{ border: none; width: 22px; }}
QComboBox::down-arrow {{ width: 0; height: 0; border-left: 4px solid transparent; border-right: 4px solid transparent;
    border-top: 5px solid {MUTED}; margin-right: 8px; }}
QComboBox QAbstractItemView {{ background: {SURFACE}; border: 1px solid {BORDER};
    selection-background-color: {ACCENT_SOFT}; }}
"""


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setFont(base_font())
    app.setStyleSheet(STYLESHEET)
    app.setWindowIcon(app_icon())
