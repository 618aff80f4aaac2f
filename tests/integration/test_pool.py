"""The pool's checkout check: no round trip for a healthy connection, a dead one replaced without an error."""
from __future__ import annotations

import time
from typing import Iterator

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from server.store.pool import make_pool


@pytest.fixture
def pool(database_url: str) -> Iterator[ConnectionPool]:
    pool = make_pool(database_url, min_size=1, max_size=1, name="test")
    pool.wait()
    yield pool
    pool.close()


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the checks that cost a round trip."""
    calls: list[int] = []
    original = ConnectionPool.check_connection

    def counted(conn: psycopg.Connection) -> None:
        calls.append(1)
        original(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return calls


def _backend(pool: ConnectionPool) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT pg_backend_pid()").fetchone()[0]


def test_a_healthy_connection_is_handed_out_without_a_round_trip(pool, full_checks) -> None:
    first = _backend(pool)
    assert [_backend(pool) for _ in range(5)] == [first] * 5
    assert full_checks == []


def test_a_connection_the_server_ended_is_replaced_on_checkout(pool, full_checks, database_url) -> None:
    dead = _backend(pool)
    with psycopg.connect(database_url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 10000)", (dead,)).fetchone()[0]  # waits till gone
    replaced = _backend(pool)  # no error: the check saw the closed socket and the pool connected again
    assert replaced != dead and full_checks == [1]


def test_a_notification_waiting_on_a_live_connection_costs_one_check_and_no_error(pool, full_checks,
                                                                                 database_url) -> None:
    with pool.connection() as conn:
        conn.execute("LISTEN wo_test_pool")  # takes effect when the checkout commits
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    with psycopg.connect(database_url, autocommit=True) as other:
        other.execute("NOTIFY wo_test_pool")
    time.sleep(0.2)  # the notification reaches the idle connection's socket
    assert _backend(pool) == backend and full_checks == [1]


def test_a_single_read_on_an_idle_connection_opens_no_transaction(database_url) -> None:
    from psycopg import pq

    from server.store.pool import single_read

    with psycopg.connect(database_url) as conn:
        with single_read(conn):
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE and not conn.autocommit
        conn.execute("CREATE TEMP TABLE t (x int)")  # a transaction of the caller's...
        with single_read(conn):
            conn.execute("INSERT INTO t VALUES (1)")  # ...is joined, not committed
        assert conn.info.transaction_status == pq.TransactionStatus.INTRANS
        conn.rollback()
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("SELECT * FROM t")
