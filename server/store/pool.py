"""The PostgreSQL connection pool of a process.

When PostgreSQL goes away (a restart, a failover, a network cut) requests must not pile up behind a pool that
cannot connect: once an attempt to open a connection has failed, a checkout that finds no healthy connection
fails within `FAIL_FAST_SECONDS` with `DatabaseUnavailable` (the faces answer 503) instead of waiting out the
pool's timeout. Dead pooled connections are found on checkout (`check`) and replaced, so the first requests after
the server is back get fresh connections with no manual step.
"""
from __future__ import annotations

import logging
import select
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import psycopg
from psycopg import pq
from psycopg_pool import ConnectionPool, PoolTimeout

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


FAIL_FAST_SECONDS = 0.5  # how long a checkout waits while the server is known to be unreachable
WAIT_SLICE_SECONDS = 1.0  # a checkout waiting for a busy pool looks this often whether the server went away


class DatabaseUnavailable(PoolTimeout):
    """No connection: the pool's last attempt to connect to PostgreSQL failed (it keeps trying in the background)."""


class Reachability:
    """Whether the pool's last attempt to open a connection failed, and why (set by the pool's connections)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self.error = ""

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            if self.down_since is None:
                self.down_since = time.monotonic()
                log.warning("postgresql unreachable", extra={"error": str(exc)[:200]})
            self.error = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__

    def succeeded(self) -> None:
        with self._lock:
            if self.down_since is not None:
                log.info("postgresql reachable again",
                         extra={"down_s": round(time.monotonic() - self.down_since, 2)})
            self.down_since = None


def _tracking(reachability: Reachability) -> type[psycopg.Connection[Any]]:
    """A connection class that tells `reachability` how each attempt to connect went."""

    class TrackedConnection(psycopg.Connection):  # type: ignore[type-arg]
        @classmethod
        def connect(cls, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            try:
                conn = super().connect(*args, **kwargs)
            except psycopg.OperationalError as exc:
                reachability.failed(exc)
                raise
            reachability.succeeded()
            return conn

    return TrackedConnection


class AppPool(ConnectionPool):
    """A ConnectionPool whose checkouts fail fast (DatabaseUnavailable) while PostgreSQL is unreachable."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.reachability = Reachability()
        super().__init__(*args, connection_class=_tracking(self.reachability), **kwargs)

    def getconn(self, timeout: float | None = None) -> Any:
        """A checked connection within `timeout` (default: the pool's); DatabaseUnavailable as soon as the
        server is known to be unreachable and no healthy connection turns up within FAIL_FAST_SECONDS."""
        total = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + total
        while True:
            # Wait in slices so that a server that goes away while we wait is noticed; while it is known to
            # be away, one short slice decides.
            step = FAIL_FAST_SECONDS if self.reachability.down else WAIT_SLICE_SECONDS
            try:
                return super().getconn(max(0.0, min(step, deadline - time.monotonic())))
            except PoolTimeout:
                if self.reachability.down:
                    raise DatabaseUnavailable(f"PostgreSQL is unreachable ({self.reachability.error})") from None
                if time.monotonic() >= deadline:
                    raise PoolTimeout(f"couldn't get a connection after {total:.2f} sec") from None


def make_pool(database_url: str, min_size: int = 1, max_size: int = 10, name: str = "app") -> ConnectionPool:
    """Open a pool that reconnects on its own after a server restart (connections are checked on checkout) and
    fails checkouts fast while the server is unreachable."""
    pool = AppPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        name=name,
        configure=_configure,
        check=check,
        open=False,
        # Fail a checkout after 10 s rather than hang a request forever when the database is gone.
        timeout=10.0,
        reconnect_timeout=5.0,
    )
    pool.open(wait=False)
    return pool
