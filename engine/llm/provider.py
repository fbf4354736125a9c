"""The one module that imports litellm, lazily: `import engine.llm.provider` stays cheap.

It sets litellm up, teaches it our in-process models, and answers what litellm knows: a model's price,
whether a configuration can work, how many tokens a prompt takes. `engine.llm.client.LiteLLMClient`
makes the calls through it.

litellm costs ~2.5 s and ~160 MB to import and fetches a price map over the network unless told not to,
so it is imported on first use (or by `prewarm()` in a background thread at start-up), with the local
price map. Our in-process models (`rehearsal/…`, `scripted/…`) are registered as litellm custom providers,
so they travel the real litellm code path, streaming included.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from engine.llm import inprocess, pricing, rehearsal
from engine.llm.inprocess import register_scripted, unregister_scripted
from engine.llm.types import (
    Message,
    ModelConfig,
    ModelConfigError,
    ModelReply,
    Price,
    ToolSchema,
)

log = logging.getLogger(__name__)
_lock = threading.Lock()
_litellm_module: Any = None


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
                # litellm's module graph (half a million objects) lives as long as the process: frozen, the
                # collector's full passes no longer walk it, each ~150 ms that stalled whatever step ran then
                # (the app also settles its own heap after the first frame: app.main.settle_heap).
                gc.freeze()
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


def is_loaded() -> bool:
    """Whether litellm was imported already (the first import takes seconds: callers move it off the loop)."""
    return _litellm_module is not None


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
    if (problem := config.cleartext()) is not None:
        raise ModelConfigError(problem)
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
            f"{model} needs an API key: store one (Settings, or `headcount key set NAME`) and name it "
            f"(`headcount model connect {model} --key-name NAME`, or api_key_name in a brief), "
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
    "count_tokens",
    "litellm",
    "prewarm",
    "register_scripted",
    "resolve_price",
    "unregister_scripted",
    "validate_config",
]
