"""The router's retry, budget, breaker and failover rules, with fake providers, a fake clock and no sleeping.

(The real SDKs against local stand-ins are in tests/integration/test_llm.py.)
"""
from __future__ import annotations

from typing import Iterator, Sequence

import pytest
from marshmallow import Schema, fields

from server.llm import CallPolicy, LLMUnavailable, ProviderError, Router, UsageLedger
from server.llm.provider import Message, ProviderStream, Reply
from server.resilience.backoff import backoff_delay

MESSAGES = [{"role": "user", "content": "cancel my flight"}]


class Op(Schema):
    operation = fields.String(required=True)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class FakeProvider:
    """Answers from a script of Replies and ProviderErrors (the last one repeats); each call takes `cost` seconds."""

    def __init__(self, name: str, script: list[Reply | ProviderError], clock: FakeClock, cost: float = 0.1) -> None:
        self.name, self.model = name, f"{name}-model"
        self.script, self.clock, self.cost = script, clock, cost
        self.calls: list[float] = []  # the timeout of each call
        self.closed = 0  # streams closed

    def _next(self, timeout: float) -> Reply:
        self.calls.append(timeout)
        self.clock.now += self.cost
        outcome = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(outcome, ProviderError):
            raise outcome
        return outcome

    def chat(self, messages: Sequence[Message], *, timeout: float, max_tokens: int, json_mode: bool) -> Reply:
        return self._next(timeout)

    def stream(self, messages: Sequence[Message], *, timeout: float, max_tokens: int) -> ProviderStream:
        reply = self._next(timeout)

        def deltas(out: ProviderStream) -> Iterator[str]:
            yield from reply.text.split()
            out.input_tokens, out.output_tokens = reply.input_tokens, reply.output_tokens

        def close() -> None:
            self.closed += 1

        return ProviderStream(reply.model, deltas, close)


def ok(text: str = '{"operation": "cancel"}') -> Reply:
    return Reply(text, "gpt-4o-mini", 100, 10)


def err(name: str, kind: str, status: int | None = None, retry_after: float | None = None) -> ProviderError:
    return ProviderError(name, kind, status=status, retry_after=retry_after)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def router(providers: list[FakeProvider], clock: FakeClock, **policy: float) -> Router:
    settings = {"timeout": 5.0, "budget": 11.0, "retries": 2, "backoff_base": 0.5, "backoff_cap": 4.0, **policy}
    return Router(providers, policies={"classify": CallPolicy(**settings), "synthesis": CallPolicy(**settings)},
                  clock=clock, sleep=clock.sleep, rng=lambda: 0.5)


def test_backoff_doubles_with_jitter_within_25_percent_and_is_capped() -> None:
    for attempt, nominal in [(0, 0.5), (1, 1.0), (2, 2.0), (5, 4.0)]:
        assert backoff_delay(attempt, 0.5, 4.0, rng=lambda: 0.0) == pytest.approx(nominal * 0.75)
        assert backoff_delay(attempt, 0.5, 4.0, rng=lambda: 0.999999) == pytest.approx(nominal * 1.25, rel=1e-5)
    assert backoff_delay(0, 0.5, 4.0, retry_after=7.0, rng=lambda: 0.5) == 7.0  # Retry-After wins when longer


def test_server_errors_are_retried_with_backoff_then_succeed(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [err("openai", "server_error", 500), err("openai", "rate_limited", 429), ok()],
                          clock)
    result = router([openai], clock).classify(MESSAGES, Op(), "op.v1")
    assert result.data == {"operation": "cancel"} and result.provider == "openai"
    assert len(openai.calls) == 3 and clock.slept == [0.5, 1.0]  # base·2^n with the jitter's midpoint


def test_retries_stop_at_two(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [err("openai", "server_error", 503)], clock)
    with pytest.raises(LLMUnavailable, match="openai: server_error"):
        router([openai], clock).classify(MESSAGES, Op(), "op.v1")
    assert len(openai.calls) == 3


def test_retry_after_is_honoured(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [err("openai", "rate_limited", 429, retry_after=3.0), ok()], clock)
    router([openai], clock).classify(MESSAGES, Op(), "op.v1")
    assert clock.slept == [3.0]


def test_a_retry_after_beyond_the_budget_fails_over_at_once(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [err("openai", "rate_limited", 429, retry_after=60.0), ok()], clock)
    anthropic = FakeProvider("anthropic", [ok()], clock)
    result = router([openai, anthropic], clock).classify(MESSAGES, Op(), "op.v1")
    assert result.provider == "anthropic" and clock.slept == [] and len(openai.calls) == 1
    assert result.failures == ("openai: rate_limited (429)",)


def test_timeouts_use_the_kinds_timeout_and_stay_within_the_budget(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [err("openai", "timeout")], clock, cost=5.0)
    with pytest.raises(LLMUnavailable):
        router([openai], clock).classify(MESSAGES, Op(), "op.v1")
    # 5 s timeout, 0.5 s pause, 5 s timeout = 10.5 s; a third attempt could end past the 11 s budget.
    assert openai.calls == [5.0, 5.0] and clock.now == pytest.approx(10.5)


def test_bad_requests_are_not_retried_but_fail_over(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [err("openai", "bad_request", 400)], clock)
    anthropic = FakeProvider("anthropic", [ok()], clock)
    r = router([openai, anthropic], clock)
    assert r.classify(MESSAGES, Op(), "op.v1").provider == "anthropic"
    assert len(openai.calls) == 1 and r.breaker_states()["openai"] == "closed"  # it answered: not a health problem


def test_the_breaker_opens_after_three_failed_calls_and_is_skipped(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [err("openai", "server_error", 500)], clock)
    anthropic = FakeProvider("anthropic", [ok()], clock)
    r = router([openai, anthropic], clock, retries=0)
    for _ in range(3):
        assert r.classify(MESSAGES, Op(), "op.v1").provider == "anthropic"
    assert r.breaker_states() == {"openai": "open", "anthropic": "closed"}
    result = r.classify(MESSAGES, Op(), "op.v1")
    assert len(openai.calls) == 3 and result.failures == ("openai: circuit_open",)
    clock.now += 60
    openai.script = [ok()]
    assert r.breaker_states()["openai"] == "half_open"
    assert r.classify(MESSAGES, Op(), "op.v1").provider == "openai"  # the trial succeeded
    assert r.breaker_states()["openai"] == "closed"


def test_invalid_answer_then_repair(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [ok("not json"), ok('{"operation": "search"}')], clock)
    ledger = UsageLedger()
    result = router([openai], clock).classify(MESSAGES, Op(), "op.v1", ledger=ledger)
    assert result.data == {"operation": "search"} and result.repaired
    assert result.usage.calls == 2 and result.usage.input_tokens == 200 and ledger.total == result.usage


def test_twice_invalid_goes_offline_without_trying_the_next_provider(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [ok('{"other": 1}')], clock)
    anthropic = FakeProvider("anthropic", [ok()], clock)
    result = router([openai, anthropic], clock).classify(MESSAGES, Op(), "op.v1",
                                                         offline_fallback=lambda: {"operation": "offline"})
    assert result.offline and result.data == {"operation": "offline"}
    assert len(openai.calls) == 2 and anthropic.calls == []
    assert result.usage.calls == 2  # what the model answers cost is still counted


def test_no_providers_means_offline_at_once_or_unavailable(clock: FakeClock) -> None:
    r = router([], clock)
    assert r.classify(MESSAGES, Op(), "op.v1", offline_fallback=lambda: "rules").data == "rules"
    with pytest.raises(LLMUnavailable, match="OPENAI_API_KEY or ANTHROPIC_API_KEY"):
        r.classify(MESSAGES, Op(), "op.v1")
    with pytest.raises(LLMUnavailable):
        r.complete(MESSAGES)


def test_stream_fails_over_before_the_first_token(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [err("openai", "server_error", 502)], clock)
    anthropic = FakeProvider("anthropic", [Reply("one two three", "claude-haiku-4-5", 30, 3)], clock)
    ledger = UsageLedger()
    stream = router([openai, anthropic], clock, retries=0).complete(MESSAGES, ledger=ledger)
    assert stream.provider == "anthropic" and list(stream) == ["one", "two", "three"]
    assert stream.usage.output_tokens == 3 and ledger.total.input_tokens == 30


def test_a_stream_closed_unread_releases_its_connection(clock: FakeClock) -> None:
    openai = FakeProvider("openai", [Reply("one two", "gpt-4o-mini")], clock)
    with router([openai], clock).complete(MESSAGES) as stream:
        assert stream.provider == "openai"
    assert openai.closed >= 1


def test_unknown_call_kind_is_a_clear_error(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="unknown LLM call kind 'chitchat'"):
        router([], clock).complete(MESSAGES, kind="chitchat")
