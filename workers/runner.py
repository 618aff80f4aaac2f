"""RQ worker classes whose jobs log with the job id as their request id."""
from __future__ import annotations

from typing import Any

from rq import SimpleWorker, Worker

from server.logs import request_id_var


class _JobRequestId:
    """Sets the request-id ContextVar to the job id around each job, so job logs correlate like requests'."""

    def perform_job(self, job: Any, queue: Any, *args: Any, **kwargs: Any) -> bool:
        token = request_id_var.set(job.id)
        try:
            return super().perform_job(job, queue, *args, **kwargs)  # type: ignore[misc]
        finally:
            request_id_var.reset(token)


class JobWorker(_JobRequestId, Worker):
    """The production worker: forks a work horse per job."""


class InProcessWorker(_JobRequestId, SimpleWorker):
    """Runs jobs in the worker's own process (tests, benchmarks)."""
