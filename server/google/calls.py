"""Run one Google request with retries: exponential backoff with ±25% jitter, honouring Retry-After.

Only `rate_limited` and `unavailable` are retried; 400/401/403/404 fail at once (retrying repeats the mistake or
hammers a revoked grant).
"""
from __future__ import annotations

import logging
import random
import time
from typing import Any, Callable

from server.google.errors import GoogleError, classify
from server.resilience.backoff import backoff_delay

log = logging.getLogger(__name__)


def execute(request: Any, *, retries: int = 4, base: float = 0.5, cap: float = 32.0,
            sleep: Callable[[float], None] = time.sleep, rng: Callable[[], float] = random.random) -> Any:
    """`request.execute()` with retries; raises GoogleError (classified) when it gives up."""
    attempt = 0
    while True:
        try:
            return request.execute(num_retries=0)
        except Exception as exc:
            error = classify(exc)
            if error is None:
                raise
            if not error.retryable or attempt >= retries:
                raise error from exc
            delay = backoff_delay(attempt, base, cap, error.retry_after, rng)
            log.info("google call retried", extra={"kind": error.kind, "status": error.status,
                                                   "attempt": attempt + 1, "delay_s": round(delay, 2)})
            sleep(delay)
            attempt += 1
