"""The litellm provider: lazy import, in-process models through real litellm, prices and validation."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from engine.llm import provider
from engine.llm.client import LiteLLMClient
from engine.llm.provider import count_tokens, resolve_price, validate_config
from engine.llm.types import REHEARSAL_MODEL, ModelConfig, ModelConfigError, ModelReply, ModelRequest, Price
from engine.testing import FunctionModel, ScriptedModel, call, calls, say
from tests.engine.test_rehearsal import BRIEF, BUILTINS, SEND_EMAIL, TASK

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_provider_does_not_import_litellm() -> None:
    code = "import sys, engine.llm.provider, engine.testing, engine.llm.rehearsal;print('litellm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_prewarm_uses_the_local_price_map() -> None:
    code = (
        "import os, engine.llm.provider as p; p.prewarm();"
        "print(os.environ['LITELLM_LOCAL_MODEL_COST_MAP'], 'litellm' in __import__('sys').modules)"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


async def rehearse(on_text: list[str] | None) -> ModelReply:
    messages = [{"role": "system", "content": BRIEF}, {"role": "user", "content": TASK}]
    tools = [*BUILTINS, SEND_EMAIL]
    client = LiteLLMClient()
    deltas = on_text.append if on_text is not None else None
    return await client.complete(ModelRequest(ModelConfig(), messages, tools, deltas))


async def test_rehearsal_through_litellm_calls_a_tool_at_zero_cost() -> None:
    reply = await rehearse(None)
    assert reply.rehearsal and reply.model == REHEARSAL_MODEL
    assert [c.name for c in reply.tool_calls] == ["list_files"]
    assert reply.cost_usd == 0.0 and reply.prompt_tokens > 0 and reply.completion_tokens > 0


async def test_streamed_and_plain_replies_are_the_same() -> None:
    text = say("Here is the plan, in a few words.")
    tools = calls(call("write_file", path="a.md", content="x" * 40), call("save_note", title="t", text="é"))
    tools = replace(tools, tool_calls=tuple(replace(c, id=f"id{i}") for i, c in enumerate(tools.tool_calls)))
    scripted = ScriptedModel(text, text, tools, tools)
    model = scripted.as_litellm("same")
    client = LiteLLMClient()
    config = ModelConfig(model=model)
    try:
        for _ in range(2):
            plain = await client.complete(ModelRequest(config, [{"role": "user", "content": "go"}], BUILTINS))
            deltas: list[str] = []
            streamed = await client.complete(
                ModelRequest(config, [{"role": "user", "content": "go"}], BUILTINS, deltas.append)
            )
            assert streamed == plain
            assert "".join(deltas) == plain.text
            if plain.text:
                assert deltas == ["Here is the plan, ", "in a few words."]  # a few words per chunk
    finally:
        scripted.unregister()
    scripted.assert_complete()


async def test_rehearsal_streams_word_by_word_and_matches_the_plain_reply() -> None:
    deltas: list[str] = []
    assert await rehearse(deltas) == await rehearse(None)
    assert deltas and set(deltas) == {""}  # a tool call has no text to stream, only "still typing" signals
    messages = [{"role": "system", "content": BRIEF}, {"role": "user", "content": TASK}]
    client = LiteLLMClient()
    plain = await client.complete(ModelRequest(ModelConfig(), messages, []))
    streamed = await client.complete(ModelRequest(ModelConfig(), messages, [], deltas.append))
    assert plain == streamed and plain.text.startswith("[Rehearsal]")
    assert len(deltas) > 20 and "".join(deltas) == plain.text


async def test_a_function_model_sees_messages_and_tools_through_litellm() -> None:
    seen: list[list[str]] = []

    def fn(messages: list[dict[str, object]], tools: list[dict[str, object]]) -> str:
        seen.append([t["function"]["name"] for t in tools])  # type: ignore[index]
        return f"you said {messages[-1]['content']}"

    model = FunctionModel(fn)
    config = ModelConfig(model=model.as_litellm("echo"), price=Price(1.0, 2.0))
    try:
        reply = await LiteLLMClient().complete(ModelRequest(config, [{"role": "user", "content": "hi"}], BUILTINS[:1]))
    finally:
        model.unregister()
    assert reply.text == "you said hi" and seen == [["list_files"]]
    assert model.requests[0].last == {"role": "user", "content": "hi"}
    assert reply.cost_usd == pytest.approx(1.0 * reply.prompt_tokens / 1e6 + 2.0 * reply.completion_tokens / 1e6)


# --- prices and validation ----------------------------------------------------------------------------


def test_known_models_are_priced_from_the_local_map() -> None:
    price = resolve_price(ModelConfig(model="openai/gpt-4o-mini"))
    assert price.input_per_mtok > 0 and price.output_per_mtok > price.input_per_mtok


def test_rehearsal_is_free_and_declared_prices_win() -> None:
    assert resolve_price(ModelConfig()) == Price(0, 0)
    assert resolve_price(ModelConfig(model="openai/gpt-4o-mini", price=Price(9, 9))) == Price(9, 9)


@pytest.mark.parametrize(
    ("config", "words"),
    [
        (ModelConfig(model="openai/no-such-model-xyz"), "no known price"),
        (ModelConfig(model="ollama/llama3"), "local server"),
        (ModelConfig(model="openai/gpt-4o-mini", api_base="http://127.0.0.1:1234/v1"), "local server"),
        (ModelConfig(model="openai/gpt-4o-mini", fallback="openai/no-such-model-xyz"), "no-such-model-xyz"),
        (ModelConfig(model="openai/x", price=Price(-1, 0)), "negative"),
    ],
)
def test_unpriced_models_are_refused(config: ModelConfig, words: str) -> None:
    with pytest.raises(ModelConfigError, match=words) as error:
        resolve_price(config) if config.fallback is None else resolve_price(config, config.fallback)
    if "price" in str(error.value) and "negative" not in words:
        # Said for both places a model is chosen: a brief, and the terminal.
        assert "input_per_mtok" in str(error.value) and "--price-in" in str(error.value)
    if words == "local server":
        assert f"headcount model connect {config.model} --price-in 0 --price-out 0" in str(error.value)


def test_local_models_run_at_a_declared_zero_price() -> None:
    config = ModelConfig(model="openai/qwen", api_base="http://localhost:8080/v1", price=Price(0, 0))
    validate_config(config)
    assert resolve_price(config) == Price(0, 0)


def test_validate_config_explains_what_is_wrong(memory_keyring: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    validate_config(ModelConfig())
    with pytest.raises(ModelConfigError, match=r"needs an API key.*--key-name NAME.*OPENAI_API_KEY"):
        validate_config(ModelConfig(model="openai/gpt-4o-mini"))
    with pytest.raises(ModelConfigError, match="no API key named 'openai'"):
        validate_config(ModelConfig(model="openai/gpt-4o-mini", api_key_name="openai"))
    validate_config(ModelConfig(model="openai/gpt-4o-mini", api_key_name="openai"), require_key=False)
    validate_config(ModelConfig(model="gpt-4o-mini"), require_key=False)
    with pytest.raises(ModelConfigError, match="does not know how to call"):
        validate_config(ModelConfig(model="mystery-model", price=Price(1, 1)))
    with pytest.raises(ModelConfigError, match="not a model name"):
        validate_config(ModelConfig(model="open ai/x"))
    with pytest.raises(ModelConfigError, match="no scripted model"):
        validate_config(ModelConfig(model="scripted/nobody"))
    with pytest.raises(ModelConfigError, match="positive"):
        validate_config(ModelConfig(timeout_s=0))


def test_validate_config_accepts_a_stored_key(memory_keyring: object) -> None:
    from engine.secrets import Secrets

    Secrets().set("openai", "sk-test-0123456789")
    validate_config(ModelConfig(model="openai/gpt-4o-mini", api_key_name="openai"))


def test_count_tokens() -> None:
    messages = [{"role": "user", "content": "hello there " * 50}]
    real = count_tokens("openai/gpt-4o-mini", messages)
    estimate = count_tokens(REHEARSAL_MODEL, messages)
    assert 90 <= real <= 130 and 100 <= estimate <= 200
    assert count_tokens(REHEARSAL_MODEL, messages, BUILTINS) > estimate


def test_provider_module_is_the_only_litellm_importer() -> None:
    offenders = [
        path.relative_to(ROOT)
        for path in (ROOT / "engine").rglob("*.py")
        if path.name != "provider.py" and re.search(r"^\s*(import|from) litellm", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []
    assert provider.litellm() is sys.modules["litellm"]
