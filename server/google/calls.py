"""Run one Google request with retries: exponential backoff with ±25% jitter, honouring Retry-After, behind the
service's circuit breaker (`breakers.py`).

Only `rate_limited` and `unavailable` are retried; 400/401/403/404 fail at once (retrying repeats the mistake or
hammers a revoked grant). A call whose breaker is open fails at once with `unavailable` and makes no request.
Inside `metered(charge)` every attempt is first charged to a budget (a sync job's per-user Google budget,
workers/budget.py); `cost` is the number of API calls the request stands for (a batch's sub-requests).
"""
from __future__ import annotations

import contextlib
import logging
import random
import time
from contextvars import ContextVar
from typing import Any, Callable, Iterator

from server.google import breakers
from server.google.errors import classify
from server.resilience.backoff import backoff_delay
from server.resilience.breaker import BreakerState

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
            max_wait: float | None = None, service: str | None = None, sleep: Callable[[float], None] = time.sleep,
            rng: Callable[[], float] = random.random) -> Any:
    """`request.execute()` with retries; raises GoogleError (classified) when it gives up.

    `service` names the breaker (default: from the request's discovery method id; none for an unknown one).
    `max_wait` is the longest single pause accepted: a person waiting on a write would rather hear "try again in
    a minute" than watch a spinner for what Retry-After asks (None: any pause up to `cap`, as syncs do).
    """
    service = service or breakers.service_of(request)
    breaker = breakers.breaker(service) if service else None
    if breaker is not None and not breaker.allow():
        raise breakers.open_error(service)  # type: ignore[arg-type]
    attempt = 0
    while True:
        charge = _meter.get()
        if charge is not None:
            charge(cost)
        try:
            result = request.execute(num_retries=0)
        except Exception as exc:
            error = classify(exc)
            if error is None:
                raise
            delay = backoff_delay(attempt, base, cap, error.retry_after, rng)
            # Stop retrying once other calls have opened the breaker: the service is down for everyone.
            if (error.retryable and attempt < retries and (max_wait is None or delay <= max_wait)
                    and (breaker is None or breaker.state is not BreakerState.OPEN)):
                log.info("google call retried", extra={"kind": error.kind, "status": error.status,
                                                       "attempt": attempt + 1, "delay_s": round(delay, 2)})
                sleep(delay)
                attempt += 1
                continue
            breakers.record(service, error)
            raise error from exc
        breakers.record(service, None)
        return result
