"""`headcount` with no command: the desktop app. One asyncio loop (qasync) on Qt's thread runs the engine.

Order matters for start-up: the engine is imported before Qt, the window paints, the office opens
(database on a thread) and is drawn as stored, everyone seated: that first office frame is logged with
the time since the process started. Only then is litellm's slow import warmed on a thread (so the first
real model call does not stall the loop) and the garbage collector switched back on.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.bridge import Bridge
    from app.window import MainWindow

log = logging.getLogger(__name__)


def prewarm_in_background() -> threading.Thread | None:
    """Import litellm (~2.5 s) on a daemon thread, if the model layer offers it."""
    try:
        from engine.llm.provider import prewarm  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        return None
    thread = threading.Thread(target=prewarm, name="headcount-prewarm", daemon=True)
    thread.start()
    return thread


def wake_for_signals(app: Any) -> None:
    """Let Ctrl-C reach Python while Qt waits in C++ (a dialog before the office opens runs no Python at all).

    Python runs a signal's handler only between bytecodes. The C-level handler also writes to the wakeup
    socket; Qt notices it, and the Python slot draining it gives the handler its turn.
    """
    import socket

    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)
    notifier.activated.connect(lambda *_: reader.recv(64))
    app._signal_wakeup = (reader, writer, notifier)  # kept as long as the app lives


def settle_heap() -> None:
    """Move everything start-up made (Qt, Panda3D, litellm's module graph) out of the collector's reach.

    A full collection otherwise walks millions of long-lived objects and stalls the loop for
    hundreds of milliseconds at random moments (measured in tests/bench/bench_shell.py).
    """
    gc.collect()
    gc.freeze()


async def run_app(window: object, bridge: object, *, starter_team: bool = True) -> int:
    """Wait for the first painted frame, open the office, then run until the window closes."""
    from app.bridge import Bridge
    from app.tray import KeepWorking
    from app.window import MainWindow

    assert isinstance(window, MainWindow) and isinstance(bridge, Bridge)
    loop = asyncio.get_running_loop()
    painted: asyncio.Future[None] = loop.create_future()
    closed: asyncio.Future[None] = loop.create_future()
    window.firstPainted.connect(lambda: _settle(painted))
    window.closed.connect(lambda: _settle(closed))
    if window._painted:
        _settle(painted)
    await painted
    from app.passphrase import ask_for_keys, show_locked_banner
    from app.timing import log_first_frame, mark
    from engine.paths import Home

    mark("painted")

    home = Home.resolve().root
    if not await ask_for_keys(window, home):  # only where keys live in the encrypted file (no OS keyring)
        if closed.done():  # closed while asking (Ctrl-C, its close button): nothing was opened yet
            return 0
        show_locked_banner(window, home)
        bridge.state.tell("Your keys are locked: model keys and connected apps cannot be used until you unlock them.")
    log_first_frame(window.office_view)  # cold start -> first frame of the office as stored, in the log
    show_when_seeded(window, bridge)
    warm: threading.Thread | None = None

    def after_first_frame() -> None:
        # litellm's import holds the GIL for seconds: started any earlier, it halves the speed of the
        # office opening and the first frame. A model call before it is done imports it off the loop too.
        nonlocal warm
        gc.enable()  # off since main(): see there
        if warm is None:
            warm = prewarm_in_background()

    first_frame = getattr(window.office_view, "firstFrame", None)  # the 2D plan has none
    if first_frame is not None:
        first_frame.connect(after_first_frame)
    window.start_office()
    try:
        await bridge.open(starter_team=starter_team)
        await KeepWorking.install(window, bridge)  # app/tray.py: closing the window keeps it working (owned by it)
    except Exception as exc:
        from engine.office import OfficeError, StoreError

        if isinstance(exc, OfficeError | StoreError):  # a known fault: its message says what to do
            log.error("the office could not open: %s", exc)
        else:
            log.exception("the office could not open")
        bridge.state.set_engine_status(f"The office could not open: {exc}")
        window.show_problem("The office could not open", str(exc))
    window.settle_office()
    after_first_frame()  # no frame yet (or no 3D office): now anyway
    if warm is not None:
        await asyncio.to_thread(warm.join)
    settle_heap()
    with contextlib.suppress(asyncio.CancelledError):
        await closed
    await window.stop_office()
    await bridge.close()
    return 0


def show_when_seeded(window: MainWindow, bridge: Bridge) -> None:
    """Once the bridge has the office as stored, show it at once: the roster and the seated 3D office
    (whose first frame from then on is the one the start-up time is logged at)."""
    view_opened = getattr(window.office_view, "office_opened", None)  # the 2D plan follows the rows

    def seeded() -> None:
        window.refresh()
        if view_opened is not None:
            view_opened()

    bridge.on_seeded = seeded


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


X11_SOCKETS = Path("/tmp/.X11-unix")
_ELSEWHERE = (
    "On a server, run it on a virtual display: xvfb-run -a headcount; or work from the command line: headcount --help"
)


def display_problem(
    environ: dict[str, str] | None = None, platform: str = sys.platform, x11_sockets: Path = X11_SOCKETS
) -> str | None:
    """Why a window cannot open here (no display on Linux, or none answering), said before Qt aborts with its
    own words (a stale DISPLAY makes it blame a missing xcb-cursor library and suggest reinstalling)."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    x11, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if not (x11 or wayland):
        return f"there is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). {_ELSEWHERE}"
    if (wayland and _wayland_answers(wayland, env)) or (x11 and _x11_answers(x11, x11_sockets)):
        return None
    named = " nor ".join(f"{k}={v}" for k, v in (("DISPLAY", x11), ("WAYLAND_DISPLAY", wayland)) if v)
    return f"no display answers at {named} (the session that set it may have ended). {_ELSEWHERE}"


def _x11_answers(display: str, sockets: Path) -> bool:
    """Whether an X server accepts a connection at `display` (`:0`, `:0.0`, `unix:0`, `host:0`, a socket path)."""
    host, _, number = display.rpartition(":")
    number = number.split(".")[0]
    if not number.isdigit():
        return True  # a form this check does not know: let Qt try
    if host in ("", "unix") or host.startswith("/"):
        path = host if host.startswith("/") else str(sockets / f"X{number}")
        return any(_unix_answers(p) for p in (path, f"\0{path}"))  # the file, then Linux's abstract namespace
    try:
        with socket.create_connection((host, 6000 + int(number)), timeout=1.0):
            return True
    except OSError:
        return False


def _wayland_answers(name: str, env: Mapping[str, str]) -> bool:
    return _unix_answers(str(Path(env.get("XDG_RUNTIME_DIR", "")) / name))  # an absolute name stands alone


def _unix_answers(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


def main() -> int:
    """Open the Headcount window and run until it is closed."""
    problem = display_problem()
    if problem:
        print(f"headcount: {problem}", file=sys.stderr)
        return 1
    from app.timing import mark

    mark("python")
    # Start-up allocates millions of long-lived objects and no garbage worth a pass: the collector's
    # automatic passes cost a tenth of the time to the first frame. It is back on from that frame.
    gc.disable()
    # The engine before Qt: once PySide6 is loaded it reads the source of every module imported after
    # it (shiboken's __feature__ check), some 500 modules of the engine, SQLAlchemy and pydantic.
    importlib.import_module("engine.office.front")  # the Office the bridge opens once the window shows
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.bridge import Bridge
    from app.office.state import OfficeState as SceneState
    from app.single import SingleInstance, ask_running, server_name
    from app.state import OfficeState
    from app.theme import apply_theme
    from app.window import MainWindow
    from engine.errors import OfficeError
    from engine.logs import setup_logging
    from engine.paths import Home

    mark("imports")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)  # the terminal hears of problems only
    try:
        home = Home.resolve()
    except OfficeError as exc:  # HEADCOUNT_HOME or --home names a file, or a folder that cannot be made
        print(f"headcount: {exc}", file=sys.stderr)
        return 1
    setup_logging(home.logs)  # the full log, secrets masked, in the data folder
    app = QApplication.instance() or QApplication(sys.argv[:1])  # Qt would eat options such as --display
    assert isinstance(app, QApplication)
    name = server_name(home.root)
    running = ask_running(name)  # app/single.py: one window per office
    if running is not False:
        said = "its window is now in front" if running else "it did not answer yet; look for it in the tray"
        print(f"Headcount is already open for {home.root}: {said}. This launch opens nothing more.")
        return 0
    mark("qapplication")
    app.setApplicationName("Headcount")
    app.setQuitOnLastWindowClosed(False)  # we quit once the office has closed cleanly
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    state = OfficeState()
    scene = SceneState()  # the 3D office: fed every engine event by the bridge, drawn by the viewport
    bridge = Bridge(state, scene=scene.apply)
    window = MainWindow(state, bridge, scene=scene)
    mark("window")
    single = SingleInstance(name, SingleInstance.bring_forward(window), window)
    if not single.listen():
        log.warning("a second launch will open a second window: %s", single.server.errorString())
    window.show()
    # Ctrl-C in the terminal closes the window as its close button would: the office stops between
    # steps and everything journaled stays. (Python's default handler would raise inside a Qt timer.)
    signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(window.close))
    wake_for_signals(app)
    with loop:
        return int(loop.run_until_complete(run_app(window, bridge)))
