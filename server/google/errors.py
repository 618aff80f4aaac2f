"""Google's failures, classified into the kinds the pipeline and the workers act on."""
from __future__ import annotations

import json
import socket
from dataclasses import dataclass

# Kinds (shared with StepResult.error in the pipeline):
#   rate_limited      429, or 403 rateLimitExceeded/userRateLimitExceeded — retry after a pause
#   unavailable       5xx, timeouts, connection failures — retry with backoff
#   auth_required     401, or refresh refused (invalid_grant) — stop; the person must sign in again
#   permission_denied 403 for any other reason (scope missing, not shared)
#   quota_exceeded    daily limit reached — retrying today is pointless
#   not_found         404
#   gone              410 (an expired sync token or a deleted item) — the caller starts over
#   invalid           400 and other 4xx — our request was wrong; retrying repeats the mistake
#   conflict          409 (e.g. an event id that already exists)
RETRYABLE = frozenset({"rate_limited", "unavailable"})
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "backendError"}
_QUOTA_REASONS = {"dailyLimitExceeded", "quotaExceeded"}


@dataclass
class GoogleError(Exception):
    """A classified failure of one Google call."""

    kind: str
    status: int | None
    message: str
    reason: str | None = None
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"{self.kind} ({self.status}): {self.message}"

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


def _reason_and_message(content: bytes) -> tuple[str | None, str]:
    try:
        error = json.loads(content or b"{}").get("error", {})
    except (ValueError, AttributeError):
        return None, (content or b"")[:200].decode(errors="replace")
    if isinstance(error, str):  # OAuth endpoints: {"error": "invalid_grant", "error_description": ...}
        return error, error
    errors = error.get("errors") or [{}]
    return errors[0].get("reason"), str(error.get("message", ""))


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date; the backoff schedule is a fine substitute


def kind_for_status(status: int, reason: str | None) -> str:
    """The kind of an HTTP error status (with Google's `reason` where it matters)."""
    if status == 429 or (status == 403 and reason in _RATE_REASONS):
        return "rate_limited"
    if status == 403 and reason in _QUOTA_REASONS:
        return "quota_exceeded"
    if status >= 500:
        return "unavailable"
    return {401: "auth_required", 403: "permission_denied", 404: "not_found", 409: "conflict",
            410: "gone"}.get(status, "invalid")


def classify(exc: BaseException) -> GoogleError | None:
    """The GoogleError for `exc`, or None when it is not a failure talking to Google (a bug: let it raise)."""
    from google.auth import exceptions as auth_exceptions
    from googleapiclient.errors import HttpError
    import httplib2

    if isinstance(exc, GoogleError):
        return exc
    if isinstance(exc, HttpError):
        status = int(exc.resp.status)
        reason, message = _reason_and_message(exc.content)
        return GoogleError(kind_for_status(status, reason), status, message or exc.reason or "", reason,
                           _retry_after(exc.resp.get("retry-after")))
    if isinstance(exc, auth_exceptions.RefreshError):
        # invalid_grant (revoked, expired refresh token) is final; a refresh that failed in transit is not.
        if getattr(exc, "retryable", False):
            return GoogleError("unavailable", None, str(exc))
        return GoogleError("auth_required", 401, str(exc), reason="invalid_grant")
    if isinstance(exc, auth_exceptions.TransportError):
        return GoogleError("unavailable", None, str(exc))
    if isinstance(exc, (socket.timeout, TimeoutError, ConnectionError, httplib2.HttpLib2Error, OSError)):
        return GoogleError("unavailable", None, f"{type(exc).__name__}: {exc}")
    return None
