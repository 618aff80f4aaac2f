"""The RQ port: Redis connections and the queues background work goes through."""
from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from rq import Queue

from server.logs import request_id_var

# Worked in this order by every worker: pushes and user-triggered syncs first, then scheduled syncs, then embedding.
QUEUE_NAMES: tuple[str, ...] = ("priority", "sync", "embed")


def redis_client(url: str, timeout: float = 5.0) -> redis.Redis:
    """A Redis client that fails fast when Redis is gone: bounded timeouts and one quick retry.

    redis-py's default retries three times with backoff from 1 s, which turns a dead Redis into seconds of
    latency on every request; one retry after 50 ms still rides over a dropped idle connection.
    """
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout,
                                health_check_interval=30, retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1))


def queues(connection: redis.Redis) -> list[Queue]:
    """The product's RQ queues, in priority order."""
    return [Queue(name, connection=connection) for name in QUEUE_NAMES]


def job_meta() -> dict[str, str]:
    """Metadata for a job enqueued now: the id of the request enqueueing it, if any, so the job's log lines (which
    carry the job id as their request id) can be traced back to it (workers.runner logs it as `enqueued_by`)."""
    rid = request_id_var.get()
    return {"request_id": rid} if rid else {}
