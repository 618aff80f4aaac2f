"""Enqueueing sync work so that duplicates collapse.

A push, a click on "sync now" and the scheduler can all ask for the same (user, service) delta sync at once.
At most one such job waits in the queue: a `pending` marker (SET NX, with a TTL as a safety net) is taken when
the job is enqueued and released when the job *starts*, so a push that arrives while a sync is running still
gets a sync after it (it may carry changes the running one has already passed).
"""
from __future__ import annotations

import uuid
from datetime import timedelta

import redis
from rq import Queue, Retry
from rq.job import Job

from server.queue import job_meta
from workers.runner import CONTINUATION

SERVICES = ("gmail", "calendar", "drive")
KINDS = ("delta", "full")  # of sync
# A queued job older than this is assumed lost (e.g. Redis flushed); the next request may enqueue again.
PENDING_TTL_SECONDS = 3600
JOB_TIMEOUT_SECONDS = {"delta": 600, "full": 6 * 3600, "embed": 6 * 3600}


def pending_key(kind: str, user_id: uuid.UUID | str, service: str) -> str:
    """The marker that says such a job is already waiting in a queue."""
    return f"wo:pending:{kind}:{user_id}:{service}"


def _enqueue_once(connection: redis.Redis, kind: str, user_id: uuid.UUID | str, service: str, func: str,
                  queue: str, delay: float | None = None) -> Job | None:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    key = pending_key(kind, user_id, service)
    if not connection.set(key, "1", nx=True, ex=PENDING_TTL_SECONDS):
        return None
    options = dict(job_timeout=JOB_TIMEOUT_SECONDS[kind],
                   # A crashed or killed worker's job is retried; every job here is idempotent.
                   retry=Retry(max=3, interval=[10, 60, 300]),
                   description=f"{kind} {service} {user_id}")
    try:
        if delay is not None:
            return Queue(queue, connection=connection).enqueue_in(timedelta(seconds=delay), func, str(user_id),
                                                                  service, meta={**job_meta(), CONTINUATION: True},
                                                                  **options)
        return Queue(queue, connection=connection).enqueue(func, str(user_id), service, meta=job_meta(), **options)
    except Exception:
        connection.delete(key)
        raise


def enqueue_sync(connection: redis.Redis, user_id: uuid.UUID | str, service: str, kind: str = "delta",
                 queue: str = "sync") -> Job | None:
    """Queue `kind` sync of `service` for the user unless one is already waiting; returns the new job or None."""
    if kind not in KINDS:
        raise ValueError(f"unknown sync kind {kind!r}")
    func = "workers.sync.run_delta_sync" if kind == "delta" else "workers.sync.run_full_sync"
    return _enqueue_once(connection, kind, user_id, service, func, queue)


def enqueue_sync_in(connection: redis.Redis, user_id: uuid.UUID | str, service: str, kind: str, queue: str,
                    delay: float) -> Job | None:
    """Queue `kind` sync of `service` to start in `delay` seconds (RQ's scheduler, which every worker runs, moves
    it to the queue then) unless one is already waiting: a sync that spent its person's Google budget continues
    this way (workers/sync.py). Returns the new job or None."""
    if kind not in KINDS:
        raise ValueError(f"unknown sync kind {kind!r}")
    func = "workers.sync.run_delta_sync" if kind == "delta" else "workers.sync.run_full_sync"
    return _enqueue_once(connection, kind, user_id, service, func, queue, delay=max(0.0, delay))


def enqueue_embed(connection: redis.Redis, user_id: uuid.UUID | str, service: str) -> Job | None:
    """Queue the embedding of the user's new items in `service` (on the `embed` queue) unless already waiting."""
    return _enqueue_once(connection, "embed", user_id, service, "workers.embed.run_embed", "embed")


def release_pending(connection: redis.Redis, kind: str, user_id: uuid.UUID | str, service: str) -> None:
    """Called by a sync job as it starts: later requests for the same sync queue a new job."""
    connection.delete(pending_key(kind, user_id, service))
