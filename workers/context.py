"""What a job needs (config, database pool, Redis, the embedder), made once per worker process.

It is the same bundle the web app keeps per process (`server.services.Services`); jobs call it a JobContext.
"""
from __future__ import annotations

import os
from typing import Any

from server.config import Config
from server.queue import redis_client
from server.services import Services
from server.store.pool import make_pool

JobContext = Services

_context: JobContext | None = None
_pid: int | None = None


def use(ctx: JobContext | None) -> None:
    """Install the context jobs of this process use (tests and benchmarks; None to forget it)."""
    global _context, _pid
    _context, _pid = ctx, os.getpid() if ctx else None


def from_config(config: Config, embedder: Any = None) -> JobContext:
    """A context for `config` (URLs required); `embedder` replaces the configured model (tests)."""
    config.require_urls()
    return JobContext(config, make_pool(config.database_url or "", 1, 4, name="jobs"),
                      redis_client(config.redis_url or "", timeout=30), embedder)


def context() -> JobContext:
    """This process's context, created from the environment on first use (a forked process makes its own)."""
    global _context, _pid
    if _context is None or _pid != os.getpid():
        _context, _pid = from_config(Config.from_env()), os.getpid()
    return _context
