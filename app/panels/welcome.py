"""The first-run invitation to connect a real model. Dismissible; never blocks the office."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.theme import REHEARSAL

REHEARSING = (
    "They work on a built-in offline practice model: free and private, but not real output. "
    "Connect OpenAI, Anthropic, Gemini or a local server when you want real work."
)
FIRST_DAY = (
    "They are called in for 8 hours, whatever the time, and work on a first task in rehearsal: a free, "
    "offline practice model, not real output. Their first deliverables land in your inbox for review. "
    "Connect a real model when you want real work."
)


class WelcomeBanner(QFrame):
    def __init__(
        self, on_connect: Callable[[], object], on_dismiss: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        title = QLabel("Your team is rehearsing")
        title.setStyleSheet(f"font-weight: 600; color: {REHEARSAL}; font-size: 11pt;")
        text = QLabel(REHEARSING)
        text.setWordWrap(True)
        self.title, self.text = title, text
        connect = QPushButton("Connect a model…")
        connect.setObjectName("primary")
        connect.clicked.connect(on_connect)
        dismiss = QPushButton("Not now")
        dismiss.setObjectName("flat")
        self._on_dismiss = on_dismiss
        dismiss.clicked.connect(self._dismiss)
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(title)
        words.addWidget(text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 10, 10)
        layout.addLayout(words, 1)
        layout.addWidget(connect)
        layout.addWidget(dismiss)
        self.connect_button = connect
        self.dismiss_button = dismiss

    def set_first_day(self, first_day: bool) -> None:
        self.title.setText("Welcome! Your team is in for their first day" if first_day else "Your team is rehearsing")
        self.text.setText(FIRST_DAY if first_day else REHEARSING)

    def _dismiss(self) -> None:
        self.hide()
        self._on_dismiss()
