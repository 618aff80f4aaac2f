"""Jobs on real Redis through real RQ, run in process."""
import redis
from rq import Queue

from server.queue import QUEUE_NAMES, queues
from workers.jobs import heartbeat
from workers.runner import InProcessWorker


def test_a_job_runs_with_its_id_as_request_id(redis_url: str) -> None:
    connection = redis.Redis.from_url(redis_url)
    queue = Queue("priority", connection=connection)
    job = queue.enqueue(heartbeat)
    assert InProcessWorker([queue], connection=connection).work(burst=True)
    job.refresh()
    assert job.is_finished
    assert job.return_value()["request_id"] == job.id


def test_queues_are_worked_in_priority_order(redis_url: str) -> None:
    connection = redis.Redis.from_url(redis_url)
    ordered = queues(connection)
    assert [q.name for q in ordered] == list(QUEUE_NAMES) == ["priority", "sync", "embed"]
    embed = ordered[2].enqueue(heartbeat)
    urgent = ordered[0].enqueue(heartbeat)
    InProcessWorker(ordered, connection=connection).work(burst=True)
    embed.refresh()
    urgent.refresh()
    assert urgent.return_value()["at"] < embed.return_value()["at"]
