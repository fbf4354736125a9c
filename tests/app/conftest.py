"""App tests run on Qt's offscreen platform: no X server needed. The 3D office uses the software pipe."""

from __future__ import annotations

import os

from tests.engine.mailservers import dovecot, smtp_sink  # noqa: F401  (fixtures: real IMAP and SMTP on 127.0.0.1)
from tests.engine.test_email_oauth import oauth_dovecot, oauth_smtp  # noqa: F401  (the same, taking XOAUTH2 tokens)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HEADCOUNT_PANDA_PIPE", "p3tinydisplay")  # deterministic pixels, no GPU or EGL needed
