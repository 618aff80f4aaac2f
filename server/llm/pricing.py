"""What a model costs: list prices in US dollars per million tokens (input, output), in this one place.

Models are matched by the longest listed prefix, so dated snapshots ("gpt-4o-mini-2024-07-18") price like their
family. A model not listed costs 0 and is logged once, so a missing price is visible rather than silently wrong.
Update the table when prices change or a model is added.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)

PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    # OpenAI
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    # Anthropic
    "claude-haiku-4-5": (1.00, 5.00),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-sonnet-4": (3.00, 15.00),
    "claude-opus-4": (15.00, 75.00),
}

_unpriced_logged: set[str] = set()


def price_of(model: str) -> tuple[float, float] | None:
    """(input, output) dollars per million tokens for `model`, or None when it is not in the table."""
    matches = [prefix for prefix in PRICES_PER_MILLION if model.startswith(prefix)]
    return PRICES_PER_MILLION[max(matches, key=len)] if matches else None


def cost_usd(model: str, input_tokens: int, output_tokens: int) -> float:
    """Dollars for one call's tokens (0.0 for a model without a price)."""
    price = price_of(model)
    if price is None:
        if model not in _unpriced_logged:
            _unpriced_logged.add(model)
            log.warning("no price for model; its cost is counted as 0", extra={"model": model})
        return 0.0
    return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000
