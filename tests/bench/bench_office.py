"""Office rendering benchmark: frame time with 10, 50 and 200 animated employees.

Runs each size in its own process (ShowBase is one per process) on the software pipe at 1280x720:
time to first frame (from process start), mean/p95 frame time including state advance, scene sync
and pixel read-back, and RSS. Prints a table; `--json FILE` writes the results.

    python tests/bench/bench_office.py [--json FILE] [--sizes 10,50,200] [--pipe p3tinydisplay]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

T0 = time.perf_counter()
ROOT = Path(__file__).resolve().parents[2]
STATUSES = ("typing", "typing", "thinking", "reading", "tool", "idle", "idle", "awaiting_approval")
TEAMS = ("Engineering", "Sales", "Support", "Marketing", "Finance")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(n: int, size: tuple[int, int], pipe: str, frames: int) -> dict[str, float | int | str]:
    sys.path.insert(0, str(ROOT))
    import random

    from app.office.renderer import OfficeRenderer
    from app.office.state import OfficeState
    from engine.events import EmployeeHired, SpendChanged, StatusChanged

    state = OfficeState(random.Random(1))
    for i in range(n):
        eid = f"e{i}"
        state.apply(EmployeeHired(employee_id=eid, name=f"Emp {i}", role=f"role{i % 6}", title="", team=TEAMS[i % 5]))
        state.apply(StatusChanged(employee_id=eid, status=STATUSES[i % len(STATUSES)]))  # type: ignore[arg-type]
        state.apply(SpendChanged(employee_id=eid, today_usd=i % 7, ceiling_usd=5.0))
    state.settle()
    renderer = OfficeRenderer(state, size=size, pipe=pipe)
    renderer.render_frame(0.0)
    first = time.perf_counter() - T0
    dt = 1 / 60
    for _ in range(30):  # warm-up: caches, first walks
        renderer.render_frame(dt)
    times = []
    for _ in range(frames):
        t = time.perf_counter()
        renderer.render_frame(dt)
        times.append(time.perf_counter() - t)
    times.sort()
    mean = sum(times) / len(times)
    walking = sum(1 for a in state.actors.values() if a.path)
    return {
        "employees": n,
        "pipe": renderer.pipe_name,
        "width": size[0],
        "height": size[1],
        "first_frame_s": round(first, 3),
        "frame_ms_mean": round(mean * 1000, 2),
        "frame_ms_p95": round(times[int(len(times) * 0.95)] * 1000, 2),
        "fps": round(1 / mean, 1),
        "walking_at_end": walking,
        "rss_mb": round(_rss_mb(), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--sizes", default="10,50,200")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--pipe", default="p3tinydisplay")
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    if args.one is not None:
        print(json.dumps(run_one(args.one, (w, h), args.pipe, args.frames)))
        return 0
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--one", str(n), "--size", args.size, "--pipe", args.pipe]
        cmd += ["--frames", str(args.frames)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    print(f"{'employees':>9} {'fps':>7} {'mean ms':>8} {'p95 ms':>7} {'first s':>8} {'RSS MB':>7}  pipe")
    for r in results:
        print(
            f"{r['employees']:>9} {r['fps']:>7} {r['frame_ms_mean']:>8} {r['frame_ms_p95']:>7}"
            f" {r['first_frame_s']:>8} {r['rss_mb']:>7}  {r['pipe']} {r['width']}x{r['height']}"
        )
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"office": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
