"""`python -m workers [QUEUE ...]`: an RQ worker on the given queues (default: priority, sync, embed, in that
order), with RQ's scheduler for retries; a job whose worker died is requeued within seconds (workers/runner.py,
WORKER_HEARTBEAT_SECONDS, WORKER_MAINTENANCE_SECONDS). The demo runs one on priority+sync and one on embed, so a
push never waits behind an embedding backlog.

Logs are JSON like the web's; each job's log lines carry the job id as their request id.
"""
from __future__ import annotations

import logging
import sys

from server.config import Config
from server.logs import configure_logging
from server.queue import QUEUE_NAMES, redis_client
from workers.runner import JobWorker


def main() -> int:
    """Run one worker until it is told to stop (SIGINT/SIGTERM: finish the current job, then exit)."""
    config = Config.from_env()
    config.require_urls()
    configure_logging(config.log_level)
    connection = redis_client(config.redis_url or "", timeout=30)
    names = sys.argv[1:] or list(QUEUE_NAMES)
    unknown = sorted(set(names) - set(QUEUE_NAMES))
    if unknown:
        print(f"unknown queue(s) {', '.join(unknown)}; the queues are {', '.join(QUEUE_NAMES)}", file=sys.stderr)
        return 2
    worker = JobWorker(names, connection=connection, heartbeat_seconds=config.worker_heartbeat_seconds,
                       maintenance_seconds=config.worker_maintenance_seconds)
    logging.getLogger(__name__).info("worker starting", extra={"queues": names})
    # logging_level=None keeps our JSON handler instead of RQ's own colour formatter.
    worker.work(with_scheduler=True, logging_level=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
