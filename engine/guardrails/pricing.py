"""What a model call costs: its price (or a real model's, simulated in rehearsal) and its worst case."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.llm.types import Message, ModelConfig, Price, ToolSchema

# (config, messages, tools) -> worst-case USD of one call: prompt tokens + max output at its price.
Estimator = Callable[[ModelConfig, Sequence[Message], Sequence[ToolSchema], Price], float]


PROMPT_MARGIN = 1.05  # token counts of providers differ slightly from litellm's estimate


def worst_case_cost(
    config: ModelConfig, messages: Sequence[Message], tools: Sequence[ToolSchema], price: Price
) -> float:
    """Prompt tokens plus the full output allowance, at the model's price."""
    from engine.llm.provider import count_tokens

    prompt = float(count_tokens(config.model, messages, tools)) * PROMPT_MARGIN
    return (prompt * price.input_per_mtok + config.max_output_tokens * price.output_per_mtok) / 1e6


@dataclass(frozen=True, slots=True)
class Pricing:
    """What a call costs: the model's own price, or a real model's price simulated in rehearsal."""

    price_of: Callable[[ModelConfig], Price]
    simulated: Price | None = None  # set: rehearsal is charged at these prices, marked simulated

    def for_config(self, config: ModelConfig) -> tuple[Price, bool]:
        if config.is_rehearsal and self.simulated is not None:
            return self.simulated, True
        return self.price_of(config), False
