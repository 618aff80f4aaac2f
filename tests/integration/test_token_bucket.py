"""The token bucket's arithmetic, run through the real Lua script in the test Redis (explicit clock), and its
atomicity under concurrent takes (Redis's own clock)."""
from __future__ import annotations

import threading
import uuid

import pytest
import redis

from server.ratelimit.bucket import TokenBucket

T0 = 1_700_000_000.0


@pytest.fixture(scope="module")
def connection(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


@pytest.fixture
def bucket(connection: redis.Redis) -> TokenBucket:
    return TokenBucket(connection, f"test:{uuid.uuid4().hex}")


def test_a_new_bucket_is_full_and_each_take_removes_its_cost(bucket: TokenBucket) -> None:
    first = bucket.take("u", capacity=10, rate=2, now=T0)
    assert first.allowed and first.remaining == 9
    assert first.reset_after == pytest.approx(0.5)  # one token short of full at 2 tokens/s
    three = bucket.take("u", capacity=10, rate=2, cost=3, now=T0)
    assert three.allowed and three.remaining == 6


def test_an_empty_bucket_refuses_says_when_and_a_refusal_costs_nothing(bucket: TokenBucket) -> None:
    for expected_left in range(4, -1, -1):
        assert bucket.take("u", capacity=5, rate=0.5, now=T0).remaining == expected_left
    refused = bucket.take("u", capacity=5, rate=0.5, now=T0 + 1)  # 0.5 token back after 1 s
    assert not refused.allowed
    assert refused.remaining == pytest.approx(0.5)
    assert refused.retry_after == pytest.approx(1.0)  # the missing half token at 0.5/s
    again = bucket.take("u", capacity=5, rate=0.5, now=T0 + 1)
    assert not again.allowed and again.remaining == pytest.approx(0.5)  # the refusal took nothing
    assert bucket.take("u", capacity=5, rate=0.5, now=T0 + 2).allowed  # exactly when it said


def test_tokens_come_back_with_elapsed_time_up_to_the_capacity(bucket: TokenBucket) -> None:
    for _ in range(10):
        bucket.take("u", capacity=10, rate=4, now=T0)
    assert bucket.take("u", capacity=10, rate=4, cost=0, now=T0 + 1.25).remaining == pytest.approx(5)
    assert bucket.take("u", capacity=10, rate=4, cost=0, now=T0 + 3600).remaining == pytest.approx(10)


def test_a_clock_going_backwards_adds_nothing(bucket: TokenBucket) -> None:
    bucket.take("u", capacity=4, rate=1, cost=4, now=T0 + 10)
    assert bucket.take("u", capacity=4, rate=1, cost=0, now=T0).remaining == 0
    assert bucket.take("u", capacity=4, rate=1, cost=0, now=T0 + 12).remaining == pytest.approx(2)


def test_buckets_are_separate_per_name(bucket: TokenBucket) -> None:
    bucket.take("a", capacity=2, rate=0.001, cost=2, now=T0)
    assert not bucket.take("a", capacity=2, rate=0.001, now=T0).allowed
    assert bucket.take("b", capacity=2, rate=0.001, now=T0).remaining == 1


def test_a_forced_take_goes_into_debt_and_a_check_waits_it_out(bucket: TokenBucket) -> None:
    forced = bucket.take("u", capacity=10, rate=5, cost=25, force=True, now=T0)
    assert forced.allowed and forced.remaining == -15
    assert forced.retry_after == pytest.approx(3.0)  # 15 tokens of debt at 5/s
    check = bucket.take("u", capacity=10, rate=5, cost=0, now=T0 + 1)
    assert not check.allowed and check.retry_after == pytest.approx(2.0)
    assert bucket.take("u", capacity=10, rate=5, cost=0, now=T0 + 3).allowed


def test_the_state_expires_once_the_bucket_would_be_full_again(bucket: TokenBucket,
                                                               connection: redis.Redis) -> None:
    bucket.take("u", capacity=100, rate=10, cost=50, now=T0)
    ttl_ms = connection.pttl(bucket.key("u"))
    assert 5000 < ttl_ms <= 6000  # 5 s to refill 50 tokens, plus a second's margin


def test_a_bucket_needs_a_positive_capacity_and_rate(bucket: TokenBucket) -> None:
    with pytest.raises(ValueError):
        bucket.take("u", capacity=0, rate=1)
    with pytest.raises(ValueError):
        bucket.take("u", capacity=1, rate=0)


def test_concurrent_takes_never_share_the_last_token(redis_url: str) -> None:
    """50 clients on their own connections at once against a capacity of 20: exactly 20 get through."""
    prefix = f"test:{uuid.uuid4().hex}"
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(50)

    def client() -> None:
        mine = TokenBucket(redis.Redis.from_url(redis_url), prefix)
        start.wait()
        allowed = mine.take("shared", capacity=20, rate=0.0001).allowed
        with lock:
            results.append(allowed)

    threads = [threading.Thread(target=client) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 50
    assert results.count(True) == 20
