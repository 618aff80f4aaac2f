"""Anthropic Messages through the official SDK (the fallback provider)."""
from __future__ import annotations

from typing import Any, Iterator, Sequence


from server.llm.errors import translating
from server.llm.provider import Message, ProviderStream, Reply


def to_anthropic(messages: Sequence[Message]) -> tuple[str, list[dict[str, str]]]:
    """Provider-independent messages → (system prompt, turns): system messages move to the `system` parameter
    and consecutive turns of one role are merged (the API wants user and assistant to alternate)."""
    system: list[str] = []
    turns: list[dict[str, str]] = []
    for message in messages:
        role, content = message["role"], message["content"]
        if role == "system":
            system.append(content)
        elif turns and turns[-1]["role"] == role:
            turns[-1] = {"role": role, "content": f"{turns[-1]['content']}\n\n{content}"}
        else:
            turns.append({"role": role, "content": content})
    return "\n\n".join(system), turns


class AnthropicProvider:
    """Claude models; JSON is asked for in the prompt (the router's instruction) and parsed from the text."""

    name = "anthropic"

    def __init__(self, api_key: str, model: str, base_url: str | None = None) -> None:
        self.model = model
        # max_retries=0: the router retries, with its own backoff, budget and circuit breaker.
        import anthropic  # loaded only when the provider is configured (a second or two)

        self._sdk = anthropic
        self._client = anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0)

    def _params(self, messages: Sequence[Message], max_tokens: int, timeout: float) -> dict[str, Any]:
        system, turns = to_anthropic(messages)
        params: dict[str, Any] = {"model": self.model, "messages": turns, "max_tokens": max_tokens,
                                  "timeout": timeout}
        if system:
            params["system"] = system
        return params

    def chat(self, messages: Sequence[Message], *, timeout: float, max_tokens: int, json_mode: bool) -> Reply:
        """One answer (the text blocks joined); `json_mode` needs nothing extra here."""
        with translating(self._sdk, self.name):
            message = self._client.messages.create(**self._params(messages, max_tokens, timeout))
        text = "".join(block.text for block in message.content if block.type == "text")
        return Reply(text, message.model or self.model, message.usage.input_tokens, message.usage.output_tokens)

    def stream(self, messages: Sequence[Message], *, timeout: float, max_tokens: int) -> ProviderStream:
        """A streamed answer from the raw event stream: text deltas; usage from message_start / message_delta."""
        with translating(self._sdk, self.name):
            events = self._client.messages.create(**self._params(messages, max_tokens, timeout), stream=True)

        def deltas(out: ProviderStream) -> Iterator[str]:
            with translating(self._sdk, self.name):
                for event in events:
                    if event.type == "message_start":
                        out.model = event.message.model or out.model
                        out.input_tokens = event.message.usage.input_tokens
                        out.output_tokens = event.message.usage.output_tokens
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        yield event.delta.text
                    elif event.type == "message_delta":
                        out.output_tokens = event.usage.output_tokens  # cumulative, per the API

        return ProviderStream(self.model, deltas, events.close)
