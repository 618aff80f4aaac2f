"""OpenAI chat completions through the official SDK (the primary provider)."""
from __future__ import annotations

from typing import Iterator, Sequence


from server.llm.errors import translating
from server.llm.provider import Message, ProviderStream, Reply


class OpenAIProvider:
    """Chat completions from OpenAI or any compatible endpoint (`base_url`)."""

    name = "openai"

    def __init__(self, api_key: str, model: str, base_url: str | None = None) -> None:
        self.model = model
        # max_retries=0: the router retries, with its own backoff, budget and circuit breaker.
        import openai  # loaded only when the provider is configured (a second or two)

        self._sdk = openai
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0)

    def chat(self, messages: Sequence[Message], *, timeout: float, max_tokens: int, json_mode: bool) -> Reply:
        """One answer; json_mode uses the API's JSON mode (the prompt must mention JSON, the router's does)."""
        extra = {"response_format": {"type": "json_object"}} if json_mode else {}
        with translating(self._sdk, self.name):
            response = self._client.chat.completions.create(
                model=self.model, messages=[dict(m) for m in messages],  # type: ignore[misc]
                max_completion_tokens=max_tokens, timeout=timeout, **extra)  # type: ignore[arg-type]
        text = (response.choices[0].message.content or "") if response.choices else ""
        usage = response.usage
        return Reply(text, response.model or self.model,
                     usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0)

    def stream(self, messages: Sequence[Message], *, timeout: float, max_tokens: int) -> ProviderStream:
        """A streamed answer; the last chunk carries the usage (stream_options.include_usage)."""
        with translating(self._sdk, self.name):
            chunks = self._client.chat.completions.create(
                model=self.model, messages=[dict(m) for m in messages],  # type: ignore[misc]
                max_completion_tokens=max_tokens, timeout=timeout, stream=True,
                stream_options={"include_usage": True})

        def deltas(out: ProviderStream) -> Iterator[str]:
            with translating(self._sdk, self.name):
                for chunk in chunks:
                    if chunk.model:
                        out.model = chunk.model
                    if chunk.usage is not None:
                        out.input_tokens = chunk.usage.prompt_tokens
                        out.output_tokens = chunk.usage.completion_tokens
                    for choice in chunk.choices:
                        if choice.delta.content:
                            yield choice.delta.content

        return ProviderStream(self.model, deltas, chunks.close)
