"""The classification cache key, and a cache that never turns a Redis failure into an error."""
from server.devinfra import free_port
from server.llm.cache import ClassificationCache, cache_key
from server.queue import redis_client

MESSAGES = [{"role": "system", "content": "Classify."}, {"role": "user", "content": "cancel my flight"}]


def test_key_is_a_sha256_of_the_prompt_and_schema_name() -> None:
    key = cache_key(MESSAGES, "intent.v1")
    assert key.startswith("llm:classify:") and len(key.removeprefix("llm:classify:")) == 64
    assert cache_key([dict(m) for m in MESSAGES], "intent.v1") == key  # equal prompts, equal keys


def test_key_changes_with_the_schema_the_text_and_the_roles() -> None:
    key = cache_key(MESSAGES, "intent.v1")
    assert cache_key(MESSAGES, "intent.v2") != key
    assert cache_key(MESSAGES[:1] + [{"role": "user", "content": "cancel my flight!"}], "intent.v1") != key
    swapped = [{"role": "user", "content": "Classify."}, {"role": "user", "content": "cancel my flight"}]
    assert cache_key(swapped, "intent.v1") != key


def test_key_does_not_run_messages_together() -> None:
    # Concatenating contents would make these two collide.
    a = [{"role": "user", "content": "ab"}, {"role": "user", "content": "c"}]
    b = [{"role": "user", "content": "a"}, {"role": "user", "content": "bc"}]
    assert cache_key(a, "s") != cache_key(b, "s")


def test_a_dead_redis_is_a_miss_and_then_not_asked_for_a_while() -> None:
    calls: list[str] = []
    dead = redis_client(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2)

    class Counting:  # the dead client, counting the calls that reach it
        def get(self, name: str) -> object:
            calls.append(name)
            return dead.get(name)

        def set(self, name: str, *args: object, **kwargs: object) -> object:
            calls.append(name)
            return dead.set(name, *args, **kwargs)

    cache = ClassificationCache(Counting())  # type: ignore[arg-type]
    for _ in range(5):
        assert cache.get("k") is None
        cache.put("k", {"a": 1}, "openai", "m")  # no exception either
    assert len(calls) == 3  # get, set, get failed: its breaker opened and the other seven never reached Redis


def test_no_client_means_no_cache() -> None:
    cache = ClassificationCache(None)
    cache.put("k", {"a": 1}, "openai", "m")
    assert cache.get("k") is None
