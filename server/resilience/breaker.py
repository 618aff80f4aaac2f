"""A circuit breaker: stop calling a dependency that keeps failing, try it again once after a pause.

closed ── `threshold` consecutive failures ──> open ── `reset_after` seconds ──> half_open
half_open: exactly one trial call is let through; its success closes the breaker, its failure re-opens it.

The clock is injectable so tests move time instead of sleeping. One breaker is shared by every request of a
process, so its state changes under a lock (re-entrant: an `on_change` hook may read `state`).
"""
from __future__ import annotations

import enum
import logging
import threading
import time
import weakref
from typing import Callable

log = logging.getLogger(__name__)


class BreakerState(str, enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


# Every breaker of the process, for /metrics and /readyz (weak: a breaker lives as long as its owner).
_ALL: "weakref.WeakSet[CircuitBreaker]" = weakref.WeakSet()
_ALL_LOCK = threading.Lock()


def all_breakers() -> list["CircuitBreaker"]:
    """The process's live breakers (LLM providers, Google services, caches), sorted by name."""
    with _ALL_LOCK:
        return sorted(_ALL, key=lambda b: b.name)


class CircuitBreaker:
    """Per-dependency breaker. Call `allow()` before a call, then `record_success()` or `record_failure()`.

    Every breaker registers itself in `all_breakers()` so metrics and readiness can show its state."""

    def __init__(self, name: str, threshold: int = 3, reset_after: float = 60.0,
                 clock: Callable[[], float] = time.monotonic,
                 on_change: Callable[[str, BreakerState, BreakerState], None] | None = None) -> None:
        if threshold < 1 or reset_after <= 0:
            raise ValueError("threshold must be ≥ 1 and reset_after > 0")
        self.name = name
        self.threshold = threshold
        self.reset_after = reset_after
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.RLock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_started: float | None = None  # when the half-open trial was let through
        with _ALL_LOCK:
            _ALL.add(self)

    @property
    def state(self) -> BreakerState:
        """The current state; an open breaker whose pause is over reads as half_open."""
        with self._lock:
            if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self.reset_after:
                self._move(BreakerState.HALF_OPEN)
            return self._state

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success (for metrics)."""
        return self._failures

    def seconds_until_trial(self) -> float:
        """How long until an open breaker lets a trial call through (0 when it is not open)."""
        with self._lock:
            if self._state is not BreakerState.OPEN:
                return 0.0
            return max(0.0, self.reset_after - (self._clock() - self._opened_at))

    def reconfigure(self, threshold: int, reset_after: float) -> None:
        """New settings, and a fresh start: closed, no failures counted (a process that builds its services again)."""
        if threshold < 1 or reset_after <= 0:
            raise ValueError("threshold must be ≥ 1 and reset_after > 0")
        with self._lock:
            self.threshold, self.reset_after = threshold, reset_after
            self._failures = 0
            if self._state is not BreakerState.CLOSED:
                self._move(BreakerState.CLOSED)

    def allow(self) -> bool:
        """May a call go through now? In half_open this hands out the single trial."""
        with self._lock:
            now = self._clock()
            if self._state is BreakerState.OPEN:
                if now - self._opened_at < self.reset_after:
                    return False
                self._move(BreakerState.HALF_OPEN)
            if self._state is BreakerState.HALF_OPEN:
                # A trial whose caller never reported back (crashed, abandoned stream) must not wedge the
                # breaker: after another pause a new trial is allowed.
                if self._trial_started is not None and now - self._trial_started < self.reset_after:
                    return False
                self._trial_started = now
            return True

    def record_success(self) -> None:
        """The dependency answered: close the breaker and forget earlier failures."""
        with self._lock:
            self._failures = 0
            self._trial_started = None
            if self._state is not BreakerState.CLOSED:
                self._move(BreakerState.CLOSED)

    def record_failure(self) -> None:
        """The dependency failed: count it, and open the breaker at the threshold or after a failed trial."""
        with self._lock:
            self._failures += 1
            self._trial_started = None
            if self._state is BreakerState.HALF_OPEN or (
                    self._state is BreakerState.CLOSED and self._failures >= self.threshold):
                self._opened_at = self._clock()
                self._move(BreakerState.OPEN)

    def _move(self, new: BreakerState) -> None:
        old, self._state = self._state, new
        if new is not BreakerState.HALF_OPEN:
            self._trial_started = None
        log.log(logging.WARNING if new is BreakerState.OPEN else logging.INFO, "circuit breaker %s", new.value,
                extra={"breaker": self.name, "from_state": old.value, "to_state": new.value,
                       "consecutive_failures": self._failures})
        if self._on_change is not None:
            self._on_change(self.name, old, new)
