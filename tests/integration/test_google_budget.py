"""Per-user Google budgets for sync jobs, on real Redis, PostgreSQL, RQ and the emulator: calls are charged as
they are made, a spent budget pauses the sync at a checkpoint and queues it again, the next run carries on from
the checkpoint, and with a real worker one person's big mailbox does not hold up another person's sync."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from typing import Iterator

import pytest
import redis
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from emulator.testing import EmulatorServer
from server.config import REPO_ROOT, Config
from server.crypto import generate_key
from server.devinfra import free_port
from server.google.calls import execute, metered
from server.queue import redis_client
from server.store import checkpoints, users
from workers import context as job_context
from workers.budget import KEY_PREFIX, BudgetExhausted, GoogleBudget
from workers.enqueue import enqueue_sync
from workers.runner import InProcessWorker
from tests.integration.test_sync import HashEmbedder, connect, expected, index, services_for, status

BIG, SMALL = "big@atlas.com", "small@atlas.com"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as emu:
        emu.control.load(dataset="demo")
        yield emu


@pytest.fixture(scope="module")
def sync_config(config: Config, emulator: EmulatorServer) -> Config:
    # A tiny budget: 1 call of burst, refilled at 0.01 a second, so every checkpoint finds it spent.
    return config.with_(google_api_base_url=emulator.url + "/", google_token_uri=emulator.url + "/token",
                        token_encryption_key=generate_key(), google_budget_per_second=0.01, google_budget_burst=1)


@pytest.fixture(scope="module")
def ctx(sync_config: Config) -> Iterator[job_context.JobContext]:
    ctx = job_context.from_config(sync_config, embedder=HashEmbedder())
    job_context.use(ctx)
    yield ctx
    job_context.use(None)
    ctx.pool.close()


def test_charges_may_run_into_debt_and_a_check_then_says_how_long(redis_url: str) -> None:
    budget = GoogleBudget(redis.Redis.from_url(redis_url), uuid.uuid4(), per_second=50, burst=100)
    budget.check()  # a fresh budget is full
    budget.charge(60)
    budget.check()  # 40 left
    budget.charge(90)  # a batch under way is never refused: 50 in debt
    with pytest.raises(BudgetExhausted) as exc:
        budget.check()
    assert 0.9 < exc.value.retry_after <= 1.0  # 50 calls of debt at 50 a second
    assert budget.charged == 150
    time.sleep(1.1)
    budget.check()


def test_each_persons_budget_is_their_own(redis_url: str) -> None:
    connection = redis.Redis.from_url(redis_url)
    spent, fresh = uuid.uuid4(), uuid.uuid4()
    GoogleBudget(connection, spent, 1, 10).charge(30)
    with pytest.raises(BudgetExhausted):
        GoogleBudget(connection, spent, 1, 10).check()
    GoogleBudget(connection, fresh, 1, 10).check()


def test_without_redis_the_budget_fails_open() -> None:
    nowhere = redis_client(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)  # nothing listens there
    budget = GoogleBudget(nowhere, uuid.uuid4(), per_second=1, burst=1)
    budget.charge(1000)
    budget.check()  # nothing raised: syncs go on unmetered
    assert budget.balance() is None


def test_every_attempt_of_a_metered_call_is_charged(sync_config: Config, emulator: EmulatorServer) -> None:
    g = services_for(sync_config, emulator)
    charged: list[int] = []
    emulator.control.fault("gmail.users.getProfile", 503, count=1)
    try:
        with metered(charged.append):
            execute(g.gmail.users().getProfile(userId="me"), base=0.01)
            execute(g.gmail.users().messages().list(userId="me"), cost=7)
    finally:
        emulator.control.clear_faults()
    assert charged == [1, 1, 7]  # the 503 and its retry, then a call standing for 7
    execute(g.gmail.users().getProfile(userId="me"))  # outside the block: nothing charged
    assert charged == [1, 1, 7]


def _scheduled(ctx: job_context.JobContext) -> list[Job]:
    jobs = []
    for name in ("priority", "sync"):
        registry = ScheduledJobRegistry(queue=Queue(name, connection=ctx.redis))
        jobs += [j for j in Job.fetch_many(registry.get_job_ids(), connection=ctx.redis) if j is not None]
    return jobs


def _refill(ctx: job_context.JobContext, user: users.User) -> None:
    """As if the budget's time had passed: it starts full again."""
    ctx.redis.delete(f"{KEY_PREFIX}:{user.id}")


@pytest.mark.parametrize("service, batch", [("gmail", 200), ("drive", 50)])
def test_a_spent_budget_pauses_the_sync_at_a_checkpoint_and_the_next_run_carries_on(
        ctx, emulator, service: str, batch: int) -> None:
    user = connect(ctx, emulator, "sam@atlas.com")
    _refill(ctx, user)
    want = set(expected(emulator)[service])
    table, key = {"gmail": ("gmail_cache", "email_id"), "drive": ("gdrive_cache", "file_id")}[service]
    enqueue_sync(ctx.redis, user.id, service, "full", queue="sync")
    positions, listed = [], 0
    for _ in range(10):
        # One pass of a plain worker (not the in-process one, which would wait for the continuation itself).
        SimpleWorker([Queue("sync", connection=ctx.redis)], connection=ctx.redis).work(burst=True)
        with ctx.pool.connection() as conn:
            checkpoint = checkpoints.get(conn, user.id, service)
        if checkpoint is None:
            break
        positions.append(checkpoint.position)
        listed = len(checkpoint.items)
        (again,) = [j for j in _scheduled(ctx) if j.description == f"full {service} {user.id}"]
        assert again.meta["continuation"] and again.origin == "sync"
        assert status(ctx, user)[service][0] == "running"
        done = index(ctx, f"SELECT count(*) FROM {table} WHERE user_id = %s", user.id)[0][0]
        assert done <= checkpoint.position < listed
        ScheduledJobRegistry(queue=Queue("sync", connection=ctx.redis)).remove(again)
        _refill(ctx, user)
        Queue("sync", connection=ctx.redis).enqueue_job(again)
    # Paused once the listing had spent the budget, then after every batch but the last, each run a batch on.
    assert listed >= len(want) > batch
    assert positions == [batch * i for i in range(0, -(-listed // batch))]
    got = [r[0] for r in index(ctx, f"SELECT {key} FROM {table} WHERE user_id = %s", user.id)]
    assert len(got) == len(set(got)) and set(got) == want
    assert status(ctx, user)[service] == ("ok", None)


def test_the_in_process_worker_finishes_paused_syncs_when_they_are_due(ctx, emulator, sync_config) -> None:
    """Tests, benchmarks and evaluations drain queues with it: it waits for paused syncs like a real worker."""
    # Refilled quickly this time: 100 calls a second after a burst of 1 (a batch of 200 still overdraws it).
    quick = job_context.from_config(sync_config.with_(google_budget_per_second=100, google_budget_burst=1),
                                    embedder=HashEmbedder())
    job_context.use(quick)
    try:
        user = connect(quick, emulator, "sam@atlas.com")
        _refill(quick, user)
        with quick.pool.connection() as conn:
            conn.execute("DELETE FROM gmail_cache WHERE user_id = %s", (user.id,))
        first = enqueue_sync(quick.redis, user.id, "gmail", "full")
        InProcessWorker([Queue("sync", connection=quick.redis)], connection=quick.redis).work(burst=True)
        assert first.return_value()["paused"]  # it did pause, and the worker carried on with the continuations
        got = [r[0] for r in index(quick, "SELECT email_id FROM gmail_cache WHERE user_id = %s", user.id)]
        assert set(got) == set(expected(emulator)["gmail"]) and len(got) == len(set(got))
        assert not _scheduled(quick)
    finally:
        job_context.use(ctx)
        quick.pool.close()


def test_a_delta_sync_finishes_an_unfinished_full_sync_then_applies_what_changed(ctx, emulator, sync_config) -> None:
    """A push arrives while the first full sync is paused: its delta job carries the full sync on from its
    checkpoint (nothing listed twice, nothing skipped), then applies the history since, so the new mail is in."""
    quick = job_context.from_config(sync_config.with_(google_budget_per_second=100, google_budget_burst=1),
                                    embedder=HashEmbedder())
    job_context.use(quick)
    try:
        user = connect(quick, emulator, "sam@atlas.com")
        _refill(quick, user)
        with quick.pool.connection() as conn:
            conn.execute("DELETE FROM gmail_cache WHERE user_id = %s", (user.id,))
            conn.execute("DELETE FROM sync_status WHERE user_id = %s", (user.id,))
        enqueue_sync(quick.redis, user.id, "gmail", "full", queue="sync")
        SimpleWorker([Queue("sync", connection=quick.redis)], connection=quick.redis).work(burst=True)
        (paused,) = _scheduled(quick)
        ScheduledJobRegistry(queue=Queue("sync", connection=quick.redis)).remove(paused)
        quick.redis.delete(f"wo:pending:full:{user.id}:gmail")  # as if that continuation were lost
        with quick.pool.connection() as conn:
            assert checkpoints.get(conn, user.id, "gmail").kind == "full"
        emulator.control.deliver("sam@atlas.com", **{"from": "late@corp.example", "subject": "Late arrival",
                                                     "body": "Sent while the first sync was paused."})
        job = enqueue_sync(quick.redis, user.id, "gmail", "delta", queue="sync")
        InProcessWorker([Queue("sync", connection=quick.redis)], connection=quick.redis).work(burst=True)
        assert job.return_value()["paused"]  # the budget paused it too; its continuations finished the work
        rows = index(quick, "SELECT email_id, subject FROM gmail_cache WHERE user_id = %s", user.id)
        assert {r[0] for r in rows} == set(expected(emulator)["gmail"]) and len(rows) == len({r[0] for r in rows})
        assert "Late arrival" in {r[1] for r in rows}
        with quick.pool.connection() as conn:
            assert checkpoints.get(conn, user.id, "gmail") is None
        assert status(quick, user)["gmail"] == ("ok", None)
    finally:
        job_context.use(ctx)
        quick.pool.close()


def test_a_big_mailbox_does_not_hold_up_another_persons_sync(ctx, emulator, database_url, redis_url,
                                                           sync_config) -> None:
    """One real worker (with RQ's scheduler) and a budget of 100 calls a second: the big mailbox's full sync
    pauses whenever its budget is spent, the small one's sync runs in between and finishes while the big one is
    still going, and the big one then finishes with every message exactly once."""
    big, small = connect(ctx, emulator, BIG), connect(ctx, emulator, SMALL)
    for i in range(1500):
        emulator.control.deliver(BIG, **{"from": f"sender{i % 11}@corp.example", "subject": f"Big {i}",
                                         "body": f"Message {i}."})
    for i in range(5):
        emulator.control.deliver(SMALL, **{"from": "friend@corp.example", "subject": f"Small {i}", "body": "Hi"})
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "GOOGLE_API_BASE_URL": sync_config.google_api_base_url, "GOOGLE_TOKEN_URI": sync_config.google_token_uri,
           "TOKEN_ENCRYPTION_KEY": sync_config.token_encryption_key, "LOG_LEVEL": "WARNING",
           "GOOGLE_BUDGET_PER_SECOND": "100", "GOOGLE_BUDGET_BURST": "100"}
    enqueue_sync(ctx.redis, big.id, "gmail", "full")  # first in the queue
    enqueue_sync(ctx.redis, small.id, "gmail", "full")
    worker = subprocess.Popen([sys.executable, "-m", "workers", "sync"], cwd=REPO_ROOT, env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def count(user: users.User) -> int:
        return index(ctx, "SELECT count(*) FROM gmail_cache WHERE user_id = %s", user.id)[0][0]

    try:
        deadline = time.monotonic() + 120
        while status(ctx, small).get("gmail", ("never",))[0] != "ok":
            assert time.monotonic() < deadline, "the small mailbox's sync never finished"
            time.sleep(0.05)
        big_when_small_done = count(big)
        big_state = status(ctx, big)["gmail"][0]
        assert count(small) == 5
        while status(ctx, big).get("gmail", ("never",))[0] != "ok":
            assert time.monotonic() < deadline, f"the big mailbox's sync never finished ({count(big)} rows)"
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(30)
    assert big_state == "running" and 0 < big_when_small_done < 1500, big_when_small_done
    got = [r[0] for r in index(ctx, "SELECT subject FROM gmail_cache WHERE user_id = %s", big.id)]
    assert len(got) == len(set(got)) == 1500
    assert set(got) == {f"Big {i}" for i in range(1500)}
    with ctx.pool.connection() as conn:
        assert checkpoints.get(conn, big.id, "gmail") is None
