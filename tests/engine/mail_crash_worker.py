"""An office in its own process that kills itself with SIGKILL at one moment of a `send_email`.

Run: python tests/engine/mail_crash_worker.py HOME KILL_AT
KILL_AT is where: `before_send` (the intent is journaled, nothing handed to SMTP yet), `after_data`
(the SMTP server has the message, the Sent copy is not made), `after_append` (the copy is in Sent,
the result is not journaled). The model is the rehearsal model, as for an owner without a key.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any

from engine.apps import email_imap
from engine.llm.client import LiteLLMClient
from engine.office import Office
from engine.paths import Home


def _die() -> None:
    print("killed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def arm(kill_at: str) -> None:
    has_message, append_once = email_imap.has_message, email_imap.append_once

    def checking(*args: Any, **kwargs: Any) -> bool:
        if kill_at == "before_send":
            _die()
        return has_message(*args, **kwargs)

    def appending(account: Any, password: str, folder: str, *rest: Any) -> bool:
        if folder == account.sent_folder and kill_at == "after_data":
            _die()
        done = append_once(account, password, folder, *rest)
        if folder == account.sent_folder and kill_at == "after_append":
            _die()
        return done

    email_imap.has_message = checking  # type: ignore[assignment]
    email_imap.append_once = appending  # type: ignore[assignment]


async def main(home: str, kill_at: str) -> None:
    arm(kill_at)
    office = await Office.open(Home.resolve(home), model=LiteLLMClient())
    try:
        print("running", flush=True)
        await office.run(until_idle=True)
        print("idle", flush=True)
    finally:
        await office.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
