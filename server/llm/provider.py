"""The shape every LLM provider adapter has; the router only talks to this.

Messages are provider-independent: `{"role": "system" | "user" | "assistant", "content": str}`. Adapters raise
`ProviderError` (never an SDK exception) and make no retries of their own: the router owns retries.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Mapping, Protocol, Sequence

Message = Mapping[str, str]


@dataclass(frozen=True)
class Reply:
    """One complete (non-streamed) answer."""

    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0


class ProviderStream:
    """Text deltas of one streamed answer. `model` and the token counts are filled in as the provider reports
    them (complete once the iteration ends); `close()` releases the connection early."""

    def __init__(self, model: str, deltas: Callable[["ProviderStream"], Iterator[str]],
                 close: Callable[[], None]) -> None:
        self.model = model
        self.input_tokens = 0
        self.output_tokens = 0
        self._iterator = deltas(self)
        self._close = close

    def __iter__(self) -> Iterator[str]:
        return self._iterator

    def __next__(self) -> str:
        return next(self._iterator)

    def close(self) -> None:
        self._close()


class Provider(Protocol):
    """An LLM behind one SDK."""

    name: str  # "openai", "anthropic"
    model: str

    def chat(self, messages: Sequence[Message], *, timeout: float, max_tokens: int, json_mode: bool) -> Reply:
        """One answer; `json_mode` asks for a single JSON object where the API supports it."""
        ...

    def stream(self, messages: Sequence[Message], *, timeout: float, max_tokens: int) -> ProviderStream:
        """Open a streamed answer (HTTP errors raise here; later failures raise while iterating)."""
        ...
