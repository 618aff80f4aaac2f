"""Token usage and cost: per call (`Usage`, on every result) and per request (`UsageLedger`, passed in by the
caller)."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from server.llm.pricing import cost_usd


@dataclass(frozen=True)
class Usage:
    """Tokens and dollars spent; `calls` counts provider answers that reported usage. Add two with `+`."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0

    @classmethod
    def of(cls, model: str, input_tokens: int, output_tokens: int) -> "Usage":
        """The usage of one provider answer, priced by `model`."""
        return cls(input_tokens, output_tokens, cost_usd(model, input_tokens, output_tokens), 1)

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens,
                     self.cost_usd + other.cost_usd, self.calls + other.calls)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class UsageEntry:
    """One provider answer in a ledger."""

    provider: str
    model: str
    kind: str  # the call kind: "classify", "synthesis", …
    usage: Usage


class UsageLedger:
    """Everything one request spent across its LLM calls. Create one per request and pass it to every call;
    safe to share between the greenlets/threads of one request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[UsageEntry] = []

    def add(self, provider: str, model: str, kind: str, usage: Usage) -> None:
        """Record one provider answer."""
        with self._lock:
            self._entries.append(UsageEntry(provider, model, kind, usage))

    @property
    def entries(self) -> list[UsageEntry]:
        """A copy of the recorded answers, in order."""
        with self._lock:
            return list(self._entries)

    @property
    def total(self) -> Usage:
        """The sum of every recorded answer."""
        total = Usage()
        for entry in self.entries:
            total = total + entry.usage
        return total
