"""Classification answers cached in Redis: the same prompt for the same schema is asked of a model once per TTL.

The key is provider-independent (the caller's messages and the schema name, not the model that answered), so
a cached answer from OpenAI serves while OpenAI is down. What is stored is the validated JSON object; it is
loaded through the caller's schema again on a hit (a schema that no longer accepts it makes it a miss).
A dead or slow Redis costs only the cache: errors are logged and a breaker stops asking it for a while.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Callable, Sequence

import redis

from server import metrics
from server.llm.provider import Message
from server.resilience.breaker import CircuitBreaker

log = logging.getLogger(__name__)

TTL_SECONDS = 300
PREFIX = "llm:classify:"
_UNAVAILABLE = object()  # what `_guarded` answers when Redis could not be asked


def cache_key(messages: Sequence[Message], schema_name: str) -> str:
    """`llm:classify:<sha256 of the schema name and the messages' roles and contents>`."""
    canonical = json.dumps({"schema": schema_name,
                            "messages": [[m["role"], m["content"]] for m in messages]},
                           ensure_ascii=False, separators=(",", ":"))
    return PREFIX + hashlib.sha256(canonical.encode()).hexdigest()


class ClassificationCache:
    """Get/put validated classification objects; never raises because of Redis."""

    def __init__(self, client: redis.Redis | None, ttl: int = TTL_SECONDS,
                 breaker: CircuitBreaker | None = None) -> None:
        self._client = client
        self._ttl = ttl
        self._breaker = breaker or CircuitBreaker("redis:llm-cache", threshold=3, reset_after=30.0)

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored entry `{"value", "provider", "model"}`, or None (miss, unreadable, or Redis unavailable).
        Counted in the metrics as a hit, a miss (absent or unreadable) or an error (Redis failed or its breaker
        is open)."""
        if self._client is None:
            return None
        raw = self._guarded("get", lambda c: c.get(key))
        if raw is _UNAVAILABLE:
            metrics.cache_lookup("llm_classification", "error")
            return None
        try:
            entry = json.loads(raw) if raw is not None else None
        except (TypeError, ValueError):
            entry = None
        valid = isinstance(entry, dict) and isinstance(entry.get("value"), dict)
        metrics.cache_lookup("llm_classification", "hit" if valid else "miss")
        return entry if valid else None

    def put(self, key: str, value: dict[str, Any], provider: str, model: str) -> None:
        """Store a validated object for the TTL."""
        payload = json.dumps({"value": value, "provider": provider, "model": model}, ensure_ascii=False)
        self._guarded("set", lambda c: c.set(key, payload, ex=self._ttl))

    def _guarded(self, op: str, call: Callable[[redis.Redis], Any]) -> Any:
        """`call(client)`, or _UNAVAILABLE when Redis cannot be asked (none, breaker open, or it failed)."""
        if self._client is None or not self._breaker.allow():
            return _UNAVAILABLE
        try:
            result = call(self._client)
        except redis.RedisError as exc:
            self._breaker.record_failure()
            log.warning("llm cache unavailable", extra={"op": op, "error": type(exc).__name__})
            return _UNAVAILABLE
        self._breaker.record_success()
        return result
