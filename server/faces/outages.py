"""What a request answers when PostgreSQL or Redis is gone: a quick 503 in the one JSON error shape, never a 500.

PostgreSQL: a checkout while the server is unreachable fails fast (`store.pool.DatabaseUnavailable`), a pool
saturated for its whole timeout gives `PoolTimeout`, and a query cut off mid-way (the server restarting under
it) raises `OperationalError`; all three are 503 with Retry-After. Nothing answers from elsewhere: PostgreSQL
holds every person's data, so without it there is nothing true to say.

Redis: reads never need it (caches are skipped, `sync/status` reads PostgreSQL); a side effect that must go
through the queue raises `QueueUnavailable` (503 `queue_unavailable`); a RedisError that escapes anywhere else is
503 `redis_unavailable`.

The words are the catalogue's (`database_unavailable`, `overloaded`, `queue_unavailable`, `redis_unavailable`).
"""
from __future__ import annotations

import logging

import psycopg
import redis
from flask import Flask, Response
from psycopg_pool import PoolTimeout

from server import catalogue
from server.errors import error_response
from server.store.pool import DatabaseUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2


class QueueUnavailable(Exception):
    """A side effect needed Redis (the job queue) and Redis did not answer."""


def unavailable(code: str) -> Response:
    """The 503 answer for the catalogue's `code`, with Retry-After."""
    return error_response(503, code, catalogue.message(code), headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def register(app: Flask) -> None:
    """Map the outage exceptions to 503 answers (more specific than the catch-all 500 handler)."""

    @app.errorhandler(psycopg.OperationalError)
    @app.errorhandler(DatabaseUnavailable)
    def _database(exc: Exception) -> Response:
        log.warning("database unavailable", extra={"error": type(exc).__name__, "detail": str(exc)[:200]})
        return unavailable("database_unavailable")

    @app.errorhandler(PoolTimeout)
    def _saturated(exc: Exception) -> Response:
        log.warning("database pool exhausted", extra={"detail": str(exc)[:200]})
        return unavailable("overloaded")

    @app.errorhandler(QueueUnavailable)
    def _queue(exc: Exception) -> Response:
        log.warning("sync queue unavailable", extra={"detail": str(exc)[:200]})
        return unavailable("queue_unavailable")

    @app.errorhandler(redis.RedisError)
    def _redis(exc: Exception) -> Response:
        log.warning("redis unavailable", extra={"error": type(exc).__name__, "detail": str(exc)[:200]})
        return unavailable("redis_unavailable")
