"""The per-service Google breakers as `calls.execute` drives them: what counts, failing fast, the trial call."""
import time
from typing import Iterator

import pytest

from server.google import breakers
from server.google.calls import execute
from server.google.errors import GoogleError
from tests.unit.test_google_errors import Scripted, http_error


class GmailCall(Scripted):
    methodId = "gmail.users.messages.list"


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    breakers.configure(threshold=2, reset_after=0.2)
    yield
    breakers.configure()


def fail(*errors: Exception) -> GoogleError:
    with pytest.raises(GoogleError) as caught:
        execute(GmailCall(*errors), retries=len(errors) - 1, sleep=lambda s: None)
    return caught.value


def test_the_service_comes_from_the_discovery_method_id() -> None:
    assert breakers.service_of(GmailCall()) == "gmail"
    assert breakers.service_of(type("C", (), {"methodId": "drive.files.get"})()) == "drive"
    assert breakers.service_of(Scripted()) is None  # unknown: no breaker


def test_failed_calls_open_the_breaker_and_then_calls_fail_fast_without_a_request() -> None:
    fail(http_error(503), http_error(503))  # one call, retried once, failed: one failure
    assert breakers.states()["gmail"] == "closed"
    fail(http_error(500))
    assert breakers.states() == {"gmail": "open", "calendar": "closed", "drive": "closed"}
    request = GmailCall()
    with pytest.raises(GoogleError) as caught:
        execute(request, sleep=lambda s: None)
    assert request.calls == 0
    error = caught.value
    assert (error.kind, error.reason) == ("unavailable", "circuit_open") and error.retry_after >= 1
    assert "Gmail is not answering" in error.message
    assert execute(type("Cal", (GmailCall,), {"methodId": "calendar.events.list"})()) == "ok"  # others unaffected


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410])
def test_answers_about_the_request_never_count(status: int) -> None:
    for _ in range(5):
        fail(http_error(status))
    assert breakers.states()["gmail"] == "closed"


def test_rate_limits_count_only_once_the_retries_are_spent() -> None:
    assert execute(GmailCall(http_error(429), http_error(429)), sleep=lambda s: None) == "ok"
    assert execute(GmailCall(http_error(429)), sleep=lambda s: None) == "ok"
    assert breakers.breaker("gmail").consecutive_failures == 0
    for _ in range(3):  # one person's own limit says nothing about Gmail for everyone else
        fail(http_error(403, "userRateLimitExceeded"))
    assert breakers.states()["gmail"] == "closed"
    fail(http_error(429), http_error(429))
    fail(http_error(429))
    assert breakers.states()["gmail"] == "open"


def test_after_the_pause_one_trial_closes_it_or_opens_it_again() -> None:
    fail(http_error(503))
    fail(http_error(503))
    time.sleep(0.25)
    assert breakers.states()["gmail"] == "half_open"
    fail(http_error(503))  # the trial failed
    assert breakers.states()["gmail"] == "open"
    time.sleep(0.25)
    assert execute(GmailCall(), sleep=lambda s: None) == "ok"
    assert breakers.states()["gmail"] == "closed"


def test_a_retry_after_longer_than_a_person_waits_comes_back_at_once() -> None:
    slept: list[float] = []
    request = GmailCall(http_error(429, retry_after="30"))
    with pytest.raises(GoogleError) as caught:
        execute(request, max_wait=5.0, sleep=slept.append)
    assert request.calls == 1 and slept == []
    assert caught.value.kind == "rate_limited" and caught.value.retry_after == 30.0


def test_configure_takes_new_settings_and_starts_closed() -> None:
    fail(http_error(503))
    fail(http_error(503))
    breakers.configure(threshold=3, reset_after=60)
    gmail = breakers.breaker("gmail")
    assert (gmail.state.value, gmail.threshold, gmail.reset_after) == ("closed", 3, 60)
