"""The bundle's stand-in for litellm's Rust bridge, checked without building the bundle (seconds, not minutes).

packaging/hooks/rthook_litellm_native.py runs before the app in the bundle, where the bridge's file is
left out. Here a fresh Python gets the same conditions: the bridge cannot be imported, the hook runs as
PyInstaller runs it (a script, before anything imports litellm), and then the engine makes the calls a
user's office makes, through litellm: the scripted model (a tool call, then text, plain and streamed), a
chat completion over HTTP to the OpenAI-compatible server on 127.0.0.1, and token counts on both of
litellm's tokenizer routes (tiktoken, and the Hugging Face tokenizer it uses for Claude). A litellm
upgrade that the stand-in no longer satisfies fails here, in `make test`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.openai_server import FakeOpenAIServer, Reply

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "packaging" / "hooks" / "rthook_litellm_native.py"

CHILD = r"""
import asyncio, importlib.abc, json, os, runpy, sys


class NoBridge(importlib.abc.MetaPathFinder):
    # As in the bundle: litellm's Rust bridge is not there to import.
    def find_spec(self, name, path=None, target=None):
        if name == "litellm.rust_bridge._native":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoBridge())
runpy.run_path(sys.argv[1], run_name="__main__")  # PyInstaller runs runtime hooks as scripts, first

import tiktoken
import tokenizers

from engine.llm.client import LiteLLMClient
from engine.llm.provider import count_tokens, litellm
from engine.llm.types import ModelConfig, ModelRequest, Price
from engine.testing import ScriptedModel, call, say

MESSAGES = [{"role": "user", "content": "Summarise the quarterly report for Acme in three bullet points."}]
TOOLS = [{"type": "function", "function": {"name": "write_file", "parameters": {
    "type": "object", "properties": {"path": {"type": "string"}}}}}]
TEXT = "Revenue rose 12% to $4.2M; costs held; two hires in support (Ada, Grace)."


async def calls() -> dict:
    model = ScriptedModel(call("write_file", path="report.md"), say("Done: report.md"))
    scripted = ModelConfig(model=model.as_litellm("standin"), price=Price(1.0, 2.0))
    client = LiteLLMClient()
    first = await client.complete(ModelRequest(scripted, MESSAGES, TOOLS))
    deltas = []
    second = await client.complete(ModelRequest(scripted, MESSAGES, TOOLS, deltas.append))
    model.assert_complete()
    local = ModelConfig(model="openai/standin", api_base=sys.argv[2], price=Price(1.0, 2.0), max_retries=0)
    over_http = await client.complete(ModelRequest(local, MESSAGES, TOOLS))
    streamed_http = []
    await client.complete(ModelRequest(local, MESSAGES, TOOLS, streamed_http.append))
    return {
        "tool_call": [first.tool_calls[0].name, json.loads(first.tool_calls[0].arguments)],
        "text": second.text,
        "streamed": "".join(deltas),
        "http": over_http.text,
        "http_streamed": "".join(streamed_http),
        "http_cost": over_http.cost_usd,
    }


found = asyncio.run(calls())
module = litellm()
from litellm.utils import claude_json_str, huggingface_tokenizer_kind

claude = next((m for m in module.anthropic_models if huggingface_tokenizer_kind(m) == "anthropic"), None)
found.update(
    bridge=type(sys.modules["litellm.rust_bridge._native"]).__name__,
    litellm_rust=os.environ.get("LITELLM_RUST"),
    bridge_loaded="_native." in open("/proc/self/maps").read() if sys.platform == "linux" else False,
    engine_tokens=count_tokens("openai/gpt-4o-mini", MESSAGES, TOOLS),
    litellm_tokens=module.token_counter(model="openai/gpt-4o-mini", messages=MESSAGES, tools=TOOLS),
    tiktoken_text=[module.token_counter(model="gpt-4o-mini", text=TEXT),
                   len(tiktoken.get_encoding("o200k_base").encode(TEXT))],
    claude_model=claude,
    huggingface_text=[module.token_counter(model=claude, text=TEXT) if claude else None,
                      len(tokenizers.Tokenizer.from_str(claude_json_str).encode(TEXT).ids)],
)
print(json.dumps(found))
"""


def test_litellm_runs_on_the_stand_in_for_its_rust_bridge(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script("standin", Reply("Hello over HTTP."), Reply("Streamed over HTTP."))
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONPATH": str(ROOT)}
    env.pop("LITELLM_RUST", None)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(HOOK), fake_openai.base_url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["bridge"] == "_NoBridge" and found["litellm_rust"] == "false" and not found["bridge_loaded"]
    assert found["tool_call"] == ["write_file", {"path": "report.md"}]
    assert found["text"] == found["streamed"] == "Done: report.md"
    assert found["http"] == "Hello over HTTP." and found["http_streamed"] == "Streamed over HTTP."
    assert found["http_cost"] > 0 and fake_openai.hits("standin") == 2
    # Counted by litellm's tokenizers, not by the engine's fallback estimate (which would differ from litellm's)
    assert found["engine_tokens"] == found["litellm_tokens"] > 0
    assert found["tiktoken_text"][0] == found["tiktoken_text"][1] > 0
    assert found["claude_model"], "litellm no longer counts any Claude model with its Hugging Face tokenizer"
    assert found["huggingface_text"][0] == found["huggingface_text"][1] > 0
