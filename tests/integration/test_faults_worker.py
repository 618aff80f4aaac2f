"""Fault: a worker SIGKILLed mid full sync. A new worker finds the abandoned job by itself, runs it again, and the
index ends up holding every message exactly once — no manual clean-up, no waiting out RQ's ten-minute defaults.

Real `python -m workers` processes (forking RQ workers), real PostgreSQL and Redis, the emulator over HTTP.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import psutil
import pytest
import redis
from rq.job import Job

from emulator.testing import EmulatorServer
from server import accounts
from server.config import REPO_ROOT, Config
from server.crypto import generate_key
from server.store.pool import make_pool
from workers.enqueue import enqueue_sync, pending_key

USER = "user0001@scale.example"
MESSAGES = 600


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as emu:
        emu.control.load(dataset="scale", users=1, messages=MESSAGES)
        yield emu


@pytest.fixture(scope="module")
def cfg(config: Config, emulator: EmulatorServer) -> Config:
    return config.with_(google_api_base_url=emulator.url + "/", google_token_uri=emulator.url + "/token",
                        token_encryption_key=generate_key())


def _env(cfg: Config) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": cfg.database_url or "", "REDIS_URL": cfg.redis_url or "",
            "GOOGLE_API_BASE_URL": cfg.google_api_base_url or "", "GOOGLE_TOKEN_URI": cfg.google_token_uri or "",
            "TOKEN_ENCRYPTION_KEY": cfg.token_encryption_key or "", "LOG_LEVEL": "WARNING",
            # Beats every second and a maintenance pass every two: a dead worker's job is back within seconds.
            "WORKER_HEARTBEAT_SECONDS": "1", "WORKER_MAINTENANCE_SECONDS": "2"}


def _worker(cfg: Config) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "workers", "sync"], cwd=REPO_ROOT, env=_env(cfg),
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _crash(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and everything it started, as a crash of its machine would: RQ's work horse runs in
    a session of its own (a kill of the worker's process group would leave it running the job)."""
    family = psutil.Process(proc.pid).children(recursive=True)
    proc.kill()
    for child in family:
        child.kill()
    proc.wait(10)
    psutil.wait_procs(family, timeout=10)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()  # a warm shut-down: the worker finishes its job (there is none left) and leaves
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            _crash(proc)


def _expected_ids(emulator: EmulatorServer) -> set[str]:
    state = emulator.control.state(USER)["users"][USER]
    return {m["id"] for m in state["messages"]
            if not m["trashed"] and "SPAM" not in m["labelIds"] and "DRAFT" not in m["labelIds"]}


def test_a_worker_killed_mid_full_sync_is_replaced_and_the_index_holds_every_message_once(cfg, emulator) -> None:
    pool = make_pool(cfg.database_url or "", 1, 2, name="fault-test")
    connection = redis.Redis.from_url(cfg.redis_url or "")
    first = second = None
    try:
        tokens = emulator.control.create_user(USER)
        user = accounts.connect(pool, cfg, USER, access_token=tokens["access_token"],
                                refresh_token=tokens["refresh_token"],
                                expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
        want = _expected_ids(emulator)
        assert len(want) > 500

        def indexed() -> list[Any]:
            with pool.connection() as conn:
                return conn.execute("SELECT email_id FROM gmail_cache WHERE user_id = %s", (user.id,)).fetchall()

        def sync_state() -> str | None:
            with pool.connection() as conn:
                row = conn.execute("SELECT state FROM sync_status WHERE user_id = %s AND service = 'gmail'",
                                   (user.id,)).fetchone()
            return row[0] if row else None

        # Slow Gmail down (every message fetch takes 10 ms) so the sync is caught half-way.
        emulator.control.fault("gmail.users.messages.get", 200, count=1_000_000, delay_ms=10)
        job = enqueue_sync(connection, user.id, "gmail", "full")
        assert job is not None
        first = _worker(cfg)
        deadline = time.monotonic() + 40
        done = 0
        while time.monotonic() < deadline:
            done = len(indexed())
            if done >= 200:
                break
            time.sleep(0.05)
        assert 0 < done < len(want), f"expected to catch the sync half-way, saw {done} rows"
        _crash(first)
        killed_at = time.monotonic()
        assert Job.fetch(job.id, connection=connection).get_status() == "started"  # as the dead worker left it
        assert sync_state() == "running"

        second = _worker(cfg)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and sync_state() != "ok":
            time.sleep(0.2)
        recovered_s = time.monotonic() - killed_at
        assert sync_state() == "ok", "the new worker never finished the killed sync"
        rows = [r[0] for r in indexed()]
        assert len(rows) == len(set(rows)) == len(want) and set(rows) == want  # every message, exactly once
        final = Job.fetch(job.id, connection=connection)
        assert final.get_status() == "finished" and final.retries_left == 2  # one retry spent on the crash
        # Nothing left that would swallow the next request for this sync.
        assert connection.exists(pending_key("full", user.id, "gmail")) == 0
        assert enqueue_sync(connection, user.id, "gmail", "full") is not None
        print(f"killed sync finished {recovered_s:.1f} s after the kill")
    finally:
        emulator.control.clear_faults()
        for proc in (first, second):
            if proc is not None:
                _stop(proc)
        connection.flushdb()
        connection.close()
        pool.close()
