"""Liveness and readiness probes.

`/readyz` is 200 when PostgreSQL and Redis answer (503 naming the ones that do not). It also shows every circuit
breaker of this process (Google services, LLM providers, caches): an open or half-open breaker does not make the
process unready — it still answers, without that dependency — but the body then says `"status": "degraded"` and
lists them under `degraded`.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from flask import Blueprint, Response, jsonify

from server.errors import error_response
from server.google import breakers as google_breakers
from server.resilience.breaker import BreakerState, all_breakers
from server.services import services

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive and serving requests (touches nothing else)."""
    return jsonify(status="ok")


def _probe(check: Callable[[], object]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # any failure means "not reachable"; the class name says which kind
        # The message names hosts and ports: it goes to the log, not to whoever asks /readyz.
        log.warning("readiness probe failed", extra={"error": type(exc).__name__, "detail": str(exc)[:200]})
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


_SEVERITY = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


def breaker_detail() -> dict[str, dict[str, object]]:
    """Every breaker of the process by name: state, failures in a row, seconds until its next trial."""
    google_breakers.states()  # the three Google breakers are listed even before their first call
    out: dict[str, dict[str, object]] = {}
    for breaker in all_breakers():
        state = breaker.state
        seen = out.get(breaker.name)
        # Two live breakers of one name (an app built twice in one process): show the worse.
        if seen is None or _SEVERITY[state] > _SEVERITY[BreakerState(seen["state"])]:
            out[breaker.name] = {"state": state.value, "consecutive_failures": breaker.consecutive_failures,
                                 "retry_after": round(breaker.seconds_until_trial(), 1)}
    return out


@bp.get("/readyz")
def readyz() -> Response:
    """PostgreSQL and Redis are reachable; 503 naming the ones that are not. Breakers open → `degraded`."""
    svc = services()
    timeout = svc.config.ready_timeout

    def postgres() -> None:
        with svc.pool.connection(timeout=timeout) as conn:
            conn.execute("SELECT 1")

    checks = {"postgres": _probe(postgres), "redis": _probe(svc.redis.ping)}
    down = [name for name, result in checks.items() if not result["ok"]]
    breakers = breaker_detail()
    degraded = [name for name, b in breakers.items() if b["state"] != BreakerState.CLOSED.value]
    if down:
        names = " and ".join({"postgres": "PostgreSQL", "redis": "Redis"}[n] for n in down)
        return error_response(503, "not_ready", f"{names} {'is' if len(down) == 1 else 'are'} unreachable.",
                              checks=checks, down=down, breakers=breakers, degraded=degraded)
    return jsonify(status="degraded" if degraded else "ready", checks=checks, breakers=breakers, degraded=degraded)
