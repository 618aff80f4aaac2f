"""Classification and retry policy of Google calls, on real googleapiclient/google-auth exception objects."""
import json

import httplib2
import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from server.google.calls import execute
from server.resilience.backoff import backoff_delay
from server.google.errors import GoogleError, classify


def http_error(status: int, reason: str = "", retry_after: str | None = None) -> HttpError:
    headers = {"status": str(status)}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    body = {"error": {"code": status, "message": f"m{status}", "errors": [{"reason": reason}] if reason else []}}
    return HttpError(httplib2.Response(headers), json.dumps(body).encode())


@pytest.mark.parametrize("status, reason, kind", [
    (429, "", "rate_limited"), (403, "userRateLimitExceeded", "rate_limited"),
    (403, "dailyLimitExceeded", "quota_exceeded"), (403, "insufficientPermissions", "permission_denied"),
    (401, "authError", "auth_required"), (404, "notFound", "not_found"), (410, "fullSyncRequired", "gone"),
    (400, "invalidArgument", "invalid"), (409, "duplicate", "conflict"), (500, "", "unavailable"),
    (503, "", "unavailable"),
])
def test_http_errors_are_classified(status: int, reason: str, kind: str) -> None:
    error = classify(http_error(status, reason))
    assert error is not None and (error.kind, error.status) == (kind, status)


def test_retry_after_is_read_and_refresh_errors_mean_reauth() -> None:
    assert classify(http_error(429, retry_after="7")).retry_after == 7.0
    revoked = classify(RefreshError("invalid_grant: Token has been expired or revoked."))
    assert revoked.kind == "auth_required"
    assert classify(TimeoutError("timed out")).kind == "unavailable"
    assert classify(KeyError("a bug")) is None


class Scripted:
    """A request whose execute() raises the scripted errors in turn, then returns 'ok'."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    def execute(self, num_retries: int = 0) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_transient_errors_are_retried_with_backoff_honouring_retry_after() -> None:
    slept: list[float] = []
    request = Scripted(http_error(503), http_error(429, retry_after="5"))
    assert execute(request, sleep=slept.append, rng=lambda: 0.5) == "ok"
    assert request.calls == 3
    assert slept == [0.5, 5.0]  # base 0.5 s, then Retry-After beats the 1 s backoff


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_permanent_errors_are_not_retried(status: int) -> None:
    slept: list[float] = []
    request = Scripted(http_error(status))
    with pytest.raises(GoogleError) as caught:
        execute(request, sleep=slept.append)
    assert request.calls == 1 and slept == [] and caught.value.status == status


def test_giving_up_after_the_last_retry_raises_the_classified_error() -> None:
    request = Scripted(*[http_error(500)] * 3)
    with pytest.raises(GoogleError, match="unavailable"):
        execute(request, retries=2, sleep=lambda s: None)
    assert request.calls == 3


def test_backoff_grows_exponentially_within_jitter_and_cap() -> None:
    for attempt in range(8):
        nominal = min(32.0, 0.5 * 2 ** attempt)
        low, high = backoff_delay(attempt, 0.5, 32.0, None, rng=lambda: 0.0), \
            backoff_delay(attempt, 0.5, 32.0, None, rng=lambda: 0.999999)
        assert low == pytest.approx(nominal * 0.75) and high == pytest.approx(nominal * 1.25, rel=1e-5)
