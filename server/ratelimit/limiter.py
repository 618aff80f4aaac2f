"""Per-user request limits by tier (the design's free 100/h, pro 1,000/h, enterprise 10,000/h).

Each person has one token bucket in Redis holding their tier's hourly allowance and refilled continuously at
allowance/hour, so a free user may send 100 requests at once and then one every 36 seconds. Every request that
does work takes one token; with none left the answer is 429 `rate_limited` with the catalogue's message and
`retry_after` (and a Retry-After header from the face).

When Redis cannot be reached the limiter fails *open for reads* (searching and asking go on; a warning is logged
at most once per interval, not per request) and *closed for side effects* (confirm, cancel, undo, sync now are
refused with 503 until Redis is back), so an outage never lets changes run unmetered. After a failure Redis is
not asked again for a short while, so a dead Redis costs requests nothing.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Mapping

import redis

from server import catalogue
from server.errors import ApiError
from server.ratelimit.bucket import TokenBucket
from server.store.users import User

log = logging.getLogger(__name__)

READ, SIDE_EFFECT = "read", "side_effect"
WINDOW_SECONDS = 3600  # the tiers are allowances per hour
KEY_PREFIX = "wo:rl"
# Said instead of 429 when a side effect cannot be metered because Redis is down.
PAUSED_RETRY_SECONDS = 5


@dataclass(frozen=True)
class Verdict:
    """A counted request: its tier's limit, what is left, and seconds until the bucket is full again."""

    limit: int
    remaining: int
    reset_after: int

    def headers(self) -> dict[str, str]:
        """The X-RateLimit-* headers of a counted response."""
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset_after)}


class RequestLimiter:
    """Counts requests per user against their tier's bucket (one per web process; thread- and greenlet-safe)."""

    def __init__(self, connection: redis.Redis, tiers: Mapping[str, int], *, down_for: float = 1.0,
                 log_every: float = 30.0, clock=time.monotonic) -> None:
        if "free" not in tiers:
            raise ValueError("the tiers must include 'free' (the default tier)")
        self.bucket = TokenBucket(connection, KEY_PREFIX)
        self.tiers = dict(tiers)
        self.down_for = down_for
        self.log_every = log_every
        self._clock = clock
        self._down_until = 0.0
        self._last_logged = -math.inf
        self._unlogged = 0
        self._lock = threading.Lock()

    def limit_for(self, user: User) -> int:
        """Requests per hour for the user's tier (an unknown tier counts as free)."""
        return self.tiers.get(user.tier, self.tiers["free"])

    def check(self, user: User, kind: str) -> Verdict | None:
        """Count one request of `kind` (READ or SIDE_EFFECT) for `user`.

        Returns the verdict for the response headers, or None when Redis is unreachable and a read goes through
        uncounted. Raises ApiError 429 over the limit (details: `retry_after`, and `verdict` for the headers),
        and ApiError 503 for a side effect while Redis is unreachable.
        """
        if kind not in (READ, SIDE_EFFECT):
            raise ValueError(f"unknown request kind {kind!r}")
        limit = self.limit_for(user)
        decision = None
        if self._clock() >= self._down_until:
            try:
                decision = self.bucket.take(str(user.id), limit, limit / WINDOW_SECONDS)
            except redis.RedisError as exc:
                self._note_down(exc)
        if decision is None:
            if kind == READ:
                return None
            raise ApiError.of("changes_paused", retry_after=PAUSED_RETRY_SECONDS)
        verdict = Verdict(limit, max(0, math.floor(decision.remaining)), math.ceil(decision.reset_after))
        if not decision.allowed:
            retry_after = max(1, math.ceil(decision.retry_after))
            raise RateLimited(catalogue.message("rate_limited"), retry_after, verdict)
        return verdict

    def _note_down(self, exc: Exception) -> None:
        """Remember Redis is unreachable for a moment; log it at most once per `log_every` seconds."""
        now = self._clock()
        with self._lock:
            self._down_until = now + self.down_for
            self._unlogged += 1
            if now - self._last_logged < self.log_every:
                return
            self._last_logged, count, self._unlogged = now, self._unlogged, 0
        log.warning("rate limiter cannot reach Redis: reads go through uncounted, side effects are refused",
                    extra={"error": str(exc)[:200], "failures_since_last_log": count})


class RateLimited(ApiError):
    """429 with the catalogue's message; carries the verdict so the face can still send the X-RateLimit-* headers."""

    def __init__(self, message: str, retry_after: int, verdict: Verdict) -> None:
        super().__init__(429, "rate_limited", message, retry_after=retry_after)
        self.verdict = verdict
        self.retry_after = retry_after
