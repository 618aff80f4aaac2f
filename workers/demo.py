"""The demo's first run: connect the demo user (tokens from the local emulator) and queue their syncs.

`make demo` calls `bootstrap` once the emulator answers; the worker then runs a full sync of Gmail, Calendar and
Drive (progress in its log), starts the Gmail watch, and embeds what it indexed. On later starts the stored sync
tokens make these delta syncs.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

import requests

from server import accounts
from server.config import Config
from server.queue import redis_client
from server.store import sync_status, users
from server.store.pool import make_pool
from workers.enqueue import SERVICES, enqueue_sync

log = logging.getLogger(__name__)
DEMO_TIER = "enterprise"


def _emulator_tokens(base_url: str, email: str, timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            resp = requests.post(base_url.rstrip("/") + "/_emulator/users", json={"email": email}, timeout=10)
            resp.raise_for_status()
            return resp.json()
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def bootstrap(config: Config, timeout: float = 120.0) -> None:
    """Connect the demo user and queue a sync of each service (full the first time, delta after)."""
    if not config.google_api_base_url:
        raise ValueError("the demo bootstrap needs GOOGLE_API_BASE_URL pointing at the emulator")
    email = config.demo_user_email
    tokens = _emulator_tokens(config.google_api_base_url, email, timeout)
    pool = make_pool(config.database_url or "", 1, 2, name="demo-bootstrap")
    connection = redis_client(config.redis_url or "")
    try:
        user = accounts.connect(pool, config, email, access_token=str(tokens["access_token"]),
                                refresh_token=str(tokens["refresh_token"]),
                                expires_at=datetime.now(timezone.utc) + timedelta(seconds=int(tokens["expires_in"])),
                                display_name="Sam")
        with pool.connection() as conn:
            # The demo is one person trying everything: the largest allowance, so exploring never hits a 429.
            users.set_tier(conn, user.id, DEMO_TIER)
        kinds = {}
        with pool.connection() as conn:
            for service in SERVICES:
                kinds[service] = "delta" if sync_status.token(conn, user.id, service) else "full"
        for service, kind in kinds.items():
            enqueue_sync(connection, user.id, service, kind, queue="priority")
        _start_watch(connection, user.id)
        log.info("demo user connected; syncs queued", extra={"email": email, "syncs": kinds})
    finally:
        pool.close()
        connection.close()


def _start_watch(connection: object, user_id: object) -> None:
    """Gmail push for the demo user (renewed daily by the scheduler)."""
    from rq import Queue

    Queue("priority", connection=connection).enqueue("workers.watch.renew_watch", str(user_id))  # type: ignore[arg-type]
