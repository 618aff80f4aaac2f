"""The PostgreSQL connection pool of a process."""
from __future__ import annotations

import logging
import select
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import psycopg
from psycopg import pq
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)


def _original_poll() -> Callable[[], Any] | None:
    """select.poll as the OS gives it, even where gevent patched it (a zero-timeout poll never blocks)."""
    try:
        from gevent.monkey import get_original

        return get_original("select", "poll")
    except (ImportError, AttributeError):
        return getattr(select, "poll", None)


_poll = _original_poll()


def _configure(conn: psycopg.Connection) -> None:
    """Teach each new connection the pgvector type (absent until the first migration has run)."""
    from pgvector.psycopg import register_vector

    try:
        register_vector(conn)
    except psycopg.ProgrammingError:
        log.warning("pgvector type not found; run `python -m server.db migrate`")
    # register_vector reads the catalog inside a transaction; end it so the pool receives an idle connection.
    conn.rollback()


def check(conn: psycopg.Connection) -> None:
    """The pool's check on checkout, without a round trip when nothing can be wrong.

    An idle connection has nothing to read. When the server ends it (a restart, a terminated backend, a crash),
    the error message or the end of the stream makes its socket readable. So: socket quiet → the connection is
    fine as far as anything short of a query can tell (what ConnectionPool.check_connection's empty query would
    find, at the price of a round trip on every checkout); socket readable, or no poll here → run that check,
    which fails on a dead connection (the pool then replaces it) and consumes a harmless notice on a live one.
    """
    if _poll is not None and conn.pgconn.status == pq.ConnStatus.OK \
            and conn.pgconn.transaction_status == pq.TransactionStatus.IDLE:
        poller = _poll()
        poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
        if not poller.poll(0):
            return
    ConnectionPool.check_connection(conn)


@contextmanager
def single_read(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    """For one read-only statement: when `conn` has no transaction open, run it outside one.

    A pooled connection starts a transaction on its first statement (BEGIN, one round trip) and the pool commits
    it when the connection goes back (COMMIT, another): three round trips for one SELECT. One statement sees one
    consistent snapshot by itself, so it needs neither. Inside a transaction the statement simply joins it.
    """
    info = getattr(conn, "info", None)  # (a stand-in connection in a unit test has neither)
    if getattr(conn, "autocommit", True) or info is None or info.transaction_status != pq.TransactionStatus.IDLE:
        yield conn
        return
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.autocommit = False


def make_pool(database_url: str, min_size: int = 1, max_size: int = 10, name: str = "app") -> ConnectionPool:
    """Open a pool that reconnects on its own after a server restart (connections are checked on checkout)."""
    pool = ConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        name=name,
        configure=_configure,
        check=check,
        open=False,
        # Fail a checkout after 10 s rather than hang a request forever when the database is gone.
        timeout=10.0,
        reconnect_timeout=60.0,
    )
    pool.open(wait=False)
    return pool
