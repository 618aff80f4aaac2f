"""RQ worker classes whose jobs log with the job id as their request id."""
from __future__ import annotations

import logging
from typing import Any

from rq import SimpleWorker, Worker

from server.logs import request_id_var

log = logging.getLogger(__name__)


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
    """Runs jobs in the worker's own process (tests, benchmarks)."""
