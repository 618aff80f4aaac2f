"""RQ worker classes whose jobs log with the job id as their request id (and the enqueuing request's id); the
production one also finds the jobs of workers that died mid-job (SIGKILL, OOM, a lost machine) within seconds and
puts them back at the front of their queue.

How a dead worker's job comes back: while a job runs, its worker renews the job's lease in the queue's
StartedJobRegistry every `heartbeat_seconds`; the lease lasts max(3 beats, a beat + 5 s). A killed worker stops
renewing, the lease runs out, and the next maintenance pass of any live worker (every `maintenance_seconds`,
and at its start) requeues the job at the front of its queue at once — nothing went wrong with the job, so it
does not wait out a retry interval — spending one of its retries (a job that keeps killing its worker ends in
the failed registry, by RQ's own clean-up). The jobs are idempotent, so running one again is safe. RQ's
defaults (a 90 s lease, maintenance every 10 minutes, then a retry interval and a scheduler whose lock the dead
worker may still hold for a minute) would leave a killed sync for ten minutes or more.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any

from rq import Queue, SimpleWorker, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from rq.utils import as_text, current_timestamp, parse_composite_key

from server.logs import request_id_var

log = logging.getLogger(__name__)

# Job meta key of a sync that paused on its Google budget and continues later (workers/enqueue.py).
CONTINUATION = "continuation"


class _JobRequestId:
    """Sets the request-id ContextVar to the job id around each job, so job logs correlate like requests', and
    logs the job's start with the id of the request that enqueued it (`enqueued_by`, from server.queue.job_meta)."""

    def perform_job(self, job: Any, queue: Any, *args: Any, **kwargs: Any) -> bool:
        token = request_id_var.set(job.id)
        try:
            log.info("job started", extra={"job": job.func_name, "queue": queue.name,
                                           "enqueued_by": (job.meta or {}).get("request_id")})
            return super().perform_job(job, queue, *args, **kwargs)  # type: ignore[misc]
        finally:
            request_id_var.reset(token)


def requeue_abandoned(queue: Queue) -> list[str]:
    """Requeue, at the front of `queue`, its started jobs whose lease has run out and that have retries left;
    returns their ids. Safe to run from several workers at once: removing the registry entry is the claim."""
    registry = StartedJobRegistry(queue=queue)
    requeued: list[str] = []
    for entry in queue.connection.zrangebyscore(registry.key, 0, current_timestamp()):
        job_id, _execution = parse_composite_key(as_text(entry))
        try:
            job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
        except NoSuchJobError:
            continue
        if job.get_status(refresh=False) != JobStatus.STARTED or not job.retries_left:
            continue  # finished after all, or out of retries: RQ's clean-up decides
        if not queue.connection.zrem(registry.key, entry):
            continue  # another worker claimed it
        job.retries_left -= 1
        queue.enqueue_job(job, at_front=True)
        requeued.append(job.id)
        log.warning("abandoned job requeued", extra={"job_id": job.id, "queue": queue.name,
                                                     "description": job.description,
                                                     "retries_left": job.retries_left})
    return requeued


class JobWorker(_JobRequestId, Worker):
    """The production worker: forks a work horse per job; finds killed workers' jobs quickly (see above)."""

    def __init__(self, *args: Any, heartbeat_seconds: int = 10, maintenance_seconds: int = 60,
                 **kwargs: Any) -> None:
        kwargs.setdefault("job_monitoring_interval", heartbeat_seconds)
        kwargs.setdefault("maintenance_interval", maintenance_seconds)
        super().__init__(*args, **kwargs)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """The job's lease: a few missed beats, not RQ's beat + 60 s."""
        beat = int(self.job_monitoring_interval)
        return max(3 * beat, beat + 5)

    @property
    def dequeue_timeout(self) -> int:
        # An idle worker wakes up for maintenance too (RQ waits on the queue for up to worker_ttl − 15 s).
        return max(1, min(super().dequeue_timeout, int(self.maintenance_interval)))

    def clean_registries(self) -> None:
        for queue in self.queues:
            requeue_abandoned(queue)
        super().clean_registries()


class InProcessWorker(_JobRequestId, SimpleWorker):
    """Runs jobs in the worker's own process (tests, benchmarks, evaluations).

    In burst mode it also waits for the sync jobs that paused on their person's Google budget (continuations,
    scheduled for when the budget has refilled: workers/sync.py) and runs them when due, as a real worker's
    scheduler would, so "work until nothing is left" includes finishing those syncs. Other scheduled jobs (RQ's
    retries after a failure) are left to the scheduler, as before."""

    def work(self, burst: bool = False, **kwargs: Any) -> bool:
        worked = super().work(burst=burst, **kwargs)
        while burst:
            due = self._next_continuation()
            if due is None:
                break
            job, registry, at = due
            time.sleep(max(0.0, (at - datetime.now(timezone.utc)).total_seconds()))
            registry.remove(job)
            registry.get_queue().enqueue_job(job)
            worked = InProcessWorker(self.queues, connection=self.connection).work(burst=True, **kwargs) or worked
        return worked

    def _next_continuation(self) -> tuple[Job, ScheduledJobRegistry, datetime] | None:
        """The earliest scheduled sync continuation on this worker's queues."""
        found: tuple[Job, ScheduledJobRegistry, datetime] | None = None
        for queue in self.queues:
            registry = ScheduledJobRegistry(queue=queue)
            for job in Job.fetch_many(registry.get_job_ids(), connection=self.connection):
                if job is None or not job.meta.get(CONTINUATION):
                    continue
                at = registry.get_scheduled_time(job)
                if found is None or at < found[2]:
                    found = (job, registry, at)
        return found
