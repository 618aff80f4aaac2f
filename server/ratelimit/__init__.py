"""Rate limits: token buckets in Redis (`bucket`), per-user request limits by tier (`limiter`).

The web faces count requests through `server/faces/limits.py`; sync jobs meter their Google calls with the same
buckets through `workers/budget.py`.
"""
from server.ratelimit.bucket import Decision, TokenBucket
from server.ratelimit.limiter import READ, SIDE_EFFECT, RateLimited, RequestLimiter, Verdict

__all__ = ["Decision", "TokenBucket", "READ", "SIDE_EFFECT", "RateLimited", "RequestLimiter", "Verdict"]
