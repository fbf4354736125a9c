"""engine.testing (scripted models) and tests/plugin.py (the network guard and the fixtures)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import keyring
import pytest

from engine.llm.types import ModelConfig, ModelRequest, ModelUnavailable, ToolCall
from engine.secrets import MemoryKeyring
from engine.testing import FunctionModel, ScriptedModel, call, calls, raw_call, say
from tests.plugin import NetworkGuard

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ModelConfig(model="scripted/test")
TOOLS = [{"type": "function", "function": {"name": "write_file", "parameters": {"type": "object"}}}]


def request(text: str = "go", on_text: object = None) -> ModelRequest:
    return ModelRequest(CONFIG, [{"role": "user", "content": text}], TOOLS, on_text)  # type: ignore[arg-type]


async def test_scripted_model_replies_in_order_and_records_requests() -> None:
    model = ScriptedModel(call("write_file", path="a.md", content="hi"), "done")
    first = await model.complete(request("one"))
    assert first.tool_calls == (ToolCall("call_1_0", "write_file", '{"path": "a.md", "content": "hi"}'),)
    assert first.model == "scripted/test" and first.finish_reason == "tool_calls"
    second = await model.complete(request("two"))
    assert second.text == "done" and second.tool_calls == ()
    assert [r.last["content"] for r in model.requests] == ["one", "two"]
    assert model.requests[0].tool_names == ["write_file"] and model.requests[0].config == CONFIG
    model.assert_complete()


async def test_recorded_requests_are_copies() -> None:
    model = ScriptedModel(say("ok"))
    messages = [{"role": "user", "content": "before"}]
    await model.complete(ModelRequest(CONFIG, messages, TOOLS))
    messages[0]["content"] = "after"
    assert model.requests[0].last["content"] == "before"


async def test_helpers_build_several_and_malformed_calls() -> None:
    model = ScriptedModel(calls(call("a", x=1), ("b", {"y": 2}), text="two at once"), raw_call("c", "{not json"))
    both = await model.complete(request())
    assert [(c.name, json.loads(c.arguments)) for c in both.tool_calls] == [("a", {"x": 1}), ("b", {"y": 2})]
    assert len({c.id for c in both.tool_calls}) == 2 and both.text == "two at once"
    broken = await model.complete(request())
    assert broken.tool_calls[0].arguments == "{not json"


async def test_running_dry_shows_the_last_request() -> None:
    model = ScriptedModel()
    with pytest.raises(AssertionError, match=r"ran out of replies after 0 calls(.|\n)*user: 'what now\?'"):
        await model.complete(request("what now?"))


def test_assert_complete_lists_unused_replies() -> None:
    model = ScriptedModel(say("never"), call("write_file", path="x"))
    with pytest.raises(AssertionError, match=r"2 scripted replies were never used(.|\n)*say 'never'(.|\n)*write_file"):
        model.assert_complete()


async def test_scripted_exceptions_are_raised() -> None:
    model = ScriptedModel(ModelUnavailable("provider down"))
    with pytest.raises(ModelUnavailable, match="provider down"):
        await model.complete(request())


async def test_scripted_text_streams_to_on_text() -> None:
    deltas: list[str] = []
    reply = await ScriptedModel(say("one two three")).complete(request(on_text=deltas.append))
    assert deltas == ["one ", "two ", "three"] and "".join(deltas) == reply.text


async def test_function_model_sync_and_async() -> None:
    def echo(messages: list[dict[str, object]], tools: list[dict[str, object]]) -> str:
        return f"{messages[-1]['content']} with {len(tools)} tools"

    async def later(messages: list[dict[str, object]], tools: list[dict[str, object]]) -> str:
        return "async"

    assert (await FunctionModel(echo).complete(request("hi"))).text == "hi with 1 tools"
    assert (await FunctionModel(later).complete(request())).text == "async"


# --- the network guard ---------------------------------------------------------------------------------


def test_guard_refuses_and_records_non_loopback_hosts() -> None:
    guard = NetworkGuard().install()
    try:
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("api.openai.com", 443)
        with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
            sock.connect(("203.0.113.9", 443))
        with socket.socket() as sock:
            assert sock.connect_ex(("203.0.113.9", 443)) != 0
        assert socket.getaddrinfo("localhost", 80)  # loopback still resolves
    finally:
        guard.uninstall()
    assert guard.attempts == [
        "resolve api.openai.com",
        "connect to 203.0.113.9:443",
        "connect to 203.0.113.9:443",
    ]
    with pytest.raises(pytest.fail.Exception, match="tried to reach the network"):
        guard.check()


def test_guard_allows_loopback(network_guard: NetworkGuard) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
    assert network_guard.attempts == []


def test_a_swallowed_network_attempt_still_fails_the_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # this worktree's engine, not an installed one
    pytester.makeconftest('pytest_plugins = ["tests.plugin"]')
    pytester.makepyfile(
        textwrap.dedent(
            """
            import socket

            def test_sneaky():
                try:
                    socket.getaddrinfo("example.com", 443)
                except OSError:
                    pass  # the code under test swallowed it: the guard must still fail the test

            def test_fine():
                socket.getaddrinfo("127.0.0.1", 80)
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*tried to reach the network (resolve example.com)*"])


def test_memory_keyring_fixture_installs_and_restores() -> None:
    before = keyring.get_keyring()
    gen = pytest.importorskip("tests.plugin").memory_keyring.__wrapped__()  # the plain generator
    backend = next(gen)
    assert isinstance(backend, MemoryKeyring) and keyring.get_keyring() is backend
    with pytest.raises(StopIteration):
        next(gen)
    assert keyring.get_keyring() is before


def test_the_shipped_helpers_do_not_need_pytest() -> None:
    code = "import sys, engine.testing; print('pytest' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
