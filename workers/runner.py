"""RQ worker classes whose jobs log with the job id as their request id."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any

from rq import SimpleWorker, Worker
from rq.job import Job
from rq.registry import ScheduledJobRegistry

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


class JobWorker(_JobRequestId, Worker):
    """The production worker: forks a work horse per job."""


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
