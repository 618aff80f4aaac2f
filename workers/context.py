"""What a job needs (config, database pool, Redis, the embedder), made once per worker process."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

import redis
from psycopg_pool import ConnectionPool

from server.config import Config
from server.embeddings import Embedder, make_embedder
from server.queue import redis_client
from server.store.pool import make_pool


@dataclass
class JobContext:
    """Per-process resources shared by the jobs a worker runs."""

    config: Config
    pool: ConnectionPool
    redis: redis.Redis
    _embedder: Embedder | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (the sync jobs never need it)."""
        with self._lock:
            if self._embedder is None:
                self._embedder = make_embedder(self.config)
            return self._embedder


_context: JobContext | None = None
_pid: int | None = None


def use(ctx: JobContext | None) -> None:
    """Install the context jobs of this process use (tests and benchmarks; None to forget it)."""
    global _context, _pid
    _context, _pid = ctx, os.getpid() if ctx else None


def from_config(config: Config, embedder: Any = None) -> JobContext:
    """A context for `config` (URLs required)."""
    config.require_urls()
    return JobContext(config, make_pool(config.database_url or "", 1, 4, name="jobs"),
                      redis_client(config.redis_url or "", timeout=30), embedder)


def context() -> JobContext:
    """This process's context, created from the environment on first use (a forked process makes its own)."""
    global _context, _pid
    if _context is None or _pid != os.getpid():
        _context, _pid = from_config(Config.from_env()), os.getpid()
    return _context
