"""App tests run on Qt's offscreen platform: no X server needed."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
