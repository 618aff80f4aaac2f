"""Small jobs that belong to no sync: a heartbeat that shows a worker is taking work, and from which queue."""
from __future__ import annotations

import logging
import os
import time

from server.logs import request_id_var

log = logging.getLogger(__name__)


def heartbeat() -> dict[str, object]:
    """Answer where and when this ran; its request id is the job id (see workers.runner)."""
    log.info("heartbeat")
    return {"request_id": request_id_var.get(), "pid": os.getpid(), "at": time.time()}
