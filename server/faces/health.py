"""Liveness and readiness probes."""
from __future__ import annotations

import time
from typing import Callable

from flask import Blueprint, Response, jsonify

from server.errors import error_response
from server.services import services

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
        return {"ok": False, "error": type(exc).__name__, "detail": str(exc)[:200]}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


@bp.get("/readyz")
def readyz() -> Response:
    """PostgreSQL and Redis are reachable; 503 naming the ones that are not."""
    svc = services()
    timeout = svc.config.ready_timeout

    def postgres() -> None:
        with svc.pool.connection(timeout=timeout) as conn:
            conn.execute("SELECT 1")

    checks = {"postgres": _probe(postgres), "redis": _probe(svc.redis.ping)}
    down = [name for name, result in checks.items() if not result["ok"]]
    if down:
        names = " and ".join({"postgres": "PostgreSQL", "redis": "Redis"}[n] for n in down)
        return error_response(503, "not_ready", f"{names} {'is' if len(down) == 1 else 'are'} unreachable.",
                              checks=checks, down=down)
    return jsonify(status="ready", checks=checks)
