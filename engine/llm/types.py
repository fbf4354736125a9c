"""The small protocol the engine talks to models through. Only `engine.llm.provider` imports litellm."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.hosts import LOCAL_EXAMPLES, cleartext_to

Message = dict[str, Any]  # OpenAI chat format: {"role": ..., "content": ..., "tool_calls": ...}
ToolSchema = dict[str, Any]  # OpenAI tools format: {"type": "function", "function": {...}}

REHEARSAL_MODEL = "rehearsal/office-1"


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # the raw JSON text the model sent; the engine validates it


@dataclass(frozen=True, slots=True)
class ModelReply:
    text: str
    tool_calls: tuple[ToolCall, ...]
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    finish_reason: str = "stop"
    rehearsal: bool = False
    simulated_cost: bool = False  # rehearsal charged at a real model's prices (issue 4)

    def assistant_message(self) -> Message:
        """The reply as an OpenAI-format assistant message, for the next request."""
        message: Message = {"role": "assistant", "content": self.text or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        return message


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens, declared by the owner or resolved from litellm's price map."""

    input_per_mtok: float
    output_per_mtok: float


@dataclass(frozen=True, slots=True)
class ModelConfig:
    model: str = REHEARSAL_MODEL  # any litellm model string
    fallback: str | None = None
    api_base: str | None = None  # local OpenAI-compatible servers (Ollama, LM Studio, llama.cpp)
    api_key_name: str | None = None  # keyring entry holding the key; never the key itself
    price: Price | None = None  # declared price; required when litellm cannot price the model
    max_output_tokens: int = 1024
    timeout_s: float = 60.0
    max_retries: int = 3
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def is_rehearsal(self) -> bool:
        return self.model.startswith("rehearsal/")

    def cleartext(self) -> str | None:
        """Why its API key would travel unencrypted (plain http to another machine), or None. The one rule for a
        model's key: checked when the owner connects a model, when a brief's model is checked, and before each call.
        Without a key name nothing secret is sent (a local server gets a placeholder), so any http is fine."""
        host = cleartext_to(self.api_base) if self.api_base and self.api_key_name else None
        if host is None:
            return None
        return (
            f"http:// would send the API key {self.api_key_name!r} unencrypted to {host} ({self.api_base}): use an "
            f"https:// address, or a model server on this machine ({LOCAL_EXAMPLES}, as Ollama or LM Studio), "
            "which needs no key"
        )


@dataclass(frozen=True, slots=True)
class ModelRequest:
    config: ModelConfig
    messages: Sequence[Message]
    tools: Sequence[ToolSchema]
    # Set when a UI listens: called with each text delta as it streams, and with "" while the model
    # writes a tool call's arguments (no text to show, but it is typing).
    on_text: Callable[[str], None] | None = None


class ModelClient(Protocol):
    async def complete(self, request: ModelRequest) -> ModelReply:
        """One model call. Raises ModelUnavailable when the provider keeps failing."""
        ...


class ModelError(Exception):
    """Base for model errors the engine turns into a parked task with a clear reason."""


class ModelUnavailable(ModelError):
    """Retries and the fallback model are exhausted (timeouts, rate limits, server errors), or the provider
    refused the request. `passes`: the failure is of a kind that goes away by itself (a server down or busy),
    so the work is worth trying again later without the owner."""

    def __init__(self, message: str, *, passes: bool = False) -> None:
        super().__init__(message)
        self.passes = passes


class ModelConfigError(ModelError):
    """The configuration cannot work: unknown or zero price, missing key, bad model string."""
