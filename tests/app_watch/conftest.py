"""A window over a real office while another process holds the run lock: its own process (see the Makefile)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HEADCOUNT_PANDA_PIPE", "p3tinydisplay")  # deterministic pixels, no GPU or EGL needed
