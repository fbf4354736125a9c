"""Pricing rules, kept apart from litellm so they read (and test) as plain policy.

litellm prices any model it does not know at $0 without complaint, and a budget built on $0 is no budget.
So a model runs only if it has a real price: the owner's declared one, or a non-zero one from litellm's
local price map. Local servers have no price to look up; the owner declares one (usually 0) on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from engine.llm.types import ModelConfig, ModelConfigError, Price

FREE = Price(0.0, 0.0)
LOCAL_PREFIXES = (
    "ollama/",
    "ollama_chat/",
    "lm_studio/",
    "llamafile/",
    "hosted_vllm/",
    "vllm/",
    "xinference/",
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
OFFLINE_PREFIXES = ("rehearsal/", "scripted/")  # served in-process by our own litellm provider


def is_local(model: str, api_base: str | None) -> bool:
    """True for a model served on this machine (an Ollama or LM Studio prefix, or a loopback api_base)."""
    if model.startswith(LOCAL_PREFIXES):
        return True
    if not api_base:
        return False
    host = (urlparse(api_base if "://" in api_base else f"http://{api_base}").hostname or "").lower()
    return host in LOCAL_HOSTS or host.endswith(".localhost")


def declare_hint(model: str, local: bool) -> str:
    """How to say what an unpriced model costs, wherever the owner chose it: a brief or `model connect`."""
    usd = ("0", "0") if local else ("0.15", "0.6")
    where = "it runs on a local server: say what it costs you, usually 0" if local else "litellm cannot price it"
    return (
        f"{model} has no known price ({where}); declare it in USD per million tokens, with "
        f"`headcount model connect {model} --price-in {usd[0]} --price-out {usd[1]}` or, in a brief's model "
        f"settings, price: {{input_per_mtok: {usd[0]}, output_per_mtok: {usd[1]}}}. "
        "Unpriced models would make budgets meaningless."
    )


def check_declared(price: Price | None) -> None:
    if price is None:
        return
    for value in (price.input_per_mtok, price.output_per_mtok):
        if not value >= 0:  # also refuses NaN
            raise ModelConfigError(
                "a declared price cannot be negative or NaN (got input_per_mtok: "
                f"{price.input_per_mtok}, output_per_mtok: {price.output_per_mtok})"
            )


def from_info(info: Mapping[str, Any] | None) -> Price | None:
    """A Price from a litellm model-info entry, or None when it is missing or zero."""
    if not info:
        return None
    per_in = float(info.get("input_cost_per_token") or 0.0)
    per_out = float(info.get("output_cost_per_token") or 0.0)
    if per_in <= 0 and per_out <= 0:
        return None
    return Price(per_in * 1e6, per_out * 1e6)


def choose(config: ModelConfig, model: str, looked_up: Price | None) -> Price:
    """The price for `model` under `config`: declared beats looked up; offline is free; else refuse."""
    check_declared(config.price)
    if model.startswith(OFFLINE_PREFIXES):
        return config.price if config.price is not None and not model.startswith("rehearsal/") else FREE
    local = is_local(model, config.api_base)
    if config.price is not None and (model == config.model or local or looked_up is None):
        return config.price  # the declared price is for the primary, and for any model nobody else can price
    if looked_up is not None and not local:
        return looked_up
    raise ModelConfigError(declare_hint(model, local))


def cost_usd(price: Price, prompt_tokens: int, completion_tokens: int) -> float:
    return price.input_per_mtok * prompt_tokens / 1e6 + price.output_per_mtok * completion_tokens / 1e6
