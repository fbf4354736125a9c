"""Shell responsiveness: 50 employees working, the 3D office rendering, a 10 ms asyncio timer probing.

    QT_QPA_PLATFORM=offscreen python tests/bench/bench_shell.py --json shell.json [--employees 50 --seconds 10]

With --idle: the share of a core an office of idle people uses (--every-frame: drawn regardless, the
reference). Otherwise reports how late a 10 ms asyncio timer fires (p50, p99, max) while the window follows the office
and the 3D office renders (its own frame task, as in the app), the office's frame rate, and cold
start: the app itself (`python -m app.launcher`) launched --cold-runs times on an office with a starter
team, each run's "first office frame" line read from the app's log (process start to the first painted
frame that shows the office as stored, employees drawn). As installed, the launches use compiled bytecode
(a private cache, filled by one untimed launch first); --cold-no-bytecode runs them from source.
Not a timed test: it prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
FIRST_FRAME = re.compile(
    r"first office frame ([0-9.]+) s after the process started \((?:cpu ([0-9.]+) s; )?stages: (.*)\)"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


async def scenario(
    args: argparse.Namespace, window: Any, bridge: Any, painted: asyncio.Future[float]
) -> dict[str, Any]:
    from engine.events import Event, TaskChanged
    from engine.office import Office
    from engine.paths import Home

    if not args.no_render:
        window.start_office()
    await painted
    from app.main import prewarm_in_background

    warm = prewarm_in_background()  # as the app does: litellm's import off the loop
    result: dict[str, Any] = {}
    model = None
    if args.model == "scripted":  # no litellm: the engine's test model, streamed word by word
        from engine.testing import FunctionModel, say

        async def reply(messages: Any, tools: Any) -> Any:
            await asyncio.sleep(args.latency_ms / 1000)
            return say("Working on it: drafting, checking and saving the result.")

        model = FunctionModel(reply)
    if warm is not None and model is None:
        await asyncio.to_thread(warm.join)
    office = await Office.open(Home.resolve(args.home), model=model, colocate_writer=False)
    bridge.office = office
    await bridge.open(starter_team=False)  # streaming on, the office running, the 3D scene seeded
    for _ in range(args.employees):
        record = await office.hire(office.brief_for("assistant"))
        await office.put_on_probation(record.id, 0)  # no review round trips: keep everyone working
        await office.call_in(record.id, hours=8)  # catalog hours: the bench runs at any time of day
    if args.idle:
        return result | await idle_figures(args, window, office, bridge)
    tasks_done = 0

    def keep_busy(event: Event) -> None:
        nonlocal tasks_done
        if isinstance(event, TaskChanged) and event.status in ("done", "failed", "parked"):
            tasks_done += 1
            bridge.spawn(office.assign(event.employee_id, "Draft the next item on your list"), "assign")

    office.bus.subscribe(keep_busy)
    for employee_id in list(office.employees):
        await office.assign(employee_id, "Draft the first item on your list")
    window.settle_office()

    if not args.no_freeze:
        from app.main import settle_heap

        settle_heap()  # as the app does once the office is open and litellm is warm
    view = window.office_view
    running = True
    lags: list[float] = []

    async def probe() -> None:
        while running:
            t0 = time.perf_counter()
            await asyncio.sleep(0.010)
            lags.append((time.perf_counter() - t0 - 0.010) * 1000)

    await asyncio.sleep(args.warmup)
    frames_before = getattr(view, "frames", 0)
    done_before = tasks_done
    probe_task = asyncio.ensure_future(probe())
    t0 = time.perf_counter()
    await asyncio.sleep(args.seconds)
    elapsed = time.perf_counter() - t0
    running = False
    await probe_task
    frame_ms = sorted(getattr(view, "frame_ms", []))
    result.update(
        employees=len(office.employees),
        seconds=round(elapsed, 2),
        timer_lag_ms_p50=round(statistics.median(lags), 2),
        timer_lag_ms_p99=round(percentile(lags, 0.99), 2),
        timer_lag_ms_max=round(max(lags), 2),
        lag_samples=len(lags),
        office_fps=round((getattr(view, "frames", 0) - frames_before) / elapsed, 1),
        office_frame_ms_p50=round(percentile(frame_ms, 0.5), 2) if frame_ms else None,
        office_size=list(view.renderer.size) if hasattr(view, "renderer") else None,
        office_pipe=view.renderer.pipe_name if hasattr(view, "renderer") else None,
        office_view="placeholder 2D floor plan" if view.is_placeholder() else "3D office",
        tasks_per_s=round((tasks_done - done_before) / elapsed, 1),
        model=args.model,
        streaming=office.stream,
    )
    await window.stop_office()
    await bridge.close()
    return result


async def idle_figures(args: argparse.Namespace, window: Any, office: Any, bridge: Any) -> dict[str, Any]:
    """An office where nobody works: the share of one core the whole process uses, and the frame rate."""
    window.settle_office()
    view = window.office_view
    await asyncio.sleep(args.warmup)
    frames_before = getattr(view, "frames", 0)
    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.sleep(args.seconds)
    cpu, elapsed = time.process_time() - cpu0, time.perf_counter() - t0
    figures = {
        "idle_employees": len(office.employees),
        "idle_cpu_pct_of_core": round(100 * cpu / elapsed, 1),
        "idle_office_fps": round((getattr(view, "frames", 0) - frames_before) / elapsed, 1),
        "seconds": round(elapsed, 2),
    }
    await window.stop_office()
    await bridge.close()
    return figures


async def prepare_cold_office(home: Path) -> int:
    """An office as the app leaves it after its first run: the starter team hired, called in, given work."""
    from app.forms import RoleInfo
    from app.onboarding import hire_starter_team
    from app.state import OfficeState
    from engine.office import Office
    from engine.paths import Home
    from engine.testing import FunctionModel, say

    async def reply(messages: Any, tools: Any) -> Any:
        return say("Working on it.")

    office = await Office.open(Home.resolve(str(home)), model=FunctionModel(reply), colocate_writer=False)
    try:
        roles = [RoleInfo(rid, b.title, b.team, "") for rid, b in office.catalog().roles.items()]

        async def hire(role_id: str, name: str | None) -> Any:
            return await office.hire(office.brief_for(role_id), name=name)

        await hire_starter_team(office, OfficeState(), roles, hire)
        return len(office.employees)
    finally:
        await office.close()


def launch_app(home: Path, env: dict[str, str], timeout: float = 120.0) -> tuple[float, float | None, str] | None:
    """Start the app on `home`, wait for its "first office frame" log line, close it (as Ctrl-C does).
    Returns (seconds, cpu seconds, stages) from that line, or None if it never came."""
    log = home / "logs" / "headcount.log"

    def lines() -> list[str]:
        try:
            return [m for m in log.read_text(encoding="utf-8").splitlines() if FIRST_FRAME.search(m)]
        except OSError:
            return []

    seen = len(lines())
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.launcher"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + timeout
    while len(lines()) == seen and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    found = lines()[seen:]
    if not found:
        err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
        print(f"the app never logged its first office frame (exit {proc.returncode}):\n{err}", file=sys.stderr)
        return None
    match = FIRST_FRAME.search(found[-1])
    assert match is not None
    cpu = float(match.group(2)) if match.group(2) else None
    return float(match.group(1)), cpu, match.group(3)


def cold_start(args: argparse.Namespace) -> dict[str, Any]:
    """Launch the app --cold-runs times on an office with the starter team; each run's logged first frame."""
    scratch = Path(tempfile.mkdtemp(prefix="headcount-cold-"))
    home = scratch / "home"
    employees = asyncio.run(prepare_cold_office(home))
    env = dict(os.environ, HEADCOUNT_HOME=str(home))
    env.setdefault("HEADCOUNT_KEYRING_PASSPHRASE", "bench")  # no passphrase dialog on a machine without a keyring
    if not args.cold_no_bytecode:  # as installed: compiled once (pip does it at install time), then reused
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
        launch_app(home, env)  # fills the bytecode cache; not counted
    runs = [r for r in (launch_app(home, env) for _ in range(args.cold_runs)) if r is not None]
    if not runs:
        return {"cold_start_to_first_office_frame_s": None}
    seconds = [r[0] for r in runs]
    median = statistics.median(seconds)
    return {
        "cold_start_to_first_office_frame_s": round(median, 3),
        "cold_start_runs_s": [round(s, 3) for s in seconds],
        "cold_start_cpu_s": [r[1] for r in runs],  # the process's CPU time by then: wall minus waiting
        "cold_start_stages": min(runs, key=lambda r: abs(r[0] - median))[2],
        "cold_start_employees": employees,
        "cold_start_bytecode": "from source" if args.cold_no_bytecode else "compiled (cached)",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--employees", type=int, default=50)
    parser.add_argument("--idle", action="store_true", help="hire --employees and give them nothing to do: CPU use")
    parser.add_argument("--every-frame", action="store_true", help="draw every frame, still or not (reference)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--no-freeze", action="store_true", help="skip gc.freeze() after start-up (comparison)")
    parser.add_argument("--no-render", action="store_true", help="do not start the office's frame task (baseline)")
    parser.add_argument("--home", help="data folder (default: a fresh temporary one)")
    parser.add_argument(
        "--model",
        choices=["rehearsal", "scripted"],
        default="rehearsal",
        help="rehearsal: the real rehearsal model through litellm; scripted: the engine's test model (no litellm)",
    )
    parser.add_argument("--latency-ms", type=float, default=50.0, help="model latency for --model scripted")
    parser.add_argument("--cold-runs", type=int, default=3, help="launches of the app timed for cold start (0: none)")
    parser.add_argument("--cold-only", action="store_true", help="only the cold start launches, then stop")
    parser.add_argument("--cold-no-bytecode", action="store_true", help="cold launches from source, no bytecode cache")
    args = parser.parse_args()
    cold: dict[str, Any] = {}
    if not args.idle and args.cold_runs > 0:  # before this process starts Qt: the launches run alone
        cold = cold_start(args)
    if args.cold_only:
        for key, value in cold.items():
            print(f"{key:<40}{value}")
        if args.json:
            Path(args.json).write_text(json.dumps(cold, indent=2) + "\n", encoding="utf-8")
        return 0
    if args.home is None:
        args.home = tempfile.mkdtemp(prefix="headcount-bench-")

    import qasync
    from PySide6.QtWidgets import QApplication

    from app.bridge import Bridge
    from app.office.state import OfficeState as SceneState
    from app.rows import rehearsal_pace
    from app.state import OfficeState
    from app.theme import apply_theme
    from app.window import MainWindow

    if args.every_frame:
        from app.office.renderer import OfficeRenderer

        OfficeRenderer.motion = lambda self: "busy"  # type: ignore[method-assign]
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    state = OfficeState()
    scene = SceneState()
    bridge = Bridge(state, scene=scene.apply)
    window = MainWindow(state, bridge, scene=scene)
    painted: asyncio.Future[float] = loop.create_future()
    # The window's first paint starts the scenario (cold start is timed by launching the app itself).
    window.firstPainted.connect(lambda: painted.done() or painted.set_result(time.time()))
    window.show()
    with loop:
        result = loop.run_until_complete(scenario(args, window, bridge, painted))
    if args.idle:
        for key, value in result.items():
            print(f"{key:<40}{value:>12}")
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        return 0
    result = cold | result
    result["rehearsal_pace_wps"] = rehearsal_pace()  # words/s the rehearsal model writes at ($HEADCOUNT_REHEARSAL_PACE)
    rows = [
        ("cold start → first office frame (app, median)", f"{result.get('cold_start_to_first_office_frame_s')} s"),
        ("employees working", str(result["employees"])),
        ("rehearsal pace (words per second)", f"{result['rehearsal_pace_wps']:g}"),
        ("10 ms timer lag p50", f"{result['timer_lag_ms_p50']:.2f} ms"),
        ("10 ms timer lag p99", f"{result['timer_lag_ms_p99']:.2f} ms"),
        ("10 ms timer lag max", f"{result['timer_lag_ms_max']:.2f} ms"),
        (f"office fps ({result['office_view']}, {result['office_pipe']})", f"{result['office_fps']:.1f}"),
        ("office frame cost p50", f"{result['office_frame_ms_p50']} ms"),
        ("tasks finished per second", f"{result['tasks_per_s']:.1f}"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value:>12}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
