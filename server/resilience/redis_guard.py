"""Redis as an optional helper (a cache, the de-duplication store): a failure costs the help, never the request.

`RedisGuard(name).call(client, op, fn, default)` runs `fn(client)`; a RedisError is logged, counted against a
breaker (`redis:<name>`, one per Redis client, so two apps in one process do not share one) and answered with
`default`. While the breaker is open the guard does not even try: a dead Redis costs nothing per request, and
after `reset_after` seconds one trial call finds out whether it is back.
"""
from __future__ import annotations

import logging
import threading
import weakref
from typing import Callable, TypeVar

import redis

from server.resilience.breaker import CircuitBreaker

log = logging.getLogger(__name__)
T = TypeVar("T")


class RedisGuard:
    """Guarded calls to one kind of optional Redis use."""

    def __init__(self, name: str, threshold: int = 3, reset_after: float = 10.0) -> None:
        self.name = name
        self.threshold = threshold
        self.reset_after = reset_after
        self._breakers: "weakref.WeakKeyDictionary[redis.Redis, CircuitBreaker]" = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def breaker(self, client: redis.Redis) -> CircuitBreaker:
        """The breaker of this use of `client`."""
        with self._lock:
            found = self._breakers.get(client)
            if found is None:
                found = self._breakers[client] = CircuitBreaker(f"redis:{self.name}", self.threshold,
                                                                self.reset_after)
            return found

    def available(self, client: redis.Redis | None) -> bool:
        """Whether a call would be tried now (hands out the half-open trial, like `allow`)."""
        return client is not None and self.breaker(client).allow()

    def call(self, client: redis.Redis | None, op: str, fn: Callable[[redis.Redis], T], default: T) -> T:
        """`fn(client)`, or `default` when there is no client, its breaker is open, or Redis fails."""
        if client is None:
            return default
        breaker = self.breaker(client)
        if not breaker.allow():
            return default
        try:
            result = fn(client)
        except redis.RedisError as exc:
            breaker.record_failure()
            log.warning("redis unavailable", extra={"use": self.name, "op": op, "error": type(exc).__name__})
            return default
        breaker.record_success()
        return result
