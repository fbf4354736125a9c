"""LiteLLMClient: the engine's ModelClient over litellm, with our own retries and fallback, and streaming.

Waits go through the injected clock; every failure is classified (engine.llm.errors) into a retry, a
fallback, or one clear error naming what went wrong.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import warnings
from collections.abc import Sequence
from typing import Any

from engine.clock import Clock, SystemClock
from engine.llm import pricing, rehearsal
from engine.llm.errors import MalformedReply, classify
from engine.llm.provider import count_tokens, is_loaded, litellm, resolve_price
from engine.llm.retry import Backoff, Failure, summarize
from engine.llm.types import (
    Message,
    ModelConfig,
    ModelConfigError,
    ModelReply,
    ModelRequest,
    ModelUnavailable,
    Price,
    ToolCall,
    ToolSchema,
)

# litellm's acompletion builds the provider's coroutine on an executor thread; when our deadline cancels
# the call while that thread runs, the coroutine comes back to no one and is collected never started (no
# request was made). Python then warns "never awaited": expected on a timeout, so not shown to the owner.
_UNSTARTED = r"coroutine '\w+\.acompletion' was never awaited"
warnings.filterwarnings("ignore", message=_UNSTARTED, category=RuntimeWarning)

log = logging.getLogger(__name__)
_LOCAL_PLACEHOLDER_KEY = "no-key-needed"  # the OpenAI client refuses to run without some key


class LiteLLMClient:
    """`ModelClient` over litellm, with our own retries and fallback; waits go through the injected clock."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        secrets: Any = None,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._clock = clock or SystemClock()
        self._secrets = secrets  # engine.secrets.Secrets; created on first need (keyring is slow to set up)
        self._backoff = backoff or Backoff()
        self._rng = rng or random.Random()

    async def complete(self, request: ModelRequest) -> ModelReply:
        config = request.config
        if (problem := config.cleartext()) is not None:  # however it was stored: the key is not even read
            raise ModelConfigError(problem)
        if not is_loaded():
            await asyncio.to_thread(litellm)  # a 2.5 s import must not block the event loop
        api_key = await self._api_key(config)
        attempts: list[tuple[str, Failure]] = []
        for model in (config.model, config.fallback):
            if model is None:
                continue
            price = resolve_price(config, model)
            for attempt in range(config.max_retries + 1):
                try:
                    return await self._once(request, model, price, api_key)
                except Exception as exc:
                    _reraise_test_failure(exc)
                    failure = classify(litellm(), exc, config.timeout_s, api_key, config.api_base)
                if not failure.retryable:
                    error = ModelConfigError if failure.kind in ("auth", "not_found", "config") else ModelUnavailable
                    detail = f": {failure.detail}" if failure.detail else ""
                    raise error(f"{failure.label} on {model}{detail}") from None
                attempts.append((model, failure))
                if attempt < config.max_retries:
                    delay = self._backoff.delay(attempt, self._rng, failure.retry_after_s)
                    log.info(
                        "model %s failed (%s: %s); retrying in %.2f s",
                        model,
                        failure.label,
                        failure.detail,
                        delay,
                    )
                    await self._clock.sleep(delay)
        raise ModelUnavailable(summarize(attempts), passes=True)

    async def _api_key(self, config: ModelConfig) -> str | None:
        if config.api_key_name:
            if self._secrets is None:
                from engine.secrets import Secrets

                self._secrets = await asyncio.to_thread(Secrets)
            from keyring.errors import KeyringError

            try:
                key = await asyncio.to_thread(self._secrets.get, config.api_key_name)
            except KeyringError as exc:  # a locked key file, a wrong passphrase: the task waits, the run goes on
                # Tried again by the office (and at the next start, with the passphrase given): no `resume` needed.
                message = f"the API key {config.api_key_name!r} cannot be read: {exc}"
                raise ModelUnavailable(message, passes=True) from None
            if not key:
                raise ModelConfigError(f"no API key named {config.api_key_name!r} is stored; add it in Settings")
            return str(key)
        if config.api_base:
            return _LOCAL_PLACEHOLDER_KEY
        return None

    async def _once(self, request: ModelRequest, model: str, price: Price, api_key: str | None) -> ModelReply:
        module, config = litellm(), request.config
        messages = list(request.messages)
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "timeout": config.timeout_s,
            "max_tokens": config.max_output_tokens,
            "num_retries": 0,
            "max_retries": 0,  # the OpenAI client retries twice by default: we retry, through our clock
        }
        if request.tools:
            kwargs["tools"] = list(request.tools)
        if config.api_base:
            kwargs["api_base"] = config.api_base
        if api_key:
            kwargs["api_key"] = api_key
        for key, value in config.extra:
            kwargs[key] = _extra_value(value)
        # The deadline is ours too: custom providers and slow-dripping streams ignore litellm's timeout.
        async with asyncio.timeout(config.timeout_s) as deadline:
            if request.on_text is None:
                response = await module.acompletion(**kwargs)
            else:
                stream = await module.acompletion(**kwargs, stream=True, stream_options={"include_usage": True})
                chunks = []
                said = False  # whether the server sent any message at all (a role, text or a tool call)
                written, most = 0, config.max_output_tokens * RUNAWAY_CHARS_PER_TOKEN
                async for chunk in stream:
                    deadline.reschedule(asyncio.get_running_loop().time() + config.timeout_s)  # idle timeout
                    chunks.append(chunk)
                    delta = chunk.choices[0].delta if chunk.choices else None
                    said = said or _says_something(delta)
                    # A server that ignores max_tokens, in text or in a tool call's arguments: stopped before it
                    # fills the memory (or the disk), as the idle timeout never fires while pieces keep coming.
                    written += _length(delta)
                    if written > most:
                        raise MalformedReply(
                            f"the reply ran past {most:,} characters, far beyond its {config.max_output_tokens} "
                            "tokens (max_tokens): the server ignores the limit"
                        )
                    if delta is not None and delta.content:
                        _deliver(request, delta.content)
                    elif delta is not None and getattr(delta, "tool_calls", None):
                        _deliver(request, "")  # writing a tool call (a draft, an email): still typing
                if not said:  # litellm makes up a final chunk even when the body held no events at all
                    raise MalformedReply("the stream held no message")
                response = module.stream_chunk_builder(chunks, messages=messages)
        return _reply(response, model, price, messages, request.tools)


def _reraise_test_failure(exc: BaseException) -> None:
    """A failed assertion inside a scripted model is a test failure: surface it, never retry it."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return
        if isinstance(seen, AssertionError):
            raise seen
        seen = seen.__cause__ or seen.__context__


def _says_something(delta: Any) -> bool:
    if delta is None:
        return False
    return bool(getattr(delta, "role", None) or delta.content is not None or getattr(delta, "tool_calls", None))


def _length(delta: Any) -> int:
    """How many characters a streamed piece adds: its text and its tool calls' names and arguments."""
    if delta is None:
        return 0
    size = len(delta.content or "")
    for call in getattr(delta, "tool_calls", None) or ():
        function = getattr(call, "function", None)
        size += len(getattr(function, "name", None) or "") + len(getattr(function, "arguments", None) or "")
    return size


def _deliver(request: ModelRequest, delta: str) -> None:
    assert request.on_text is not None
    try:
        request.on_text(delta)
    except Exception:  # a broken listener must not fail the model call
        log.exception("on_text listener failed")


def _extra_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


# A token is about 4 characters; usage is believed down to a token per UNDERCOUNT characters of the reply,
# and a stream is cut at RUNAWAY_CHARS_PER_TOKEN characters per token of max_tokens.
UNDERCOUNT = 16
RUNAWAY_CHARS_PER_TOKEN = 16


def _reply(response: Any, model: str, price: Price, messages: list[Message], tools: Sequence[ToolSchema]) -> ModelReply:
    choice = response.choices[0]
    message = choice.message
    calls = tuple(
        ToolCall(c.id or f"call_{i}", c.function.name or "", c.function.arguments or "")
        for i, c in enumerate(getattr(message, "tool_calls", None) or [])
    )
    text = message.content or ""
    usage = getattr(response, "usage", None)
    prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
    # Usage a reply contradicts is estimated rather than believed, so a ceiling never takes it as free: none
    # at all (some local servers), none or less than none for a request (a prompt always has tokens), or
    # far fewer tokens than the reply's own text holds (a 3,000-word answer billed as 0 or 30 tokens).
    if usage is None or prompt_tokens <= 0:
        prompt_tokens = count_tokens(model, messages, tools)
    written = text + "".join(c.arguments for c in calls)
    if usage is None or completion_tokens < 0 or completion_tokens * UNDERCOUNT < len(written):
        completion_tokens = rehearsal.estimate_tokens(written)
    return ModelReply(
        text=text,
        tool_calls=calls,
        model=model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_usd=pricing.cost_usd(price, prompt_tokens, completion_tokens),
        finish_reason=choice.finish_reason or ("tool_calls" if calls else "stop"),
        rehearsal=model.startswith("rehearsal/"),
    )
