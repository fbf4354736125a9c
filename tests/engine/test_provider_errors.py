"""Provider failures are named for what they are, over real HTTP on 127.0.0.1 (never the real network).

Before, a refused connection and a malformed reply were both reported as "500 server error".
"""

from __future__ import annotations

import itertools
import json
import socket
from dataclasses import replace

import httpx
import openai
import pytest

from engine.llm.client import LiteLLMClient
from engine.llm.errors import classify
from engine.llm.provider import litellm
from engine.llm.retry import Backoff
from engine.llm.types import ModelConfig, ModelRequest, ModelUnavailable, Price
from engine.secrets import MemoryKeyring, Secrets
from engine.testing import InstantClock
from tests.fakes.openai_server import Cut, Drop, Fail, FakeOpenAIServer, Garbage, Hang, Reply, tool_reply

KEY = "sk-live-abcdefghijklmnop0123"
MESSAGES = [{"role": "user", "content": "hello"}]


def config(api_base: str, **overrides: object) -> ModelConfig:
    base: dict[str, object] = {
        "model": "openai/primary",
        "api_base": api_base,
        "price": Price(1.0, 2.0),
        "timeout_s": 5.0,
        "max_retries": 1,
    }
    return ModelConfig(**{**base, **overrides})  # type: ignore[arg-type]


async def failure(cfg: ModelConfig, *, stream: bool = False, key: str | None = None) -> str:
    secrets = Secrets(MemoryKeyring())
    if key:
        secrets.set("openai", key)
        cfg = replace(cfg, api_key_name="openai")
    client = LiteLLMClient(clock=InstantClock(), secrets=secrets, backoff=Backoff(jitter=0))
    deltas: list[str] = []
    with pytest.raises(ModelUnavailable) as raised:
        await client.complete(ModelRequest(cfg, MESSAGES, [], deltas.append if stream else None))
    return str(raised.value)


@pytest.mark.parametrize("stream", [False, True])
async def test_a_refused_connection_is_called_that(closed_port: int, stream: bool) -> None:
    base = f"http://127.0.0.1:{closed_port}/v1"
    message = await failure(config(base), stream=stream)
    assert message.startswith(f"provider kept failing: refused connection to {base} x2 on openai/primary")
    said = message.replace(base, "")  # the port is random and may itself hold "500" (port 50083 once did)
    assert "500" not in said and "server error" not in said
    assert message.endswith("(last error: nothing listens there; is the server running?)")


def test_an_objects_address_never_reaches_the_owner() -> None:
    """aiohttp (litellm's Ollama client) names its SSL context by address when a connection fails."""
    words = "Cannot connect to host localhost:11434 ssl:<ssl.SSLContext object at 0x7f630085da30> [Connect call failed]"
    exc = litellm().exceptions.APIConnectionError(message=words, llm_provider="ollama", model="ollama/llama3")
    failed = classify(litellm(), exc, 60.0)
    assert failed.detail == "Cannot connect to host localhost:11434 [Connect call failed]"


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("body", ["this is not json", "<html><body>502 Bad Gateway</body></html>", "", "{}"])
async def test_a_malformed_reply_is_called_that(fake_openai: FakeOpenAIServer, body: str, stream: bool) -> None:
    fake_openai.script("primary", Garbage(body), Garbage(body))
    message = await failure(config(fake_openai.base_url), stream=stream)
    assert message.startswith(
        f"provider kept failing: malformed reply from {fake_openai.base_url} x2 on openai/primary"
    )
    said = message.replace(fake_openai.base_url, "")  # its random port may hold "500"
    assert "500" not in said and "server error" not in said
    assert fake_openai.hits("primary") == 2  # retried: a proxy's bad moment may pass


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    "step",
    [Garbage(b"\xff\xfe\xfa not text \x80\x81"), Reply(nan_usage=True)],
    ids=["bytes that are not text", "usage counts that are NaN"],
)
async def test_a_reply_that_is_not_text_or_counts_nonsense_is_malformed_not_unreachable_or_a_500(
    fake_openai: FakeOpenAIServer, step: Garbage | Reply, stream: bool
) -> None:
    """They were "500 server error" and "could not connect": the owner checked a server that was up."""
    fake_openai.script("primary", step, step)
    message = await failure(config(fake_openai.base_url), stream=stream)
    assert message.startswith(
        f"provider kept failing: malformed reply from {fake_openai.base_url} x2 on openai/primary"
    ), message


@pytest.mark.parametrize("stream", [False, True])
async def test_a_server_that_hangs_up_is_not_called_unreachable_or_a_500(
    fake_openai: FakeOpenAIServer, stream: bool
) -> None:
    fake_openai.script("primary", Drop(), Drop())
    message = await failure(config(fake_openai.base_url), stream=stream)
    assert message.startswith(
        f"provider kept failing: {fake_openai.base_url} closed the connection without answering x2 on openai/primary"
    )
    fake_openai.script("primary", Cut("Open nine to five"), Cut("Open nine to five"))
    message = await failure(config(fake_openai.base_url), stream=stream)  # not streamed: a short body
    assert message.startswith(f"provider kept failing: the reply from {fake_openai.base_url} stopped part-way x2")


@pytest.mark.parametrize(
    ("steps", "timeout_s", "label"),
    [
        ((Fail(429, "Rate limit reached", retry_after=0), Fail(429, "Rate limit reached", retry_after=0)), 5.0,
         "429 rate limited x2"),
        ((Fail(500, "boom"), Fail(502, "bad gateway")), 5.0, "500 server error, 502 server error"),
        ((Hang(10), Hang(10)), 0.3, "timed out after 0.3 s x2"),
    ],
)  # fmt: skip
async def test_rate_limits_server_errors_and_timeouts_keep_their_names(
    fake_openai: FakeOpenAIServer, steps: tuple[Fail | Hang, ...], timeout_s: float, label: str
) -> None:
    fake_openai.script("primary", *steps)
    message = await failure(config(fake_openai.base_url, timeout_s=timeout_s))
    assert message.startswith(f"provider kept failing: {label} on openai/primary")


async def test_an_empty_but_well_formed_stream_is_still_a_reply(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script("primary", Reply(text=""))
    client = LiteLLMClient(clock=InstantClock(), backoff=Backoff(jitter=0))
    reply = await client.complete(ModelRequest(config(fake_openai.base_url), MESSAGES, [], lambda _: None))
    assert reply.text == "" and reply.tool_calls == ()


async def test_no_secret_reaches_the_message(closed_port: int) -> None:
    base = f"http://127.0.0.1:{closed_port}/v1?key={KEY}"
    message = await failure(config(base), key=KEY)
    assert f"refused connection to http://127.0.0.1:{closed_port}/v1 " in message
    assert KEY not in message and "abcdefghijklmnop" not in message


def litellm_500(*inner: BaseException) -> BaseException:
    """What litellm raises around a failure that never got an HTTP answer: a "500", with the truth inside."""
    outer = litellm().exceptions.InternalServerError(message="Connection error.", llm_provider="openai", model="m")
    chain = [outer, *inner]
    for exc, cause in itertools.pairwise(chain):
        exc.__cause__ = cause
    return outer


REQUEST = httpx.Request("POST", "https://api.example.test:8443/v1/chat/completions?key=secret")


@pytest.mark.parametrize(
    ("inner", "kind", "label"),
    [
        ((openai.APIConnectionError(request=REQUEST), httpx.ConnectError("failed", request=REQUEST),
          ConnectionRefusedError(111, "Connection refused")),
         "connection", "refused connection to https://api.example.test:8443"),
        ((openai.APIConnectionError(request=REQUEST), httpx.ConnectError("failed", request=REQUEST),
          socket.gaierror(-2, "Name or service not known")),
         "connection", "could not connect to https://api.example.test:8443"),
        ((httpx.ReadTimeout("read timed out", request=REQUEST),), "timeout", "timed out after 60 s"),
        ((json.JSONDecodeError("Expecting value", "<html>", 0),), "malformed", "malformed reply from the provider"),
    ],
)  # fmt: skip
def test_the_cause_chain_says_what_happened(inner: tuple[BaseException, ...], kind: str, label: str) -> None:
    failed = classify(litellm(), litellm_500(*inner), 60.0)
    assert (failed.kind, failed.label) == (kind, label)
    assert failed.retryable and "secret" not in failed.label + failed.detail


def test_the_configured_api_base_is_named_without_credentials() -> None:
    refused = litellm_500(ConnectionRefusedError(111, "Connection refused"))
    failed = classify(litellm(), refused, 60.0, api_base="http://owner:hunter2@10.0.0.5:8000/v1/?token=abc")
    assert failed.label == "refused connection to http://10.0.0.5:8000/v1"


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
async def test_usage_the_reply_contradicts_is_estimated_never_taken_as_free(
    fake_openai: FakeOpenAIServer, stream: bool
) -> None:
    """A local server that reports 0 tokens, or less than none, for a long answer would let ceilings pass."""
    long = " ".join(f"word{i}" for i in range(1500))  # 12,000 characters: under the runaway cut
    fake_openai.script(
        "primary",
        Reply(text=long, prompt_tokens=0, completion_tokens=0),
        Reply(text=long, prompt_tokens=-5_000_000, completion_tokens=-5_000_000),
        Reply(text=long, prompt_tokens=40, completion_tokens=30),  # 30 tokens for 12,000 characters
        Reply(text="Short and honest.", prompt_tokens=21, completion_tokens=9),
    )
    client = LiteLLMClient(clock=InstantClock(), backoff=Backoff(jitter=0))
    request = ModelRequest(config(fake_openai.base_url), MESSAGES, [], (lambda _: None) if stream else None)
    replies = [await client.complete(request) for _ in range(4)]
    for reply in replies[:3]:
        assert reply.completion_tokens >= 2000 and reply.prompt_tokens > 0 and reply.cost_usd > 0
    assert replies[2].prompt_tokens == 40  # what is plausible is believed
    assert (replies[3].prompt_tokens, replies[3].completion_tokens) == (21, 9)


async def test_a_stream_far_past_max_tokens_is_cut_off(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script("primary", *[Reply(text=" ".join(f"word{i}" for i in range(5000)))] * 2)
    message = await failure(config(fake_openai.base_url, max_output_tokens=64), stream=True)
    assert "the reply ran past 1,024 characters, far beyond its 64 tokens (max_tokens)" in message


async def test_a_tool_call_streamed_far_past_max_tokens_is_cut_off_too(fake_openai: FakeOpenAIServer) -> None:
    """Only text was counted: arguments that never ended kept the call going (and its memory growing) for ever."""
    endless = json.dumps({"path": "notes.md", "content": "la " * 8000})
    fake_openai.script("primary", *[tool_reply("write_file", endless)] * 2)
    message = await failure(config(fake_openai.base_url, max_output_tokens=64), stream=True)
    assert "the reply ran past 1,024 characters, far beyond its 64 tokens (max_tokens)" in message
