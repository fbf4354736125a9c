"""The one module that imports litellm, lazily: `import engine.llm.provider` stays cheap.

litellm costs ~2.5 s and ~160 MB to import and fetches a price map over the network unless told not to,
so it is imported on first use (or by `prewarm()` in a background thread at start-up), with the local
price map. Our in-process models (`rehearsal/…`, `scripted/…`) are registered as litellm custom providers,
so they travel the real litellm code path, streaming included.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import threading
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from engine.clock import Clock, SystemClock
from engine.llm import inprocess, pricing, rehearsal
from engine.llm.errors import MalformedReply, classify
from engine.llm.inprocess import register_scripted, unregister_scripted
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

log = logging.getLogger(__name__)
_lock = threading.Lock()
_litellm_module: Any = None
_LOCAL_PLACEHOLDER_KEY = "no-key-needed"  # the OpenAI client refuses to run without some key


def litellm() -> Any:
    """The litellm module, imported and set up on first use (thread-safe)."""
    global _litellm_module
    if _litellm_module is None:
        with _lock:
            if _litellm_module is None:
                os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
                import litellm as module

                module.suppress_debug_info = True
                # litellm logs every call at INFO on its own stderr handler; ours go to the log file.
                for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm"):
                    logging.getLogger(name).setLevel(logging.WARNING)
                _register(module)
                _warm_up(module)
                _litellm_module = module
    return _litellm_module


def _warm_up(module: Any) -> None:
    """Make one plain and one streamed rehearsal call, in a thread of its own.

    litellm imports more modules on its first calls, and some of them warn while pydantic builds their
    schemas; doing it here, with warnings silenced, keeps the first real call fast and quiet (and keeps
    tests that turn warnings into errors from failing on whichever call happens to come first).
    """

    async def calls() -> None:
        messages = [{"role": "user", "content": "warm up"}]
        await module.acompletion(model="rehearsal/office-1", messages=messages, num_retries=0)
        stream = await module.acompletion(model="rehearsal/office-1", messages=messages, stream=True, num_retries=0)
        async for _ in stream:
            pass

    def run() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                asyncio.run(calls())
            except Exception:  # warming up is an optimisation; a real call will report real trouble
                log.debug("litellm warm-up failed", exc_info=True)

    thread = threading.Thread(target=run, name="litellm-warm-up", daemon=True)
    thread.start()
    thread.join()


def prewarm() -> None:
    """Import litellm and register our providers; the app calls this in a background thread at start-up."""
    litellm()


def _register(module: Any) -> None:
    """Teach litellm the in-process providers and price the rehearsal model at $0."""
    from litellm.types.utils import ChatCompletionMessageToolCall, Choices, Usage
    from litellm.types.utils import Message as LiteMessage
    from litellm.utils import custom_llm_setup

    def reply_of(
        provider: str, model: str, messages: list[Message], args: Sequence[Any], kw: dict[str, Any]
    ) -> ModelReply:
        params = _arg(args, kw, "optional_params", 7)
        tools = list((params or {}).get("tools") or [])
        try:
            return inprocess.answer(provider, model, messages, tools)
        except inprocess.UnknownScriptedModel as exc:
            raise module.NotFoundError(message=str(exc), model=model, llm_provider=provider) from None

    def build(reply: ModelReply, response: Any) -> Any:
        calls = [
            ChatCompletionMessageToolCall(id=c.id, type="function", function={"name": c.name, "arguments": c.arguments})
            for c in reply.tool_calls
        ]
        message = LiteMessage(content=reply.text or None, role="assistant", tool_calls=calls or None)
        response.choices = [Choices(index=0, message=message, finish_reason=reply.finish_reason)]
        total = reply.prompt_tokens + reply.completion_tokens
        response.usage = Usage(
            prompt_tokens=reply.prompt_tokens, completion_tokens=reply.completion_tokens, total_tokens=total
        )
        return response

    class InProcess(module.CustomLLM):  # type: ignore[misc]
        # litellm passes (model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
        # encoding, api_key, logging_obj, optional_params, ...) positionally.
        def __init__(self, provider: str) -> None:
            super().__init__()
            self.provider = provider

        def completion(self, model: str, messages: list[Message], *args: Any, **kw: Any) -> Any:
            return build(reply_of(self.provider, model, messages, args, kw), _arg(args, kw, "model_response", 2))

        async def acompletion(self, model: str, messages: list[Message], *args: Any, **kw: Any) -> Any:
            reply = reply_of(self.provider, model, messages, args, kw)
            pace = _pace(args, kw)
            if pace:  # the whole reply's writing time, spent without holding the loop
                await asyncio.sleep(inprocess.writing_seconds(reply, pace))
            return build(reply, _arg(args, kw, "model_response", 2))

        def streaming(self, model: str, messages: list[Message], *args: Any, **kw: Any) -> Any:
            return iter(inprocess.stream_chunks(reply_of(self.provider, model, messages, args, kw)))

        async def astreaming(self, model: str, messages: list[Message], *args: Any, **kw: Any) -> Any:
            pace = _pace(args, kw)
            for chunk in inprocess.stream_chunks(reply_of(self.provider, model, messages, args, kw)):
                if pace:
                    await asyncio.sleep(inprocess.chunk_seconds(chunk, pace))
                yield chunk

    ours = ("rehearsal", "scripted")
    module.custom_provider_map = [
        *[p for p in module.custom_provider_map if p.get("provider") not in ours],
        *[{"provider": name, "custom_handler": InProcess(name)} for name in ours],
    ]
    custom_llm_setup()
    free = {
        "input_cost_per_token": 0.0,
        "output_cost_per_token": 0.0,
        "cache_creation_input_token_cost": 0.0,
        "cache_read_input_token_cost": 0.0,
        "mode": "chat",
    }
    module.register_model({"rehearsal/office-1": {**free, "litellm_provider": "rehearsal"}})


def _pace(args: Sequence[Any], kw: dict[str, Any]) -> float:
    """Words per second the in-process model writes at (0: instantly), from `rehearsal_pace`."""
    params = _arg(args, kw, "optional_params", 7) or {}
    value = params.get("rehearsal_pace") or (params.get("extra_body") or {}).get("rehearsal_pace") or 0
    return float(value)


def _arg(args: Sequence[Any], kw: dict[str, Any], name: str, index: int) -> Any:
    """A handler argument litellm may pass by keyword (it does today) or by position (its signature)."""
    if name in kw:
        return kw[name]
    return args[index] if len(args) > index else None


# --- the client -------------------------------------------------------------------------------------


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
        if _litellm_module is None:
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
        raise ModelUnavailable(summarize(attempts))

    async def _api_key(self, config: ModelConfig) -> str | None:
        if config.api_key_name:
            if self._secrets is None:
                from engine.secrets import Secrets

                self._secrets = await asyncio.to_thread(Secrets)
            key = await asyncio.to_thread(self._secrets.get, config.api_key_name)
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
                async for chunk in stream:
                    deadline.reschedule(asyncio.get_running_loop().time() + config.timeout_s)  # idle timeout
                    chunks.append(chunk)
                    delta = chunk.choices[0].delta if chunk.choices else None
                    said = said or _says_something(delta)
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
    if usage is None:  # some local servers send no usage: estimate rather than call it free
        prompt_tokens = count_tokens(model, messages, tools)
        completion_tokens = rehearsal.estimate_tokens(text + "".join(c.arguments for c in calls))
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


# --- prices, validation, tokens ---------------------------------------------------------------------


@lru_cache(maxsize=256)
def _looked_up(model: str) -> Price | None:
    try:
        info = litellm().get_model_info(model)
    except Exception:  # ModelNotMappedError and friends: litellm has no entry
        return None
    return pricing.from_info(info)


def resolve_price(config: ModelConfig, model: str | None = None) -> Price:
    """The price of `model` (default: the config's primary model) per million tokens.

    Raises ModelConfigError for a model with no known, non-zero price that the owner did not declare.
    The declared price covers the primary model and any fallback litellm cannot price.
    """
    chosen = model or config.model
    if chosen.startswith(pricing.OFFLINE_PREFIXES) or pricing.is_local(chosen, config.api_base):
        return pricing.choose(config, chosen, None)
    return pricing.choose(config, chosen, _looked_up(chosen))


def validate_config(config: ModelConfig, *, secrets: Any = None, require_key: bool = True) -> None:
    """Fail early, at configuration or hire time, with one clear reason; the engine calls this.

    `require_key=False` skips the API-key checks (for an office whose model client is a test double).
    """
    if config.timeout_s <= 0 or config.max_retries < 0 or config.max_output_tokens <= 0:
        raise ModelConfigError("timeout_s and max_output_tokens must be positive and max_retries not negative")
    for model in (config.model, config.fallback):
        if model is None:
            continue
        if not model or model != model.strip() or " " in model:
            raise ModelConfigError(f"{model!r} is not a model name")
        if model.startswith("scripted/") and not inprocess.is_registered(model.split("/", 1)[1]):
            raise ModelConfigError(f"no scripted model {model!r} is registered")
        if not model.startswith(pricing.OFFLINE_PREFIXES):
            _check_provider(model, config, require_key)
        resolve_price(config, model)
    if config.api_key_name and require_key:
        from engine.secrets import Secrets

        if not (secrets or Secrets()).get(config.api_key_name):
            raise ModelConfigError(f"no API key named {config.api_key_name!r} is stored; add it in Settings")


def _check_provider(model: str, config: ModelConfig, require_key: bool) -> None:
    module = litellm()
    try:
        module.get_llm_provider(model, api_base=config.api_base)
    except Exception:
        raise ModelConfigError(
            f"litellm does not know how to call {model!r}; write it as provider/model, e.g. openai/gpt-4o-mini"
        ) from None
    if not require_key or config.api_key_name or config.api_base or pricing.is_local(model, config.api_base):
        return
    missing = module.validate_environment(model).get("missing_keys") or []
    if missing:
        raise ModelConfigError(
            f"{model} needs an API key: store one in Settings and name it in the brief (api_key_name), "
            f"or set {', '.join(missing)}"
        )


def count_tokens(model: str, messages: Sequence[Message], tools: Sequence[ToolSchema] = ()) -> int:
    """Tokens the prompt will use, for budget reservation (a cheap estimate for in-process models)."""
    if model.startswith(pricing.OFFLINE_PREFIXES):
        return rehearsal.estimate_prompt_tokens(messages, tools)
    try:
        return int(litellm().token_counter(model=model, messages=list(messages), tools=list(tools) or None))
    except Exception:  # an odd message shape must not stop a budget check: fall back to the estimate
        return rehearsal.estimate_prompt_tokens(messages, tools)


__all__ = [
    "LiteLLMClient",
    "count_tokens",
    "litellm",
    "prewarm",
    "register_scripted",
    "resolve_price",
    "unregister_scripted",
    "validate_config",
]
