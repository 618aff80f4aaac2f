"""The circuit breaker's state machine, driven by a fake clock (no sleeping)."""
import pytest

from server.resilience.breaker import BreakerState, CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def failing(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        assert breaker.allow()
        breaker.record_failure()


def test_opens_after_three_consecutive_failures_and_refuses_calls(clock: FakeClock) -> None:
    breaker = CircuitBreaker("p", threshold=3, reset_after=60, clock=clock)
    failing(breaker, 2)
    assert breaker.state is BreakerState.CLOSED and breaker.consecutive_failures == 2
    failing(breaker, 1)
    assert breaker.state is BreakerState.OPEN
    clock.now += 59.9
    assert not breaker.allow() and breaker.state is BreakerState.OPEN


def test_a_success_resets_the_count(clock: FakeClock) -> None:
    breaker = CircuitBreaker("p", threshold=3, clock=clock)
    failing(breaker, 2)
    breaker.record_success()
    failing(breaker, 2)
    assert breaker.state is BreakerState.CLOSED


def test_half_open_lets_exactly_one_trial_through_and_its_success_closes(clock: FakeClock) -> None:
    breaker = CircuitBreaker("p", threshold=3, reset_after=60, clock=clock)
    failing(breaker, 3)
    clock.now += 60
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # a second caller waits for the trial's outcome
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow() and breaker.allow()


def test_a_failed_trial_reopens_for_another_full_pause(clock: FakeClock) -> None:
    breaker = CircuitBreaker("p", threshold=3, reset_after=60, clock=clock)
    failing(breaker, 3)
    clock.now += 61
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 59
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow() and breaker.state is BreakerState.HALF_OPEN


def test_an_abandoned_trial_does_not_wedge_the_breaker(clock: FakeClock) -> None:
    breaker = CircuitBreaker("p", threshold=1, reset_after=10, clock=clock)
    failing(breaker, 1)
    clock.now += 10
    assert breaker.allow()  # trial handed out, never reported back
    clock.now += 9
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow()


def test_transitions_are_reported(clock: FakeClock) -> None:
    seen: list[tuple[str, str, str]] = []
    breaker = CircuitBreaker("llm:x", threshold=2, reset_after=5, clock=clock,
                             on_change=lambda name, old, new: seen.append((name, old.value, new.value)))
    failing(breaker, 2)
    clock.now += 5
    breaker.allow()
    breaker.record_success()
    assert seen == [("llm:x", "closed", "open"), ("llm:x", "open", "half_open"), ("llm:x", "half_open", "closed")]


def test_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("p", threshold=0)


def test_every_breaker_is_listed_while_it_lives() -> None:
    import gc

    from server.resilience.breaker import all_breakers

    a = CircuitBreaker("zz-registry-a")
    b = CircuitBreaker("zz-registry-b")
    names = [x.name for x in all_breakers()]
    assert names.index("zz-registry-a") < names.index("zz-registry-b")
    del a
    gc.collect()
    assert "zz-registry-a" not in [x.name for x in all_breakers()]
    assert b in all_breakers()
