"""One circuit breaker per Google service (`google:gmail`, `google:calendar`, `google:drive`) per process.

Every call through `calls.execute` consults its service's breaker. Only failures that say the service is unwell
count against it — 5xx, timeouts, connection errors, and 429 that outlasted the retries — never a 4xx about our
request or the person's grant (400, 401, 403, 404, 409, 410), nor one person's own rate limit
(403 userRateLimitExceeded). `threshold` such failed calls in a row open it; an
open breaker refuses calls at once (a GoogleError `unavailable`, reason `circuit_open`, with the seconds until
the next trial as retry_after) for `reset_after` seconds, then lets one trial call through, which closes it on
success or re-opens it on failure.

The settings come from the config (GOOGLE_BREAKER_THRESHOLD, GOOGLE_BREAKER_RESET_SECONDS) when a process builds
its services (`configure`). A worker forks a work horse per job, so there the breakers live as long as one job.
"""
from __future__ import annotations

import threading
from typing import Any

from server.google.errors import GoogleError
from server.resilience.breaker import BreakerState, CircuitBreaker

SERVICES = ("gmail", "calendar", "drive")
NAMES = {"gmail": "Gmail", "calendar": "Google Calendar", "drive": "Google Drive"}
# Failure kinds that say the service is unwell (the others are answers: the service is fine, the request was not).
UNHEALTHY = frozenset({"unavailable", "rate_limited"})
# ...except a limit on one person's calls: it says nothing about the service for everyone else.
PER_USER_REASONS = frozenset({"userRateLimitExceeded"})
DEFAULT_THRESHOLD = 5
DEFAULT_RESET_SECONDS = 30.0

_lock = threading.Lock()
_settings = {"threshold": DEFAULT_THRESHOLD, "reset_after": DEFAULT_RESET_SECONDS}
_breakers: dict[str, CircuitBreaker] = {}


def configure(threshold: int = DEFAULT_THRESHOLD, reset_after: float = DEFAULT_RESET_SECONDS) -> None:
    """Set this process's breaker settings; existing breakers take them and start over closed."""
    with _lock:
        _settings.update(threshold=threshold, reset_after=reset_after)
        for breaker in _breakers.values():
            breaker.reconfigure(threshold, reset_after)


def breaker(service: str) -> CircuitBreaker:
    """The process's breaker for `service` (made on first use)."""
    if service not in SERVICES:
        raise ValueError(f"unknown Google service {service!r}")
    with _lock:
        found = _breakers.get(service)
        if found is None:
            found = _breakers[service] = CircuitBreaker(f"google:{service}", int(_settings["threshold"]),
                                                        float(_settings["reset_after"]))
        return found


def states() -> dict[str, str]:
    """Each service's breaker state (`closed`, `open`, `half_open`), every service listed."""
    return {service: breaker(service).state.value for service in SERVICES}


def is_down(service: str) -> bool:
    """Whether calls to `service` are being refused or are on trial right now."""
    return breaker(service).state is not BreakerState.CLOSED


def service_of(request: Any) -> str | None:
    """The Google service a request goes to, from its discovery method id (`gmail.users.messages.get`)."""
    method_id = getattr(request, "methodId", None) or ""
    service = method_id.split(".", 1)[0]
    return service if service in SERVICES else None


def open_error(service: str) -> GoogleError:
    """What a call refused by an open breaker raises (no HTTP request was made)."""
    # Half-open with its one trial call under way reads as 0 s: ask the caller to come back in a second.
    wait = max(1.0, breaker(service).seconds_until_trial())
    return GoogleError("unavailable", None, f"{NAMES[service]} is not answering; calls to it are paused for "
                                            f"{wait:.0f} s", reason="circuit_open", retry_after=wait)


def record(service: str | None, error: GoogleError | None) -> None:
    """Count one finished call: a success, an answer about the request (fine), or a sign the service is unwell."""
    if service is None:
        return
    if error is not None and error.kind in UNHEALTHY and error.reason not in PER_USER_REASONS:
        breaker(service).record_failure()
    else:
        breaker(service).record_success()
