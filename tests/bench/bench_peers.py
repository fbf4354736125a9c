"""Peers: the durable step of LangGraph (+ SqliteSaver) and the OpenAI Agents SDK (+ SQLiteSession), beside ours.

    python tests/bench/bench_peers.py --install [--json FILE] [--steps N] [--rounds N]

Not part of `make bench` or CI: `--install` makes one virtual environment per peer (under
build/peers/, or --venvs) and installs it there from PyPI, so no peer enters Headcount's own
environment; without it, peers whose environment is missing are reported as such.

Every framework runs the same task: a zero-latency fake model that calls a `tick` tool until it has
ticked N times (`--steps`), then answers "done", each state persisted to SQLite on the same disk. A
"step" is one model turn or one tool call, so a task is 2N+1 steps. Rounds are interleaved (ours, then
each peer, again) so load falls alike; figures are the medians, microseconds per step, with our
engine's figure (bench_orchestrator's, the same task shape) and the raw SQLite floor from the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PEERS: dict[str, list[str]] = {
    "langgraph_sqlitesaver": ["langgraph", "langgraph-checkpoint-sqlite"],
    "openai_agents_sqlitesession": ["openai-agents"],
}

LANGGRAPH = r"""
import json, sqlite3, sys, time
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, MessagesState, StateGraph

steps, path = int(sys.argv[1]), sys.argv[2]

def model(state):
    done = sum(1 for m in state["messages"] if isinstance(m, ToolMessage))
    if done >= steps:
        return {"messages": [AIMessage(content="done")]}
    call = {"id": f"c{done}", "name": "tick", "args": {"n": done}}
    return {"messages": [AIMessage(content="", tool_calls=[call])]}

def tool(state):
    call = state["messages"][-1].tool_calls[0]
    return {"messages": [ToolMessage(content=f"tick {call['args']['n']}", tool_call_id=call["id"])]}

graph = StateGraph(MessagesState)
graph.add_node("model", model)
graph.add_node("tool", tool)
graph.add_edge(START, "model")
graph.add_conditional_edges("model", lambda s: "tool" if s["messages"][-1].tool_calls else END)
graph.add_edge("tool", "model")
conn = sqlite3.connect(path, check_same_thread=False)
conn.execute("PRAGMA journal_mode=WAL")
app = graph.compile(checkpointer=SqliteSaver(conn))
config = {"configurable": {"thread_id": "warm"}, "recursion_limit": 2 * steps + 10}
app.invoke({"messages": [HumanMessage(content="tick away")]}, config)
config = {"configurable": {"thread_id": "bench"}, "recursion_limit": 2 * steps + 10}
start = time.perf_counter()
out = app.invoke({"messages": [HumanMessage(content="tick away")]}, config)
elapsed = time.perf_counter() - start
assert out["messages"][-1].content == "done"
print(json.dumps({"us_per_step": elapsed / (2 * steps + 1) * 1e6}))
"""

AGENTS = r"""
import asyncio, json, sys, time
from agents import Agent, Runner, SQLiteSession, function_tool, set_tracing_disabled
from agents.items import ModelResponse
from agents.models.interface import Model
from agents.usage import Usage
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

steps, path = int(sys.argv[1]), sys.argv[2]
set_tracing_disabled(True)

@function_tool
def tick(n: int) -> str:
    "Tick once"
    return f"tick {n}"

class Fake(Model):
    async def get_response(self, system_instructions, input, *args, **kwargs):
        items = input if isinstance(input, list) else []
        done = sum(1 for i in items if (i.get("type") if isinstance(i, dict) else None) == "function_call_output")
        if done >= steps:
            text = ResponseOutputText(text="done", type="output_text", annotations=[])
            out = ResponseOutputMessage(id="m", role="assistant", status="completed", type="message", content=[text])
        else:
            out = ResponseFunctionToolCall(
                id=f"f{done}", call_id=f"c{done}", name="tick", arguments=json.dumps({"n": done}), type="function_call"
            )
        return ModelResponse(output=[out], usage=Usage(), response_id=None)

    def stream_response(self, *args, **kwargs):
        raise NotImplementedError

async def main():
    agent = Agent(name="clerk", instructions="Ticks.", tools=[tick], model=Fake())
    await Runner.run(agent, "tick away", session=SQLiteSession("warm", path), max_turns=2 * steps + 10)
    session = SQLiteSession("bench", path)
    start = time.perf_counter()
    result = await Runner.run(agent, "tick away", session=session, max_turns=2 * steps + 10)
    elapsed = time.perf_counter() - start
    assert result.final_output == "done", result.final_output
    print(json.dumps({"us_per_step": elapsed / (2 * steps + 1) * 1e6}))

asyncio.run(main())
"""

DRIVERS = {"langgraph_sqlitesaver": LANGGRAPH, "openai_agents_sqlitesession": AGENTS}


def python_of(venvs: Path, name: str) -> Path:
    return venvs / name / "bin" / "python"


def install(venvs: Path, name: str) -> None:
    target = venvs / name
    if not python_of(venvs, name).exists():
        venv.create(target, with_pip=True)
    subprocess.run([str(python_of(venvs, name)), "-m", "pip", "install", "-q", *PEERS[name]], check=True)


def peer_step(venvs: Path, name: str, steps: int, folder: Path) -> float:
    path = folder / f"{name}.db"
    result = subprocess.run(
        [str(python_of(venvs, name)), "-c", DRIVERS[name], str(steps), str(path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise SystemExit(f"{name} failed:\n{result.stderr[-3000:]}")
    return float(json.loads(result.stdout.strip().splitlines()[-1])["us_per_step"])


def ours(folder: Path, steps: int, round_no: int) -> tuple[float, float]:
    """Our durable step (one employee, the same task shape) and the raw SQLite floor, in µs."""
    import bench_orchestrator as orchestrator

    orchestrator.TASK_STEPS = steps
    floor = orchestrator.sqlite_floor(folder, 2000)

    async def measured() -> tuple[float, int]:
        await orchestrator.one_employee(folder, f"warm-{round_no}", orchestrator.ZeroModel(steps), 2)  # first-use costs
        return await orchestrator.one_employee(folder, f"ours-{round_no}", orchestrator.ZeroModel(steps), 8)

    elapsed, durable = asyncio.run(measured())
    return elapsed / durable * 1e6, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--install", action="store_true", help="create the peers' environments and install them")
    parser.add_argument("--venvs", type=Path, default=ROOT / "build" / "peers")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--steps", type=int, default=40, help="tool calls per task")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ready = []
    for name in PEERS:
        if args.install:
            install(args.venvs, name)
        if python_of(args.venvs, name).exists():
            ready.append(name)
        else:
            print(f"{name}: not installed (run with --install)", file=sys.stderr)
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        for round_no in range(args.rounds):
            folder = Path(tmp) / f"round-{round_no}"
            folder.mkdir()
            engine_us, floor_us = ours(folder, args.steps, round_no)
            samples.setdefault("headcount_us_per_step", []).append(engine_us)
            samples.setdefault("sqlite_floor_us_per_step", []).append(floor_us)
            for name in ready:
                samples.setdefault(f"{name}_us_per_step", []).append(peer_step(args.venvs, name, args.steps, folder))
    results: dict[str, float] = {k: round(statistics.median(v), 1) for k, v in samples.items()}
    for name in ready:
        results[f"{name}_x_headcount"] = round(results[f"{name}_us_per_step"] / results["headcount_us_per_step"], 1)
    results["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(f"{'figure':<48}{'median':>12}")
    for key, value in results.items():
        print(f"{key:<48}{value:>12,.1f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
