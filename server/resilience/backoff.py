"""Exponential backoff with ±25% jitter, never shorter than the server's Retry-After."""
from __future__ import annotations

import random
from typing import Callable


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None,
                  rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number `attempt` (0-based).

    base·2^attempt, capped at `cap`, times a factor in [0.75, 1.25) so clients that failed together do not
    retry together; a Retry-After the server gave wins when it is longer.
    """
    delay = min(cap, base * (2 ** attempt)) * (0.75 + 0.5 * rng())
    return max(delay, retry_after or 0.0)
