"""A request's id reaches the jobs it enqueues: POST /api/v1/sync stores it in each job's meta, and the worker logs
the job's start (with the job id as its request id) naming the request that enqueued it."""
from __future__ import annotations

import json
import logging

import redis
from rq import Queue
from rq.job import Job

from server.logs import JsonFormatter
from server.queue import job_meta
from server.store import users
from workers.jobs import heartbeat
from workers.runner import InProcessWorker


def test_a_sync_request_tags_its_jobs_with_its_request_id(app, redis_url) -> None:
    with app.extensions["wo"].pool.connection() as conn:
        users.upsert(conn, "sam@atlas.com")
    response = app.test_client().post("/api/v1/sync", json={"services": ["gmail", "drive"]},
                                      headers={"X-Request-Id": "sync-req-7"})
    assert response.status_code == 202
    connection = redis.Redis.from_url(redis_url)
    jobs = [Job.fetch(e["job_id"], connection=connection) for e in response.get_json()["enqueued"]]
    assert len(jobs) == 2 and all(job.meta.get("request_id") == "sync-req-7" for job in jobs)


def test_the_worker_logs_the_job_start_with_the_enqueuing_request(redis_url, caplog) -> None:
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()  # only this test's job in the queue
    queue = Queue("priority", connection=connection)
    assert job_meta() == {}  # outside a request there is nothing to link
    job = queue.enqueue(heartbeat, meta={"request_id": "req-42"})
    with caplog.at_level(logging.INFO, logger="workers.runner"):
        assert InProcessWorker([queue], connection=connection).work(burst=True)
    started = [r for r in caplog.records if r.name == "workers.runner" and r.getMessage() == "job started"]
    assert len(started) == 1
    line = json.loads(JsonFormatter().format(started[0]))
    assert line["enqueued_by"] == "req-42" and line["queue"] == "priority" and line["job"].endswith("heartbeat")
    job.refresh()
    assert job.return_value()["request_id"] == job.id
