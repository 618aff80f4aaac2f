"""What a request handler may use: the config and the process's connections, created once by the app factory."""
from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import current_app
from psycopg_pool import ConnectionPool

from server.config import Config


@dataclass
class Services:
    """Per-process singletons shared by every request of a web worker."""

    config: Config
    pool: ConnectionPool
    redis: redis.Redis

    def close(self) -> None:
        """Release the pool's connections and Redis sockets (app shutdown, tests)."""
        self.pool.close()
        self.redis.close()


def services() -> Services:
    """The Services of the current Flask app."""
    return current_app.extensions["wo"]
