"""A token bucket in Redis, refilled by elapsed time, taken from atomically by one Lua script.

A bucket holds at most `capacity` tokens and gains `rate` tokens a second. Taking `cost` tokens succeeds when the
bucket holds at least that many; a refused take changes nothing and says how long until it would succeed. A
*forced* take always succeeds and may leave the bucket in debt (negative): the Google budget charges calls that
are already under way that way, and the job checks the balance at its next checkpoint (`workers/budget.py`).

The whole read-refill-take-write runs inside Redis as one script, so concurrent requests of one user on any
number of web processes never both take the last token. The clock is Redis's own (`TIME`), so processes whose
clocks differ agree; tests pass `now` to check the arithmetic exactly.

State: a hash `{tokens, ts}` per key, expiring once the bucket would be full again (an idle user costs nothing).
"""
from __future__ import annotations

from dataclasses import dataclass

import redis

# KEYS[1]: the bucket. ARGV: capacity, rate (tokens/s), cost, force (1/0), now (seconds, or "" for Redis TIME).
# Returns {allowed (1/0), tokens left, seconds until the take would succeed, seconds until full} — floats as
# strings, since Redis truncates Lua numbers to integers.
TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local force = ARGV[4] == '1'
local now
if ARGV[5] ~= nil and ARGV[5] ~= '' then
    now = tonumber(ARGV[5])
else
    local t = redis.call('TIME')
    now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
    tokens = capacity
    ts = now
end
if now > ts then
    tokens = math.min(capacity, tokens + (now - ts) * rate)
    ts = now
end
local allowed = 0
local wait = 0
if force or tokens >= cost then
    tokens = tokens - cost
    allowed = 1
else
    wait = (cost - tokens) / rate
end
if force and tokens < 0 then
    wait = -tokens / rate
end
local full = (capacity - tokens) / rate
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(full * 1000) + 1000)
return {allowed, tostring(tokens), tostring(wait), tostring(full)}
"""


@dataclass(frozen=True)
class Decision:
    """What one take did: whether it was allowed, what is left, and how long until a refused take (or, after a
    forced one, a positive balance) would succeed and until the bucket is full again."""

    allowed: bool
    remaining: float
    retry_after: float
    reset_after: float


class TokenBucket:
    """Token buckets of one kind (one key prefix) on a Redis connection."""

    def __init__(self, connection: redis.Redis, prefix: str) -> None:
        self.connection = connection
        self.prefix = prefix
        self._script = connection.register_script(TAKE_SCRIPT)

    def key(self, name: str) -> str:
        """The Redis key of the bucket called `name` (a user id)."""
        return f"{self.prefix}:{name}"

    def take(self, name: str, capacity: float, rate: float, cost: float = 1.0, *, force: bool = False,
             now: float | None = None) -> Decision:
        """Take `cost` tokens from bucket `name` (refilled first); raises redis.RedisError when Redis fails."""
        if capacity <= 0 or rate <= 0:
            raise ValueError("a bucket needs a positive capacity and rate")
        raw = self._script(keys=[self.key(name)],
                           args=[repr(float(capacity)), repr(float(rate)), repr(float(cost)), "1" if force else "0",
                                 "" if now is None else repr(float(now))])
        allowed, remaining, wait, full = raw
        return Decision(bool(int(allowed)), float(remaining), float(wait), float(full))

    def reset(self, name: str) -> None:
        """Forget bucket `name` (it starts full again)."""
        self.connection.delete(self.key(name))
