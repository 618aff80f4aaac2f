"""Run one Google request with retries: exponential backoff with ±25% jitter, honouring Retry-After.

Only `rate_limited` and `unavailable` are retried; 400/401/403/404 fail at once (retrying repeats the mistake or
hammers a revoked grant). Inside `metered(charge)` every attempt is first charged to a budget (a sync job's
per-user Google budget, workers/budget.py); `cost` is the number of API calls the request stands for (a batch's
sub-requests).
"""
from __future__ import annotations

import contextlib
import logging
import random
import time
from contextvars import ContextVar
from typing import Any, Callable, Iterator

from server.google.errors import GoogleError, classify
from server.resilience.backoff import backoff_delay

log = logging.getLogger(__name__)
_meter: ContextVar[Callable[[int], None] | None] = ContextVar("google_call_meter", default=None)


@contextlib.contextmanager
def metered(charge: Callable[[int], None]) -> Iterator[None]:
    """Within the block, `execute` calls `charge(cost)` before each attempt."""
    token = _meter.set(charge)
    try:
        yield
    finally:
        _meter.reset(token)


def execute(request: Any, *, cost: int = 1, retries: int = 4, base: float = 0.5, cap: float = 32.0,
            sleep: Callable[[float], None] = time.sleep, rng: Callable[[], float] = random.random) -> Any:
    """`request.execute()` with retries; raises GoogleError (classified) when it gives up."""
    attempt = 0
    while True:
        charge = _meter.get()
        if charge is not None:
            charge(cost)
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
