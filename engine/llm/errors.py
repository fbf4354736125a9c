"""Turn whatever litellm raised into a classified `Failure` with a short, key-free explanation.

The litellm module is passed in (only `engine.llm.provider` imports it). Provider messages are redacted
here, once, so no API key can reach an exception message, the journal or a log line.
"""

from __future__ import annotations

import re
from typing import Any

from engine.llm.retry import Failure, parse_retry_after
from engine.secrets import redact

_DETAIL_LIMIT = 200
_PREFIX = re.compile(r"^\s*(?:litellm\.)?[A-Z]\w*(?:Error|Exception|Timeout)\s*[:\-]\s*")


def classify(module: Any, exc: BaseException, timeout_s: float, api_key: str | None = None) -> Failure:
    """Classify one failed attempt; `module` is litellm."""
    errors = module.exceptions
    detail = _detail(exc, api_key)
    status = getattr(exc, "status_code", None)
    if isinstance(exc, TimeoutError | errors.Timeout):
        return Failure("timeout", f"timed out after {timeout_s:g} s")
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


def _detail(exc: BaseException, api_key: str | None) -> str:
    """The provider's words, without litellm's prefixes, tracebacks or any key."""
    text = str(getattr(exc, "message", "") or exc).strip()
    text = text.splitlines()[0] if text else ""
    # "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached" -> "Rate limit reached"
    text = text.split("Exception - ", 1)[-1]
    while (stripped := _PREFIX.sub("", text, count=1)) != text:
        text = stripped
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
