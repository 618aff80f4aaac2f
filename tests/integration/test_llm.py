"""The LLM port end to end: the real OpenAI and Anthropic SDKs over HTTP to local stand-ins, the real Redis cache.

Each stand-in answers from a script (tests/support/openai_standin.py, anthropic_standin.py) and records every
request, so the tests can count what reached each provider.
"""
from __future__ import annotations

import time
from typing import Iterator

import pytest
import redis
from marshmallow import Schema, fields, validate

from server.config import Config
from server.devinfra import free_port
from server.llm import (CallPolicy, LLMStreamInterrupted, LLMUnavailable, Router, UsageLedger, make_providers,
                        make_router)
from server.llm.pricing import cost_usd
from server.queue import redis_client
from tests.support.anthropic_standin import AnthropicStandIn
from tests.support.http_standin import serve
from tests.support.openai_standin import OpenAIStandIn, Scripted

CANCEL = '{"operation": "cancel", "confidence": 0.9}'
SEARCH = '{"operation": "search", "confidence": 0.7}'


class Intent(Schema):
    operation = fields.String(required=True, validate=validate.OneOf(["search", "cancel", "offline"]))
    confidence = fields.Float(required=True)


def ask(text: str = "Cancel my Turkish Airlines flight") -> list[dict[str, str]]:
    return [{"role": "system", "content": "Classify the request."}, {"role": "user", "content": text}]


def offline() -> dict[str, object]:
    return {"operation": "offline", "confidence": 0.3}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# One server per stand-in for the module (stopping a server costs up to half a second); state reset per test.
@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[OpenAIStandIn, str, AnthropicStandIn, str]]:
    openai_standin, anthropic_standin = OpenAIStandIn(), AnthropicStandIn()
    with serve(openai_standin.app()) as openai_base, serve(anthropic_standin.app()) as anthropic_base:
        yield openai_standin, openai_base, anthropic_standin, anthropic_base


@pytest.fixture
def openai_standin(servers: tuple[OpenAIStandIn, str, AnthropicStandIn, str]) -> OpenAIStandIn:
    standin = servers[0]
    standin.requests.clear()
    standin.chat_script.clear()
    standin.chat_default = Scripted(CANCEL, input_tokens=120, output_tokens=15)
    return standin


@pytest.fixture
def anthropic_standin(servers: tuple[OpenAIStandIn, str, AnthropicStandIn, str]) -> AnthropicStandIn:
    standin = servers[2]
    standin.requests.clear()
    standin.script.clear()
    standin.default = Scripted(SEARCH, input_tokens=130, output_tokens=17)
    return standin


@pytest.fixture
def cache(redis_url: str) -> redis.Redis:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    return client


@pytest.fixture
def config(servers: tuple[OpenAIStandIn, str, AnthropicStandIn, str]) -> Config:
    return Config(openai_api_key="sk-test", openai_base_url=f"{servers[1]}/v1",
                  anthropic_api_key="ak-test", anthropic_base_url=servers[3])


def build(config: Config, cache: redis.Redis | None, *, timeout: float = 3.0, retries: int = 2,
          budget: float = 10.0, **router_args: object) -> Router:
    """A router over the configured providers with test-sized pauses (backoff from 10 ms)."""
    policy = CallPolicy(timeout=timeout, budget=budget, retries=retries, backoff_base=0.01, backoff_cap=0.05)
    return Router(make_providers(config), cache=cache, policies={"classify": policy, "synthesis": policy},
                  **router_args)  # type: ignore[arg-type]


# ---- classification ------------------------------------------------------------------------------------------

def test_classify_returns_validated_json_with_usage_and_cost(config: Config, cache: redis.Redis,
                                                             openai_standin: OpenAIStandIn,
                                                             anthropic_standin: AnthropicStandIn) -> None:
    ledger = UsageLedger()
    result = build(config, cache).classify(ask(), Intent(), "intent.v1", ledger=ledger)
    assert result.data == {"operation": "cancel", "confidence": 0.9}
    assert (result.provider, result.model, result.cached, result.repaired) == ("openai", "gpt-4o-mini", False, False)
    assert (result.usage.input_tokens, result.usage.output_tokens, result.usage.calls) == (120, 15, 1)
    assert result.usage.cost_usd == pytest.approx(cost_usd("gpt-4o-mini", 120, 15)) and result.usage.cost_usd > 0
    assert ledger.total == result.usage
    [sent] = openai_standin.chat_requests()
    assert sent["authorization"] == "Bearer sk-test"
    assert sent["body"]["response_format"] == {"type": "json_object"} and sent["body"]["model"] == "gpt-4o-mini"
    assert sent["body"]["messages"][:2] == ask()
    assert "JSON object" in sent["body"]["messages"][-1]["content"]
    assert anthropic_standin.requests == []


def test_invalid_json_gets_one_repair_request(config: Config, cache: redis.Redis,
                                              openai_standin: OpenAIStandIn) -> None:
    openai_standin.chat_script[:] = [Scripted("Sure! The operation is cancel."), Scripted(CANCEL)]
    result = build(config, cache).classify(ask(), Intent(), "intent.v1")
    assert result.data["operation"] == "cancel" and result.repaired and result.provider == "openai"
    assert result.usage.calls == 2
    first, repair = openai_standin.chat_requests()
    sent = repair["body"]["messages"]
    assert sent[:len(first["body"]["messages"])] == first["body"]["messages"]
    assert sent[-2] == {"role": "assistant", "content": "Sure! The operation is cancel."}
    assert sent[-1]["role"] == "user" and "no JSON object" in sent[-1]["content"]


def test_a_schema_error_is_sent_back_for_repair(config: Config, cache: redis.Redis,
                                                openai_standin: OpenAIStandIn) -> None:
    openai_standin.chat_script[:] = [Scripted('{"operation": "fly", "confidence": 0.9}'), Scripted(CANCEL)]
    result = build(config, cache).classify(ask(), Intent(), "intent.v1")
    assert result.repaired and result.data["operation"] == "cancel"
    assert "Must be one of" in openai_standin.chat_requests()[1]["body"]["messages"][-1]["content"]


def test_twice_invalid_falls_back_offline(config: Config, cache: redis.Redis, openai_standin: OpenAIStandIn,
                                          anthropic_standin: AnthropicStandIn) -> None:
    openai_standin.chat_default = Scripted('{"operation": "cancel"}')  # confidence missing, every time
    result = build(config, cache).classify(ask(), Intent(), "intent.v1", offline_fallback=offline)
    assert result.offline and result.data == offline() and result.model is None
    assert len(openai_standin.chat_requests()) == 2 and anthropic_standin.requests == []
    assert result.failures == ("openai: invalid output", "openai: invalid output after repair")
    assert cache.keys("llm:classify:*") == []  # an offline answer is never cached


def test_openai_500s_fail_over_to_anthropic(config: Config, cache: redis.Redis, openai_standin: OpenAIStandIn,
                                            anthropic_standin: AnthropicStandIn) -> None:
    openai_standin.chat_default = Scripted(status=500)
    result = build(config, cache).classify(ask(), Intent(), "intent.v1")
    assert result.provider == "anthropic" and result.model == "claude-haiku-4-5"
    assert result.data == {"operation": "search", "confidence": 0.7}
    assert len(openai_standin.chat_requests()) == 3  # the first try and two retries
    assert result.failures == ("openai: server_error (500)",)
    [sent] = anthropic_standin.requests
    assert sent["credential"] == "ak-test" and sent["body"]["model"] == "claude-haiku-4-5"
    assert "JSON object" in sent["body"]["system"] and sent["body"]["messages"] == [ask()[1]]


def test_both_down_goes_offline_or_says_unavailable(config: Config, cache: redis.Redis,
                                                    openai_standin: OpenAIStandIn,
                                                    anthropic_standin: AnthropicStandIn) -> None:
    openai_standin.chat_default = Scripted(status=503)
    anthropic_standin.default = Scripted(status=529)  # Anthropic's "overloaded"
    router = build(config, cache, retries=0)
    result = router.classify(ask(), Intent(), "intent.v1", offline_fallback=offline)
    assert result.offline and result.failures == ("openai: server_error (503)", "anthropic: server_error (529)")
    with pytest.raises(LLMUnavailable, match="openai: server_error.*anthropic: server_error"):
        router.classify(ask("another"), Intent(), "intent.v1")
    with pytest.raises(LLMUnavailable):
        router.complete(ask())


def test_the_breaker_opens_after_three_failures_and_stops_calling(config: Config, cache: redis.Redis,
                                                                  openai_standin: OpenAIStandIn,
                                                                  anthropic_standin: AnthropicStandIn) -> None:
    openai_standin.chat_default = Scripted(status=500)
    clock = FakeClock()
    transitions: list[str] = []
    router = build(config, cache, retries=0, clock=clock,
                   on_breaker_change=lambda name, old, new: transitions.append(f"{name}:{new.value}"))
    for i in range(5):  # different prompts, so the cache does not answer
        assert router.classify(ask(f"question {i}"), Intent(), "intent.v1").provider == "anthropic"
    assert len(openai_standin.chat_requests()) == 3  # calls 4 and 5 never reached OpenAI
    assert router.breaker_states() == {"openai": "open", "anthropic": "closed"}
    clock.now += 60
    openai_standin.chat_default = Scripted(CANCEL)
    assert router.classify(ask("question 5"), Intent(), "intent.v1").provider == "openai"  # the one trial call
    assert len(openai_standin.chat_requests()) == 4
    assert router.breaker_states()["openai"] == "closed"
    assert transitions == ["llm:openai:open", "llm:openai:half_open", "llm:openai:closed"]


def test_a_cache_hit_avoids_the_second_http_call(config: Config, cache: redis.Redis,
                                                 openai_standin: OpenAIStandIn) -> None:
    first = build(config, cache).classify(ask(), Intent(), "intent.v1")
    again = build(config, cache).classify(ask(), Intent(), "intent.v1")  # another process, same Redis
    assert len(openai_standin.chat_requests()) == 1
    assert again.cached and again.data == first.data and again.provider == "openai"
    assert again.usage.calls == 0 and again.usage.cost_usd == 0
    assert 0 < cache.ttl(cache.keys("llm:classify:*")[0]) <= 300
    build(config, cache).classify(ask(), Intent(), "intent.v2")  # another schema name: another question
    assert len(openai_standin.chat_requests()) == 2


def test_a_dead_redis_only_costs_the_cache(config: Config, openai_standin: OpenAIStandIn) -> None:
    dead = redis_client(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2)
    router = build(config, dead)
    assert router.classify(ask(), Intent(), "intent.v1").data["operation"] == "cancel"
    assert router.classify(ask(), Intent(), "intent.v1").data["operation"] == "cancel"
    assert len(openai_standin.chat_requests()) == 2


def test_timeouts_are_honoured(config: Config, cache: redis.Redis, openai_standin: OpenAIStandIn,
                               anthropic_standin: AnthropicStandIn) -> None:
    openai_standin.chat_script[:] = [Scripted(CANCEL, delay=2.0)]
    started = time.monotonic()
    result = build(config, cache, timeout=0.5, retries=0).classify(ask(), Intent(), "intent.v1")
    elapsed = time.monotonic() - started
    assert result.provider == "anthropic" and result.failures == ("openai: timeout",)
    assert elapsed < 1.5  # gave up on OpenAI after 0.5 s instead of waiting its 2 s


def test_retry_after_is_honoured(config: Config, cache: redis.Redis, openai_standin: OpenAIStandIn) -> None:
    openai_standin.chat_script[:] = [Scripted(status=429, retry_after="2")]
    slept: list[float] = []
    result = build(config, cache, sleep=slept.append).classify(ask(), Intent(), "intent.v1")
    assert result.provider == "openai" and slept == [2.0] and len(openai_standin.chat_requests()) == 2


def test_no_keys_means_offline_at_once_without_network(cache: redis.Redis, openai_standin: OpenAIStandIn,
                                                       anthropic_standin: AnthropicStandIn) -> None:
    router = make_router(Config(), cache=cache)
    assert router.provider_names == []
    result = router.classify(ask(), Intent(), "intent.v1", offline_fallback=offline)
    assert result.offline and result.usage.calls == 0
    with pytest.raises(LLMUnavailable, match="no LLM provider is configured"):
        router.complete(ask())
    assert openai_standin.requests == [] and anthropic_standin.requests == []


def test_the_factory_wires_keys_models_and_base_urls(config: Config, cache: redis.Redis,
                                                     openai_standin: OpenAIStandIn,
                                                     anthropic_standin: AnthropicStandIn) -> None:
    assert [p.name for p in make_providers(config.with_(openai_api_key=None))] == ["anthropic"]
    router = make_router(config.with_(llm_openai_model="gpt-4.1-mini"), cache=cache)
    assert router.provider_names == ["openai", "anthropic"]
    router.classify(ask(), Intent(), "intent.v1")
    assert openai_standin.chat_requests()[0]["body"]["model"] == "gpt-4.1-mini"


# ---- streaming -----------------------------------------------------------------------------------------------

def test_openai_tokens_stream_in_order_with_usage(config: Config, openai_standin: OpenAIStandIn) -> None:
    words = ["Your ", "flight ", "TK1 ", "is ", "cancelled."]
    openai_standin.chat_script[:] = [Scripted(tokens=words, input_tokens=300, output_tokens=5)]
    ledger = UsageLedger()
    stream = build(config, None).complete(ask(), ledger=ledger)
    assert stream.provider == "openai" and list(stream) == words
    assert (stream.usage.input_tokens, stream.usage.output_tokens) == (300, 5)
    assert ledger.total == stream.usage
    body = openai_standin.chat_requests()[0]["body"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert "response_format" not in body


def test_anthropic_streams_when_openai_fails_before_the_first_token(config: Config,
                                                                    openai_standin: OpenAIStandIn,
                                                                    anthropic_standin: AnthropicStandIn) -> None:
    openai_standin.chat_default = Scripted(delay=2.0)  # times out before it starts
    anthropic_standin.default = Scripted(tokens=["Done", " — ", "moved ", "to ", "10:30."], input_tokens=130,
                                         output_tokens=9)
    stream = build(config, None, timeout=0.5, retries=0).complete(ask())
    assert stream.provider == "anthropic" and stream.failures == ("openai: timeout",)
    assert stream.text() == "Done — moved to 10:30."
    assert (stream.usage.input_tokens, stream.usage.output_tokens) == (130, 9)
    assert anthropic_standin.requests[0]["body"]["stream"] is True


def test_a_stream_cut_after_the_first_token_is_not_replayed_elsewhere(config: Config,
                                                                      openai_standin: OpenAIStandIn,
                                                                      anthropic_standin: AnthropicStandIn) -> None:
    openai_standin.chat_script[:] = [Scripted(tokens=["one ", "two ", "three"], break_after=2)]
    stream = build(config, None).complete(ask())
    received: list[str] = []
    with pytest.raises(LLMStreamInterrupted):
        for token in stream:
            received.append(token)
    assert received == ["one ", "two "] and anthropic_standin.requests == []


def test_complete_without_streaming_gives_the_whole_answer(config: Config, openai_standin: OpenAIStandIn) -> None:
    openai_standin.chat_script[:] = [Scripted("All three meetings are on Thursday.")]
    stream = build(config, None).complete(ask(), stream=False)
    assert list(stream) == ["All three meetings are on Thursday."] and stream.usage.calls == 1
    assert "stream" not in openai_standin.chat_requests()[0]["body"]
