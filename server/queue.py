"""The RQ port: Redis connections and the queues background work goes through."""
from __future__ import annotations

import redis
from rq import Queue

# Worked in this order by every worker: pushes and user-triggered syncs first, then scheduled syncs, then embedding.
QUEUE_NAMES: tuple[str, ...] = ("priority", "sync", "embed")


def redis_client(url: str, timeout: float = 5.0) -> redis.Redis:
    """A Redis client with bounded connect and read timeouts, so a dead Redis fails fast instead of hanging."""
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout,
                                health_check_interval=30)


def queues(connection: redis.Redis) -> list[Queue]:
    """The product's RQ queues, in priority order."""
    return [Queue(name, connection=connection) for name in QUEUE_NAMES]
