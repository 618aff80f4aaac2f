"""De-duplication of retried writes: the first answer to (user, request key) is kept in Redis for 5 minutes.

    claim = begin(client, user_id, scope, key, fingerprint)
    claim.state  # "run": do the work, then finish(...) or abandon(...)
                 # "running": the same request is being handled right now
                 # "done": claim.answer is the stored first answer
                 # "mismatch": the key was used for a different body
                 # "skipped": Redis is unavailable; the caller runs without de-duplication

A record is `{"state": "running"|"done", "fp", "status", "body", "content_type"}` under
`wo:idem:<user_id>:<sha256(scope, key)>`; the user id is part of the key, so one person's key never answers
another's request. A running marker expires after RUNNING_TTL_SECONDS (a process that died mid-request must not
block retries for long); a finished answer after TTL_SECONDS.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import redis

from server.resilience.redis_guard import RedisGuard

TTL_SECONDS = 300
RUNNING_TTL_SECONDS = 120
MAX_BODY_BYTES = 256 * 1024  # larger answers are not kept (none of the de-duplicated writes comes near)

_GUARD = RedisGuard("idempotency")
_FAILED: Any = object()  # what a guarded call answers when Redis did not


@dataclass
class Claim:
    """The outcome of `begin`."""

    state: str  # run | running | done | mismatch | skipped
    key: str = ""
    answer: dict[str, Any] | None = None


def record_key(user_id: uuid.UUID | str, scope: str, key: str) -> str:
    """The Redis key of one person's request key within `scope` (method and path)."""
    digest = hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()
    return f"wo:idem:{user_id}:{digest}"


def fingerprint(body: bytes) -> str:
    """What identifies the request's content (a reused key with another body is refused)."""
    return hashlib.sha256(body).hexdigest()


def begin(client: redis.Redis | None, user_id: uuid.UUID | str, scope: str, key: str, fp: str) -> Claim:
    """Claim the request key, or say why not (see the module docstring)."""
    name = record_key(user_id, scope, key)
    running = json.dumps({"state": "running", "fp": fp})
    for _ in range(2):  # a record that expires between SET NX and GET is claimed on the second pass
        claimed = _GUARD.call(client, "set", lambda c: c.set(name, running, nx=True, ex=RUNNING_TTL_SECONDS),
                              _FAILED)
        if claimed is _FAILED:
            return Claim("skipped", name)
        if claimed:
            return Claim("run", name)
        raw = _GUARD.call(client, "get", lambda c: c.get(name), _FAILED)
        if raw is _FAILED:
            return Claim("skipped", name)
        if raw is None:
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            return Claim("skipped", name)
        if record.get("fp") != fp:
            return Claim("mismatch", name)
        if record.get("state") == "done":
            return Claim("done", name, record)
        return Claim("running", name)
    return Claim("skipped", name)


def finish(client: redis.Redis | None, claim: Claim, fp: str, status: int, body: bytes, content_type: str) -> None:
    """Keep the answer of a request that did its work, for TTL_SECONDS (too large an answer is forgotten)."""
    if len(body) > MAX_BODY_BYTES:
        abandon(client, claim)
        return
    record = json.dumps({"state": "done", "fp": fp, "status": status, "body": body.decode("utf-8", "replace"),
                         "content_type": content_type})
    _GUARD.call(client, "set", lambda c: c.set(claim.key, record, ex=TTL_SECONDS), None)


def abandon(client: redis.Redis | None, claim: Claim) -> None:
    """Forget the claim (the request failed or did nothing worth replaying): a retry runs again."""
    _GUARD.call(client, "delete", lambda c: c.delete(claim.key), None)
