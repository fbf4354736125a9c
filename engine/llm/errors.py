"""Turn whatever litellm raised into a classified `Failure` with a short, key-free explanation.

The litellm module is passed in (only `engine.llm.provider` imports it). Provider messages are redacted
here, once, so no API key can reach an exception message, the journal or a log line.
"""

from __future__ import annotations

import errno
import json
import re
import socket
from typing import Any
from urllib.parse import urlsplit

from engine.llm.retry import Failure, parse_retry_after
from engine.secrets import redact

_DETAIL_LIMIT = 200
_REFUSED = "nothing listens there; is the server running?"
_PREFIX = re.compile(r"^\s*(?:litellm\.)?[A-Z]\w*(?:Error|Exception|Timeout)\s*[:\-]\s*")
# aiohttp's "Cannot connect to host h:p ssl:<ssl.SSLContext object at 0x7f…>": an object's address, or "ssl:default"
_NOISE = re.compile(r"\s*(?:ssl:)?(?:<[\w.]+ object at 0x[0-9a-fA-F]+>|default\b(?= \[))")


class MalformedReply(Exception):
    """The server answered, but not with a completion (raised by the provider, e.g. for an empty stream)."""


# litellm's words when a 200 answer held no usable completion (it reports these as 500s)
_MALFORMED_WORDS = ("empty or invalid response", "returned a response with no 'choices'", "invalid response object")


def classify(
    module: Any, exc: BaseException, timeout_s: float, api_key: str | None = None, api_base: str | None = None
) -> Failure:
    """Classify one failed attempt; `module` is litellm.

    litellm reports many failures as 500s; what really happened is read from the cause chain (a refused
    connection, a reply that is not JSON), and a status counts as the server's only when one came back.
    """
    errors = module.exceptions
    detail = _detail(exc, api_key)
    status = getattr(exc, "status_code", None)
    chain = _chain(exc)
    if isinstance(exc, TimeoutError | errors.Timeout):
        return Failure("timeout", f"timed out after {timeout_s:g} s")
    if not _answered(chain):
        where = _where(chain, api_base, api_key)
        if any(_is_timeout(e) for e in chain):
            return Failure("timeout", f"timed out after {timeout_s:g} s")
        if any(_is_refused(e) for e in chain):
            return Failure("connection", f"refused connection to {where}", _REFUSED)
        if any(_STREAM_CUT in str(e).lower() or _is_cut(e) for e in chain):
            return Failure("connection", f"the reply from {where} stopped part-way", detail)
        if any(_is_dropped(e) for e in chain):
            return Failure("connection", f"{where} closed the connection without answering", detail)
        if any(_is_garbled(e) for e in chain):  # litellm wraps these as connection errors, or as 500s
            return Failure("malformed", f"malformed reply from {where}", detail)
        if any(_is_unreachable(e) for e in chain):
            return Failure("connection", f"could not connect to {where}", detail)
        if any(isinstance(e, json.JSONDecodeError | MalformedReply) for e in chain) or any(
            words in detail.lower() for words in _MALFORMED_WORDS
        ):
            return Failure("malformed", f"malformed reply from {where}", detail)
    if isinstance(exc, errors.RateLimitError):
        return Failure("rate_limit", "429 rate limited", detail, _retry_after(exc))
    if isinstance(exc, errors.AuthenticationError | errors.PermissionDeniedError) or status in (401, 403):
        return Failure("auth", f"{status or 401} the provider refused the API key", detail)
    if isinstance(exc, errors.NotFoundError):
        return Failure("not_found", "404 model not found", detail)
    if isinstance(exc, errors.ContextWindowExceededError):
        return Failure("bad_request", "the conversation is too long for this model", detail)
    if isinstance(exc, errors.ContentPolicyViolationError):
        return Failure("bad_request", "the provider's content policy refused the request", detail)
    if isinstance(exc, errors.BadRequestError | errors.UnprocessableEntityError):
        return Failure("bad_request", f"{status or 400} bad request", detail)
    if "missing credentials" in detail.lower() or "api_key client option must be set" in detail.lower():
        return Failure("config", "no API key was given to the provider", detail)
    if isinstance(status, int) and status < 500 and status not in (408, 409, 425):
        return Failure("bad_request", f"{status} refused", detail)
    if isinstance(exc, errors.APIConnectionError) and "connection" in detail.lower():
        return Failure("connection", "could not connect", detail)
    if isinstance(status, int) and (status >= 500 or status in (408, 409, 425)):
        return Failure("server", f"{status} server error", detail, _retry_after(exc))
    if isinstance(exc, errors.APIError | ConnectionError | OSError):
        return Failure("connection", "could not connect", detail)
    return Failure("bad_request", f"unexpected error ({type(exc).__name__})", detail)


def _chain(exc: BaseException, limit: int = 10) -> list[BaseException]:
    """`exc` and what it was raised from or during, innermost last."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < limit and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def _answered(chain: list[BaseException]) -> bool:
    """Whether an HTTP status really came back: the OpenAI client or httpx saw one.

    litellm's own exceptions subclass the OpenAI client's status errors even when no answer came (a refused
    connection is its "500"), so only the client's and httpx's count.
    """
    import httpx
    import openai

    return any(
        isinstance(e, httpx.HTTPStatusError)
        or (isinstance(e, openai.APIStatusError) and type(e).__module__.partition(".")[0] == "openai")
        for e in chain
    )


def _is_timeout(exc: BaseException) -> bool:
    import httpx
    import openai

    return isinstance(exc, TimeoutError | httpx.TimeoutException | openai.APITimeoutError)


def _is_refused(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionRefusedError) or (isinstance(exc, OSError) and exc.errno == errno.ECONNREFUSED)


_STREAM_CUT = "stream ended before a finish_reason"  # litellm's words when a streamed reply stops part-way


def _is_cut(exc: BaseException) -> bool:
    """The server began a reply and closed the connection before the length it announced (not streamed)."""
    words = str(exc).lower()
    return type(exc).__name__ in ("ClientPayloadError", "ContentLengthError", "TransferEncodingError") or (
        "without sending complete message body" in words  # httpx's words
    )


def _is_garbled(exc: BaseException) -> bool:
    """The reply came, but as bytes that are not text, or with fields no completion can hold (NaN counts)."""
    import pydantic

    return isinstance(exc, UnicodeDecodeError | pydantic.ValidationError)


def _is_dropped(exc: BaseException) -> bool:
    """The server took the request, then closed the connection before any reply (it crashed, say)."""
    import httpx

    return isinstance(exc, httpx.RemoteProtocolError) or "server disconnected" in str(exc).lower()


def _is_unreachable(exc: BaseException) -> bool:
    import httpx
    import openai

    return isinstance(exc, ConnectionError | socket.gaierror | httpx.TransportError | openai.APIConnectionError)


def _where(chain: list[BaseException], api_base: str | None, api_key: str | None) -> str:
    """The server, without credentials or query: the configured api_base, else the failed request's host."""
    if api_base:
        return _bare_url(api_base, api_key, keep_path=True)
    for exc in reversed(chain):  # innermost first; litellm's own errors carry a made-up request
        if type(exc).__module__.startswith("litellm"):
            continue
        try:
            url = getattr(exc, "request", None).url  # type: ignore[union-attr]
        except (AttributeError, RuntimeError):  # httpx raises RuntimeError for an error with no request
            continue
        if url:
            return _bare_url(str(url), api_key, keep_path=False)
    return "the provider"


def _bare_url(url: str, api_key: str | None, *, keep_path: bool) -> str:
    parts = urlsplit(url)
    if not parts.hostname:
        return "the provider"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = f":{parts.port}" if parts.port else ""
    path = parts.path.rstrip("/") if keep_path else ""
    return redact(f"{parts.scheme}://{host}{port}{path}", *([api_key] if api_key else []))


def _detail(exc: BaseException, api_key: str | None) -> str:
    """The provider's words, without litellm's prefixes, tracebacks or any key."""
    text = str(getattr(exc, "message", "") or exc).strip()
    text = text.splitlines()[0] if text else ""
    # "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached" -> "Rate limit reached"
    text = text.split("Exception - ", 1)[-1]
    while (stripped := _PREFIX.sub("", text, count=1)) != text:
        text = stripped
    text = _NOISE.sub("", text)
    text = redact(text, *([api_key] if api_key else []))
    return text[:_DETAIL_LIMIT]


def _retry_after(exc: BaseException) -> float | None:
    for source in (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ):
        if source is None:
            continue
        try:
            value = source.get("retry-after")
        except AttributeError:
            continue
        if value:
            return parse_retry_after(str(value))
    return None
