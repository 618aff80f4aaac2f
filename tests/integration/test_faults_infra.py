"""Fault: Redis killed and restarted, PostgreSQL stopped and started, while clients keep asking — over real HTTP,
against servers of this module's own (the session's shared ones are never touched).

Redis down: searches, queries and sync status still answer 200 from PostgreSQL (without the caches), starting a
sync is a clear 503, a write with an Idempotency-Key still runs; nothing is a 500; once Redis is back the
caches fill again with no manual step.
PostgreSQL down: requests get a quick 503 JSON answer (no hang, no 500); once it is back the pool reconnects by
itself and requests succeed.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import redis
import requests

from server.app import create_app
from server.config import Config
from server.devinfra import EmbeddedPostgres, EmbeddedRedis
from server.store import migrations, users, workspace_cache
from server.sync.gmail_message import GmailRow
from tests.support.http_standin import serve

NOW = "2023-11-30T00:00:00Z"
# The background clients ask far more than a person's hourly allowance: these tests are about outages, not limits.
UNLIMITED = tuple((tier, 1_000_000) for tier in ("free", "pro", "enterprise"))
T0 = datetime(2023, 11, 30, tzinfo=timezone.utc)


@dataclass
class Seen:
    """One answer the background clients got."""

    at: float
    path: str
    status: int
    seconds: float
    error: str | None

    @property
    def end(self) -> float:
        return self.at + self.seconds


class Clients:
    """Background threads asking the server the same reads again and again, remembering every answer."""

    def __init__(self, base: str, requests_: list[Callable[[requests.Session, int], tuple[str, Any]]],
                 threads: int = 2) -> None:
        self.base, self.requests, self.seen = base, requests_, []  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(n,), daemon=True) for n in range(threads)]
        self._lock = threading.Lock()

    def _loop(self, worker: int) -> None:
        session = requests.Session()
        n = worker * 100_000
        while not self._stop.is_set():
            make = self.requests[n % len(self.requests)]
            n += 1
            started = time.monotonic()
            try:
                path, response = make(session, n)
            except requests.RequestException as exc:  # the server itself never stops: a failure here is a bug
                path, response = "?", exc
            took = time.monotonic() - started
            if isinstance(response, Exception):
                seen = Seen(started, path, 0, took, repr(response))
            else:
                body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") \
                    else {}
                seen = Seen(started, path, response.status_code, took, body.get("error"))
            with self._lock:
                self.seen.append(seen)
            time.sleep(0.02)

    def __enter__(self) -> "Clients":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def between(self, start: float, end: float) -> list[Seen]:
        """The answers to requests asked and answered within [start, end)."""
        with self._lock:
            return [s for s in self.seen if start <= s.at and s.end < end]


def seed(app: Any) -> None:
    with app.extensions["wo"].pool.connection() as conn:
        sam = users.upsert(conn, "sam@atlas.com")
        workspace_cache.upsert_messages(conn, sam.id, [GmailRow(
            f"m{i}", f"t{i}", f"Budget draft {i}", "nadia@atlas.com", "Nadia", [], "Numbers for the budget.",
            "Numbers for the budget.", ["INBOX"], False, False, received_at=T0 - timedelta(days=i + 1))
            for i in range(3)])


def search(session: requests.Session, n: int, base: str) -> tuple[str, requests.Response]:
    return "search", session.get(f"{base}/api/v1/search", params={"q": f"budget numbers {n}"}, timeout=30)


def query(session: requests.Session, n: int, base: str) -> tuple[str, requests.Response]:
    return "query", session.post(f"{base}/api/v1/query", json={"query": f"emails about the budget {n}",
                                                                "now": NOW}, timeout=30)


def status(session: requests.Session, n: int, base: str) -> tuple[str, requests.Response]:
    return "status", session.get(f"{base}/api/v1/sync/status", timeout=30)


def _kill(server: EmbeddedRedis) -> None:
    """SIGKILL redis-server (no clean shutdown), leaving the object ready to start it again on the same port."""
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(10)
    server.process, server.started = None, False
    (server.data_dir / "redis.pid").unlink(missing_ok=True)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis", persist=False)
    server.start()
    yield server
    server.stop()


def test_redis_killed_and_restarted_under_load(config: Config, own_redis: EmbeddedRedis) -> None:
    app = create_app(config.with_(redis_url=own_redis.url, ready_timeout=0.5, rate_limit_tiers=UNLIMITED))
    seed(app)
    cache = redis.Redis.from_url(own_redis.url)
    try:
        with serve(app) as base:
            ask = [lambda s, n: search(s, n, base), lambda s, n: query(s, n, base), lambda s, n: status(s, n, base)]
            with Clients(base, ask) as clients:
                time.sleep(2.0)
                assert cache.keys("emb:*"), "the query embeddings are cached while Redis is up"
                killed = time.monotonic()
                _kill(own_redis)
                time.sleep(0.5)
                sync = requests.post(f"{base}/api/v1/sync", json={}, timeout=10)
                ready = requests.get(f"{base}/readyz", timeout=10)
                created = requests.post(f"{base}/api/v1/conversations", json={"title": "During the outage"},
                                        headers={"Idempotency-Key": "during-outage-1"}, timeout=10)
                status_body = requests.get(f"{base}/api/v1/sync/status", timeout=10).json()
                time.sleep(2.0)
                restarted = time.monotonic()
                own_redis.start()
                # The caches skip a dead Redis for a while (a breaker), then try it again by themselves.
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and not cache.keys("emb:*"):
                    time.sleep(0.2)
                refilled = time.monotonic()
                time.sleep(0.5)
            after_sync = requests.post(f"{base}/api/v1/sync", json={}, timeout=10)
    finally:
        cache.close()
        app.extensions["wo"].close()

    assert refilled < deadline, "the embedding cache never came back after Redis restarted"
    every = clients.seen
    assert every and not [s for s in every if s.status != 200], \
        [(s.path, s.status, s.error) for s in every if s.status != 200][:5]
    during = clients.between(killed, restarted)
    assert {s.path for s in during} == {"search", "query", "status"}, "each read was asked during the outage"
    assert max(s.seconds for s in during) < 5.0
    # A side effect without Redis is refused: by the rate limiter (it fails closed for side effects) or, past it,
    # by the queue itself; either way a clear 503 that says reads still work.
    assert sync.status_code == 503 and sync.json()["error"] in ("changes_paused", "queue_unavailable")
    assert sync.headers["Retry-After"] and "searching and asking still work" in sync.json()["message"]
    assert ready.status_code == 503 and ready.json()["down"] == ["redis"]
    assert created.status_code == 201  # de-duplication fails open: the write itself needs no Redis
    assert status_body["queue"] == "unavailable" and status_body["services"]["gmail"]["queued"] is None
    assert after_sync.status_code == 202
    print(f"redis outage: {len(during)} reads answered, slowest {max(s.seconds for s in during):.2f} s; "
          f"cache back {refilled - restarted:.1f} s after the restart")


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path / "postgres", fast=True)
    migrations.migrate(server.start(), embedding_dim=384)
    yield server
    server.stop()


def test_postgres_restarted_under_load(config: Config, own_postgres: EmbeddedPostgres) -> None:
    app = create_app(config.with_(database_url=own_postgres.url, ready_timeout=0.5, rate_limit_tiers=UNLIMITED))
    seed(app)
    try:
        with serve(app) as base:
            ask = [lambda s, n: search(s, n, base), lambda s, n: status(s, n, base)]
            with Clients(base, ask, threads=3) as clients:
                time.sleep(1.5)
                stopping = time.monotonic()
                own_postgres.stop()
                stopped = time.monotonic()
                time.sleep(1.0)
                ready = requests.get(f"{base}/readyz", timeout=10)
                time.sleep(2.0)
                starting = time.monotonic()
                own_postgres.start()
                started = time.monotonic()
                time.sleep(3.0)
    finally:
        app.extensions["wo"].close()

    assert not [s for s in clients.seen if s.status not in (200, 503)], \
        [(s.path, s.status, s.error) for s in clients.seen if s.status not in (200, 503)][:5]
    down = clients.between(stopped, starting)
    assert down and all(s.status == 503 and s.error == "database_unavailable" for s in down), \
        {(s.status, s.error) for s in down}
    assert max(s.seconds for s in down) < 3.0, "a request waited out the outage instead of answering 503"
    assert ready.status_code == 503 and ready.json()["down"] == ["postgres"]
    after = [s for s in clients.seen if s.at >= started]
    first_ok = next(s.at for s in after if s.status == 200)
    assert first_ok - started < 2.0, f"the pool took {first_ok - started:.1f} s to reconnect"
    assert all(s.status == 200 for s in after if s.at > first_ok), "errors after the pool had reconnected"
    assert clients.between(0, stopping) and all(s.status == 200 for s in clients.between(0, stopping))
    print(f"postgres outage: {len(down)} answers 503, slowest {max(s.seconds for s in down):.2f} s; "
          f"first success {first_ok - started:.2f} s after the restart")
