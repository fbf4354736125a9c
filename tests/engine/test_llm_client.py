"""LiteLLMClient over real HTTP against the local fake OpenAI server: retries, fallback, timeouts."""

from __future__ import annotations

import json
import time

import pytest

from engine.llm.client import LiteLLMClient
from engine.llm.retry import Backoff
from engine.llm.types import ModelConfig, ModelConfigError, ModelRequest, ModelUnavailable, Price
from engine.secrets import MemoryKeyring, Secrets
from engine.testing import InstantClock
from tests.fakes.openai_server import Fail, FakeOpenAIServer, Hang, Reply, tool_reply

KEY = "sk-live-abcdefghijklmnop0123"
MESSAGES = [{"role": "user", "content": "hello"}]
TOOLS = [{"type": "function", "function": {"name": "send_email", "parameters": {"type": "object"}}}]


def config(server: FakeOpenAIServer, **overrides: object) -> ModelConfig:
    base: dict[str, object] = {
        "model": "openai/primary",
        "api_base": server.base_url,
        "price": Price(1.0, 2.0),
        "timeout_s": 5.0,
        "max_retries": 3,
    }
    return ModelConfig(**{**base, **overrides})  # type: ignore[arg-type]


def client(clock: InstantClock, key: str | None = None) -> LiteLLMClient:
    secrets = Secrets(MemoryKeyring())
    if key:
        secrets.set("openai", key)
    return LiteLLMClient(clock=clock, secrets=secrets, backoff=Backoff(jitter=0))


async def test_retries_server_errors_then_succeeds(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script("primary", Fail(500), Fail(503), Reply("hello back"))
    clock = InstantClock()
    reply = await client(clock).complete(ModelRequest(config(fake_openai), MESSAGES, []))
    assert reply.text == "hello back" and reply.model == "openai/primary"
    assert fake_openai.hits("primary") == 3
    assert clock.slept == [0.5, 1.0]  # exponential backoff, through the injected clock
    assert (reply.prompt_tokens, reply.completion_tokens) == (21, 9)
    assert reply.cost_usd == pytest.approx(21 * 1.0 / 1e6 + 9 * 2.0 / 1e6)


async def test_honours_retry_after(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script("primary", Fail(429, "Rate limit reached", retry_after=7), Reply("ok"))
    clock = InstantClock()
    assert (await client(clock).complete(ModelRequest(config(fake_openai), MESSAGES, []))).text == "ok"
    assert clock.slept == [7.0]


def test_backoff_grows_is_capped_and_jittered() -> None:
    import random

    exact = Backoff(jitter=0)
    assert [exact.delay(n, random.Random(0)) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 20, 20]
    jittered = [Backoff().delay(3, random.Random(seed)) for seed in range(50)]
    assert all(2.0 <= d <= 4.0 for d in jittered) and len(set(jittered)) > 40
    assert exact.delay(0, random.Random(0), retry_after_s=1000) == 120


async def test_falls_back_after_retries_then_reports_both(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script("primary", *[Fail(429, retry_after=0)] * 4)
    fake_openai.script("backup", Reply("from the backup"))
    clock = InstantClock()
    reply = await client(clock).complete(ModelRequest(config(fake_openai, fallback="openai/backup"), MESSAGES, []))
    assert reply.text == "from the backup" and reply.model == "openai/backup"
    assert fake_openai.hits("primary") == 4 and fake_openai.hits("backup") == 1

    fake_openai.script("primary", *[Fail(429, retry_after=0)] * 4)
    fake_openai.script("backup", *[Fail(500, "overloaded")] * 2)
    with pytest.raises(ModelUnavailable) as error:
        await client(clock).complete(
            ModelRequest(config(fake_openai, fallback="openai/backup", max_retries=1), MESSAGES, [])
        )
    assert str(error.value) == (
        "provider kept failing: 429 rate limited x2 on openai/primary; "
        "fallback openai/backup: 500 server error x2 (last error: overloaded)"
    )


async def test_timeout_is_honoured_and_retried(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script("primary", Hang(10), Reply("finally"))
    clock = InstantClock()
    started = time.perf_counter()
    reply = await client(clock).complete(ModelRequest(config(fake_openai, timeout_s=0.3), MESSAGES, []))
    assert reply.text == "finally" and clock.slept == [0.5]
    assert time.perf_counter() - started < 3

    fake_openai.script("primary", Hang(10), Hang(10))
    with pytest.raises(ModelUnavailable, match=r"timed out after 0.3 s x2 on openai/primary"):
        await client(clock).complete(ModelRequest(config(fake_openai, timeout_s=0.3, max_retries=1), MESSAGES, []))


async def test_a_stream_that_goes_quiet_times_out(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script("primary", Hang(10))
    deltas: list[str] = []
    request = ModelRequest(config(fake_openai, timeout_s=0.3, max_retries=0), MESSAGES, [], deltas.append)
    with pytest.raises(ModelUnavailable, match=r"timed out after 0\.3 s"):
        await client(InstantClock()).complete(request)
    assert deltas == []


@pytest.mark.parametrize(
    ("fail", "error", "words"),
    [
        (Fail(400, "bad schema"), ModelUnavailable, "400 bad request on openai/primary: bad schema"),
        (Fail(404, "no such model"), ModelConfigError, "404 model not found"),
        (Fail(401, f"Incorrect API key provided: {KEY}"), ModelConfigError, "refused the API key"),
        (Fail(403, f"key {KEY} may not use this model"), ModelConfigError, "refused the API key"),
    ],
)
async def test_non_retryable_errors_fail_at_once_without_the_key(
    fake_openai: FakeOpenAIServer, fail: Fail, error: type[Exception], words: str
) -> None:
    fake_openai.script("primary", fail)
    with pytest.raises(error, match=words) as raised:
        await client(InstantClock(), KEY).complete(
            ModelRequest(config(fake_openai, api_key_name="openai", fallback="openai/backup"), MESSAGES, [])
        )
    assert fake_openai.hits("primary") == 1 and fake_openai.hits("backup") == 0
    assert KEY not in str(raised.value) and "abcdefghijklmnop" not in str(raised.value)


async def test_the_key_comes_from_the_keyring(fake_openai: FakeOpenAIServer) -> None:
    await client(InstantClock(), KEY).complete(ModelRequest(config(fake_openai, api_key_name="openai"), MESSAGES, []))
    assert fake_openai.request_headers[-1]["authorization"] == f"Bearer {KEY}"
    with pytest.raises(ModelConfigError, match="no API key named 'missing'"):
        await client(InstantClock()).complete(ModelRequest(config(fake_openai, api_key_name="missing"), MESSAGES, []))


async def test_request_carries_our_settings(fake_openai: FakeOpenAIServer) -> None:
    extra = (("temperature", "0.25"), ("top_p", "0.5"))
    request = ModelRequest(config(fake_openai, max_output_tokens=77, extra=extra), MESSAGES, TOOLS)
    await client(InstantClock()).complete(request)
    body = fake_openai.requests[-1]
    assert body["model"] == "primary" and body["max_tokens"] == 77 and body["messages"] == MESSAGES
    assert body["temperature"] == 0.25 and body["top_p"] == 0.5  # extra settings, JSON-decoded when they can be
    assert [t["function"]["name"] for t in body["tools"]] == ["send_email"]
    await client(InstantClock()).complete(ModelRequest(config(fake_openai), MESSAGES, []))
    assert "tools" not in fake_openai.requests[-1]


@pytest.mark.parametrize("stream", [False, True])
async def test_tool_calls_and_text_over_http(fake_openai: FakeOpenAIServer, stream: bool) -> None:
    arguments = {"to": "owner@example.test", "subject": "Autumn news"}
    fake_openai.script("primary", tool_reply("send_email", arguments), Reply("All done, boss."))
    deltas: list[str] = []
    on_text = deltas.append if stream else None
    llm = client(InstantClock())
    first = await llm.complete(ModelRequest(config(fake_openai), MESSAGES, TOOLS, on_text))
    assert [(c.name, json.loads(c.arguments)) for c in first.tool_calls] == [("send_email", arguments)]
    assert first.tool_calls[0].id == "call_0" and first.finish_reason == "tool_calls" and first.text == ""
    second = await llm.complete(ModelRequest(config(fake_openai), MESSAGES, TOOLS, on_text))
    assert second.text == "All done, boss." and second.tool_calls == ()
    assert [d for d in deltas if d] == (["All ", "done, ", "boss."] if stream else [])  # "" = writing a call
    assert (second.prompt_tokens, second.completion_tokens) == (21, 9)
    assert fake_openai.requests[-1].get("stream", False) is stream


async def test_local_server_needs_no_key_and_runs_at_a_declared_zero_price(
    fake_openai: FakeOpenAIServer,
) -> None:
    local = config(fake_openai, model="openai/qwen2.5", price=Price(0, 0))
    reply = await client(InstantClock()).complete(ModelRequest(local, MESSAGES, []))
    assert reply.cost_usd == 0.0 and reply.text
    assert fake_openai.request_headers[-1]["authorization"] == "Bearer no-key-needed"
    with pytest.raises(ModelConfigError, match="local server"):
        await client(InstantClock()).complete(ModelRequest(config(fake_openai, price=None), MESSAGES, []))
