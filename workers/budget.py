"""Each person's Google budget: how many Google API calls their sync jobs may make, so that one person's big
mailbox cannot starve everybody else's syncs (or spend the project's whole Google quota).

The budget is a token bucket in Redis per person (`server/ratelimit/bucket.py`): `GOOGLE_BUDGET_BURST` calls at
once, refilled at `GOOGLE_BUDGET_PER_SECOND`. Every Google call a sync makes is *charged* as it is made (a batch
of 50 `messages.get` costs 50), and may leave the budget in debt: a call already under way is never refused. At
each *checkpoint* (a write batch of a Gmail or Drive sync has been committed with its position; the start of a
job) the job *checks* the balance, and when it is spent raises `BudgetExhausted` with the seconds until it is
positive again. The sync job then queues itself again for that moment (`workers/sync.py`) and frees its worker, so
other people's jobs run in between; the next run resumes from the checkpoint. Work between two checkpoints always
finishes once started, so a sync larger than the burst still progresses.

Redis unreachable: the budget fails open (calls go ahead unmetered; a warning at most once per interval).
"""
from __future__ import annotations

import logging
import math
import threading
import time
import uuid

import redis

from server.config import Config
from server.ratelimit.bucket import Decision, TokenBucket

log = logging.getLogger(__name__)

KEY_PREFIX = "wo:gbudget"
LOG_EVERY_SECONDS = 30.0
_log_lock = threading.Lock()
_last_logged = -math.inf


class BudgetExhausted(Exception):
    """The person's Google budget is spent: stop at this checkpoint and carry on in `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"Google budget spent; resume in {retry_after:.1f} s")
        self.retry_after = retry_after


def _warn_unmetered(exc: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    with _log_lock:
        if now - _last_logged < LOG_EVERY_SECONDS:
            return
        _last_logged = now
    log.warning("google budget cannot reach Redis: sync calls go ahead unmetered", extra={"error": str(exc)[:200]})


class GoogleBudget:
    """One person's Google-call budget."""

    def __init__(self, connection: redis.Redis, user_id: uuid.UUID | str, per_second: float, burst: int) -> None:
        self.bucket = TokenBucket(connection, KEY_PREFIX)
        self.user_id = str(user_id)
        self.per_second = per_second
        self.burst = burst
        self.charged = 0  # calls charged through this object (a job's own count, for its log line)

    @classmethod
    def for_user(cls, connection: redis.Redis, config: Config, user_id: uuid.UUID | str) -> "GoogleBudget":
        """The budget of `user_id` with the configured rate and burst."""
        return cls(connection, user_id, config.google_budget_per_second, config.google_budget_burst)

    def _take(self, cost: int, force: bool) -> Decision | None:
        try:
            return self.bucket.take(self.user_id, self.burst, self.per_second, cost, force=force)
        except redis.RedisError as exc:
            _warn_unmetered(exc)
            return None

    def charge(self, cost: int = 1) -> None:
        """Charge `cost` calls that are being made now (never refuses; may leave the budget in debt)."""
        self.charged += cost
        self._take(cost, force=True)

    def check(self) -> None:
        """At a checkpoint: raise BudgetExhausted when the budget is in debt (spent), else return."""
        decision = self._take(0, force=False)
        if decision is not None and not decision.allowed:
            raise BudgetExhausted(decision.retry_after)

    def balance(self) -> float | None:
        """Calls left now (negative: in debt), or None when Redis cannot be reached."""
        decision = self._take(0, force=True)
        return None if decision is None else decision.remaining
