"""Live app tests (real window over a real office on qasync) run on Qt's offscreen platform, in their own process."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HEADCOUNT_PANDA_PIPE", "p3tinydisplay")  # deterministic pixels, no GPU or EGL needed
