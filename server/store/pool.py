"""The PostgreSQL connection pool of a process."""
from __future__ import annotations

import logging

import psycopg
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)


def _configure(conn: psycopg.Connection) -> None:
    """Teach each new connection the pgvector type (absent until the first migration has run)."""
    from pgvector.psycopg import register_vector

    try:
        register_vector(conn)
    except psycopg.ProgrammingError:
        log.warning("pgvector type not found; run `python -m server.db migrate`")
    # register_vector reads the catalog inside a transaction; end it so the pool receives an idle connection.
    conn.rollback()


def make_pool(database_url: str, min_size: int = 1, max_size: int = 10, name: str = "app") -> ConnectionPool:
    """Open a pool that reconnects on its own after a server restart (connections are checked on checkout)."""
    pool = ConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        name=name,
        configure=_configure,
        check=ConnectionPool.check_connection,
        open=False,
        # Fail a checkout after 10 s rather than hang a request forever when the database is gone.
        timeout=10.0,
        reconnect_timeout=60.0,
    )
    pool.open(wait=False)
    return pool
