"""A small OpenAI-compatible chat server on 127.0.0.1 for tests: scripted failures, hangs, text and tools.

It speaks real HTTP so tests exercise litellm, the OpenAI client and our retry loop end to end, offline.
Stdlib only (http.server in a thread), so it works in any test without an event loop of its own.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

DEFAULT_TEXT = "Hello from the fake server."


@dataclass(frozen=True, slots=True)
class Fail:
    """Answer with an HTTP error, e.g. `Fail(429, retry_after=2)` or `Fail(500)`."""

    status: int
    message: str = "scripted failure"
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class Hang:
    """Say nothing for `seconds` (or until the server stops), then answer with the default text."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Garbage:
    """Answer 200 with this body instead of a completion: broken JSON, a proxy's HTML page, nothing at all,
    or bytes that are not text at all."""

    body: str | bytes = "this is not json"


@dataclass(frozen=True, slots=True)
class Drop:
    """Take the request, then close the connection without a word (a server that crashed mid-request)."""


@dataclass(frozen=True, slots=True)
class Cut:
    """Answer 200 and stream the first words of `text` (or, not streamed, send the first bytes of the
    completion and not the rest its Content-Length promises), then close the connection mid-reply."""

    text: str = DEFAULT_TEXT


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful completion: text, tool calls `(name, arguments_json)`, or both."""

    text: str | None = DEFAULT_TEXT
    tool_calls: tuple[tuple[str, str], ...] = ()
    prompt_tokens: int = 21
    completion_tokens: int = 9
    nan_usage: bool = False  # a broken proxy's usage: every count NaN


def tool_reply(name: str, arguments: dict[str, Any] | str) -> Reply:
    """A reply holding one tool call."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return Reply(text=None, tool_calls=((name, text),))


Step = Fail | Garbage | Hang | Reply | Drop | Cut


@dataclass
class _State:
    scripts: defaultdict[str, deque[Step]] = field(default_factory=lambda: defaultdict(deque))
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)


class FakeOpenAIServer:
    """`with FakeOpenAIServer() as server: server.script("m", Fail(429), Reply("hi"))`.

    Each model name has its own queue of steps; when it runs dry the server answers `Reply()`.
    Model names are matched without a provider prefix (`openai/m` and `m` are the same queue).
    """

    def __init__(self, port: int = 0) -> None:
        """`port`: 0 for any free one; a given one to stand for a server that comes up where it was expected."""
        self._port = port
        self._state = _State()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeOpenAIServer:
        handler = type("_BoundHandler", (_Handler,), {"state": self._state})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._state.release.set()  # wake every hanging handler so shutdown is prompt
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- scripting and inspection ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The `api_base` to give litellm, e.g. `http://127.0.0.1:54321/v1`."""
        if self._httpd is None:
            raise RuntimeError("the fake server is not running")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def script(self, model: str, *steps: Step) -> None:
        with self._state.lock:
            self._state.scripts[_bare(model)].extend(steps)

    def hits(self, model: str) -> int:
        """How many requests reached `model`."""
        with self._state.lock:
            return sum(1 for r in self._state.requests if _bare(str(r.get("model"))) == _bare(model))

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request body received, in order."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        with self._state.lock:
            return list(self._state.headers)


def _bare(model: str) -> str:
    return model.split("/", 1)[1] if "/" in model else model


class _Handler(BaseHTTPRequestHandler):
    state: _State
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        length = int(self.headers.get("Content-Length") or 0)
        body: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
        model = _bare(str(body.get("model", "")))
        with self.state.lock:
            self.state.requests.append(body)
            self.state.headers.append({k.lower(): v for k, v in self.headers.items()})
            queue = self.state.scripts[model]
            step: Step = queue.popleft() if queue else Reply()
        if isinstance(step, Hang):
            self.state.release.wait(step.seconds)
            step = Reply()
        if isinstance(step, Drop):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(step, Cut) and not body.get("stream"):
            data = json.dumps(_completion(model, Reply(step.text))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:20])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(step, Cut):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model,
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content": step.text[:5]}}]}  # fmt: skip
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(step, Fail):
            headers = {} if step.retry_after is None else {"Retry-After": f"{step.retry_after:g}"}
            self._json(step.status, {"error": {"message": step.message, "type": "scripted"}}, headers)
        elif isinstance(step, Garbage):
            kind = "text/event-stream" if body.get("stream") else "application/json"
            data = step.body if isinstance(step.body, bytes) else step.body.encode()
            self._send(200, data, {"Content-Type": kind})
        elif body.get("stream"):
            self._stream(model, step, bool((body.get("stream_options") or {}).get("include_usage")))
        else:
            self._json(200, _completion(model, step))

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): nothing to tell it

    def _stream(self, model: str, reply: Reply, include_usage: bool) -> None:
        def event(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            return {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "model": model,
                "choices": [choice],
            }

        events = [event({"role": "assistant", "content": ""})]
        for word in (reply.text or "").split(" ") if reply.text else []:
            events.append(event({"content": word + " "}))
        if reply.text:  # the words above added one trailing space too many
            events[-1]["choices"][0]["delta"]["content"] = events[-1]["choices"][0]["delta"]["content"][:-1]
        for index, (name, arguments) in enumerate(reply.tool_calls):
            head = {"index": index, "id": f"call_{index}", "type": "function"}
            events.append(event({"tool_calls": [{**head, "function": {"name": name, "arguments": ""}}]}))
            for start in range(0, len(arguments), 7):
                piece = {"index": index, "function": {"arguments": arguments[start : start + 7]}}
                events.append(event({"tool_calls": [piece]}))
        events.append(event({}, "tool_calls" if reply.tool_calls else "stop"))
        if include_usage:
            events.append({**event({}), "choices": [], "usage": _usage(reply)})
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for item in events:
                self.wfile.write(f"data: {json.dumps(item)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


def _usage(reply: Reply) -> dict[str, float]:
    if reply.nan_usage:
        return dict.fromkeys(("prompt_tokens", "completion_tokens", "total_tokens"), float("nan"))
    total = reply.prompt_tokens + reply.completion_tokens
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": total,
    }


def _completion(model: str, reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": arguments}}
            for i, (name, arguments) in enumerate(reply.tool_calls)
        ]
    finish = "tool_calls" if reply.tool_calls else "stop"
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": _usage(reply),
    }
