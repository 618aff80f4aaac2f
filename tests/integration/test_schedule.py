"""The scheduler's tick and the Gmail watch renewal, on real PostgreSQL, Redis, RQ and the emulator."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
import redis
from psycopg_pool import ConnectionPool
from rq import Queue

from emulator.testing import EmulatorServer
from server import accounts
from server.config import Config
from server.crypto import generate_key
from server.store.pool import make_pool
from workers import context, schedule, watch
from workers.enqueue import SERVICES
from workers.runner import InProcessWorker

NS = uuid.UUID("6f1d3c1e-0000-4000-8000-000000000000")
# Fixed ids (not gen_random_uuid) so every slice below is the same on every run.
ACTIVE = [uuid.uuid5(NS, f"active-{i}") for i in range(90)]
REAUTH = [uuid.uuid5(NS, f"reauth-{i}") for i in range(15)]
PAUSED = [uuid.uuid5(NS, f"paused-{i}") for i in range(15)]


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture(scope="module")
def job_config(config: Config, emu: EmulatorServer) -> Config:
    return config.with_(token_encryption_key=generate_key(), google_api_base_url=emu.url + "/",
                        google_token_uri=emu.url + "/token", gmail_push_topic="projects/atlas/topics/gmail-push")


@pytest.fixture(scope="module")
def ctx(job_config: Config) -> Iterator[context.JobContext]:
    """The jobs' context, installed for this process as a worker would build it."""
    made = context.from_config(job_config)
    context.use(made)
    yield made
    context.use(None)
    made.pool.close()
    made.redis.close()


@pytest.fixture(scope="module")
def pool(ctx: context.JobContext) -> ConnectionPool:
    with ctx.pool.connection() as conn:
        for group, label in ((ACTIVE, "active"), (REAUTH, "reauth"), (PAUSED, "paused")):
            for i, uid in enumerate(group):
                conn.execute("INSERT INTO users (id, email, needs_reauth, autosync_enabled) VALUES (%s, %s, %s, %s)",
                             (uid, f"{label}{i}@scale.test", group is REAUTH, group is not PAUSED))
    return ctx.pool


@pytest.fixture(autouse=True)
def rdb(redis_url: str) -> redis.Redis:
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    return connection


def jobs(connection: redis.Redis, name: str) -> list[tuple[str, tuple[Any, ...]]]:
    return sorted((j.func_name, j.args) for j in Queue(name, connection=connection).get_jobs())


def syncs(connection: redis.Redis) -> list[tuple[str, ...]]:
    """(user id, service) of the delta syncs waiting in the `sync` queue."""
    return [args for func, args in jobs(connection, "sync") if func == "workers.sync.run_delta_sync"]


def renewals(connection: redis.Redis) -> list[str]:
    """User ids of the watch renewals waiting in the `sync` queue."""
    return [args[0] for func, args in jobs(connection, "sync") if func == "workers.watch.renew_watch"]


def due(group: list[uuid.UUID], minute: int, period: int = 15) -> list[uuid.UUID]:
    return [u for u in group if schedule.slot(u, period) == minute % period]


def minute_where(uid: uuid.UUID, period: int, base: int = 29_000_000) -> int:
    """An epoch minute at or after `base` in which `uid` is due for `period`."""
    return base + (schedule.slot(uid, period) - base) % period


def test_the_sql_slot_is_the_python_slot(pool: ConnectionPool) -> None:
    everyone = ACTIVE + REAUTH + PAUSED
    with pool.connection() as conn:
        for period in (15, 1440):
            sql = {uid: slot for uid, slot in conn.execute(
                f"SELECT id, {schedule._SLOT_SQL} FROM users", {"period": period}).fetchall()}
            assert {uid: sql[uid] for uid in everyone} == {uid: schedule.slot(uid, period) for uid in everyone}


def test_a_tick_queues_exactly_the_due_slice(pool, rdb) -> None:
    # A minute in which people who must not sync (grant gone, autosync off) are due as well.
    minute = next(m for m in range(29_000_000, 29_000_015) if due(REAUTH, m) and due(PAUSED, m))
    slice_ = due(ACTIVE, minute)
    assert slice_
    result = schedule.tick(minute)
    assert result["sync"] == {"users": len(slice_), "queued": 3 * len(slice_), "collapsed": 0}
    assert syncs(rdb) == sorted((str(u), s) for u in slice_ for s in SERVICES)
    assert renewals(rdb) == sorted(str(u) for u in due(ACTIVE, minute, 1440))
    assert Queue("priority", connection=rdb).count == 0  # scheduled syncs never jump the queue


def test_staggering_spreads_every_syncable_user_over_15_minutes(pool, rdb) -> None:
    start = 29_000_000 - 29_000_000 % 15
    per_minute = []
    for minute in range(start, start + 15):
        before = len(syncs(rdb))
        schedule.tick(minute)
        per_minute.append((len(syncs(rdb)) - before) // len(SERVICES))
    queued = Counter(user_id for user_id, _ in syncs(rdb))
    assert set(queued) == {str(u) for u in ACTIVE} and set(queued.values()) == {len(SERVICES)}
    assert sum(per_minute) == len(ACTIVE) and max(per_minute) <= 15  # 90 users: ~6 a minute, never a pile-up
    assert sum(1 for n in per_minute if n) >= 12


def test_the_hash_spreads_a_large_population_evenly() -> None:
    ids = [uuid.uuid5(NS, f"population-{i}") for i in range(30_000)]
    counts = Counter(schedule.slot(u, 15) for u in ids)
    assert len(counts) == 15 and max(counts.values()) < 2_000 * 1.1 and min(counts.values()) > 2_000 * 0.9
    assert len(Counter(schedule.slot(u, 1440) for u in ids)) == 1440


def test_duplicates_collapse(pool, rdb) -> None:
    minute = minute_where(ACTIVE[0], 15)
    slice_ = due(ACTIVE, minute)
    first = schedule.tick(minute)
    assert first["sync"]["queued"] == 3 * len(slice_)
    # The same minute again (a second scheduler, a retried tick): nothing at all.
    assert schedule.tick(minute) == {"minute": minute, "skipped": "already_ticked"}
    # The same slice 15 minutes later while the first syncs still wait: enqueue_sync collapses them.
    later = schedule.tick(minute + 15)
    assert later["sync"] == {"users": len(slice_), "queued": 0, "collapsed": 3 * len(slice_)}
    assert len(syncs(rdb)) == 3 * len(slice_)


def test_a_large_slice_is_fanned_out_to_enqueue_due_jobs(pool, rdb, monkeypatch) -> None:
    minute = minute_where(ACTIVE[0], 15)
    slice_ = due(ACTIVE, minute)
    assert len(slice_) >= 3
    monkeypatch.setattr(schedule, "CHUNK", 2)
    result = schedule.tick(minute)
    assert result["sync"] == {"users": len(slice_), "fanned_out": (len(slice_) + 1) // 2}
    assert syncs(rdb) == []
    assert InProcessWorker([Queue("priority", connection=rdb)], connection=rdb).work(burst=True)
    assert syncs(rdb) == sorted((str(u), s) for u in slice_ for s in SERVICES)


def test_the_cron_scheduler_enqueues_a_tick_that_serves_the_minute_it_was_queued_in(pool, rdb) -> None:
    scheduler = schedule.build_scheduler(rdb, name="test-scheduler")
    (cron_job,) = scheduler.get_jobs()
    assert (cron_job.func_name, cron_job.cron, cron_job.queue_name) == ("workers.schedule.tick", "* * * * *",
                                                                         "priority")
    assert not scheduler.enqueue_jobs()  # not due before the next minute boundary
    cron_job.next_enqueue_time = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert scheduler.enqueue_jobs() == [cron_job]
    (tick_job,) = Queue("priority", connection=rdb).get_jobs()
    assert tick_job.func_name == "workers.schedule.tick" and tick_job.args == ()
    InProcessWorker([Queue("priority", connection=rdb)], connection=rdb).work(burst=True)
    tick_job.refresh()
    assert tick_job.is_finished
    minute = schedule.epoch_minute(tick_job.enqueued_at)
    assert tick_job.return_value()["minute"] == minute
    assert {user_id for user_id, service in syncs(rdb) if service == "gmail"} == {str(u) for u in due(ACTIVE, minute)}


def test_the_daily_watch_renewal_is_queued_in_each_users_minute_of_the_day(pool, rdb) -> None:
    minute = minute_where(ACTIVE[5], 1440)
    today = due(ACTIVE, minute, 1440)
    assert schedule.tick(minute)["watch"] == {"users": len(today), "queued": len(today), "collapsed": 0}
    assert renewals(rdb) == sorted(str(u) for u in today)
    # Each minute of the day renews its own slice only (the population is spread over 1440 of them).
    schedule.tick(minute + 1)
    assert renewals(rdb) == sorted(str(u) for u in today + due(ACTIVE, minute + 1, 1440))


@pytest.fixture(scope="module")
def connected(ctx: context.JobContext, job_config: Config, emu: EmulatorServer) -> dict[str, Any]:
    """Two people who connected Google through the emulator; the second's grant is marked gone."""
    made = {}
    for email in ("lena@atlas.com", "omar@atlas.com"):
        tokens = emu.control.create_user(email)
        made[email] = accounts.connect(ctx.pool, job_config, email, access_token=tokens["access_token"],
                                       refresh_token=tokens["refresh_token"],
                                       expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
    with ctx.pool.connection() as conn:
        conn.execute("UPDATE users SET needs_reauth = true WHERE email = 'omar@atlas.com'")
    return made


def test_renew_watch_calls_gmail_watch_on_the_emulator(connected, job_config, emu, rdb) -> None:
    lena = connected["lena@atlas.com"]
    job = watch.start_watch_on_connect(rdb, lena.id)
    assert job.origin == "priority"
    assert InProcessWorker([Queue("priority", connection=rdb)], connection=rdb).work(burst=True)
    job.refresh()
    assert job.is_finished, job.latest_result().exc_string if job.latest_result() else job.get_status()
    state = emu.control.state("lena@atlas.com")["users"]["lena@atlas.com"]["watch"]
    assert state["topicName"] == "projects/atlas/topics/gmail-push"
    assert state["labelIds"] == ["INBOX"] and state["labelFilterBehavior"] == "include"
    assert job.return_value() == {"historyId": str(state["historyId"]), "expiration": str(state["expiration"])}


def test_renew_watch_skips_a_user_who_must_sign_in_again(connected, emu, rdb) -> None:
    omar = connected["omar@atlas.com"]
    job = watch.enqueue_watch(rdb, omar.id)
    assert job.origin == "sync"
    InProcessWorker([Queue("sync", connection=rdb)], connection=rdb).work(burst=True)
    job.refresh()
    assert job.is_finished and job.return_value() == {"skipped": "needs_reauth"}
    assert emu.control.state("omar@atlas.com")["users"]["omar@atlas.com"]["watch"] is None


def test_a_revoked_grant_marks_the_user_and_stops_retrying(ctx, job_config, emu, rdb) -> None:
    tokens = emu.control.create_user("rita@atlas.com")
    rita = accounts.connect(ctx.pool, job_config, "rita@atlas.com", access_token=tokens["access_token"],
                            refresh_token=tokens["refresh_token"],
                            expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
    emu.control.revoke("rita@atlas.com")
    assert watch.renew_watch(str(rita.id)) == {"skipped": "needs_reauth"}
    with ctx.pool.connection() as conn:
        assert conn.execute("SELECT needs_reauth FROM users WHERE id = %s", (rita.id,)).fetchone()[0] is True
    assert emu.control.state("rita@atlas.com")["users"]["rita@atlas.com"]["watch"] is None
