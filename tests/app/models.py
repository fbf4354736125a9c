"""A tiny model for the app's end-to-end tests until `engine.testing` (ScriptedModel) lands in main.

TODO(model layer): replace with `engine.testing.ScriptedModel` / `FunctionModel` and `assert_complete()`.
"""

from __future__ import annotations

import asyncio

from engine.llm.types import ModelReply, ModelRequest


class StreamingReplyModel:
    """Answers every request with `text`, streamed word by word when the engine asks for streaming."""

    def __init__(self, text: str = "Done: a short draft is ready for you.", gate: asyncio.Event | None = None) -> None:
        self.text = text
        self.gate = gate  # when set, replies wait for it: lets a test see the "thinking" state
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest) -> ModelReply:
        self.requests.append(request)
        if self.gate is not None:
            await self.gate.wait()
        if request.on_text is not None:
            for word in self.text.split(" "):
                request.on_text(word + " ")
                await asyncio.sleep(0)
        return ModelReply(text=self.text, tool_calls=(), model="rehearsal/office-1", rehearsal=True)
