"""The embeddings port: the local MiniLM model for real, OpenAI's SDK against a local stand-in, the Redis cache."""
import numpy as np
import pytest
import redis

from server.config import Config
from server.devinfra import free_port
from server.embeddings import EmbeddingError, make_embedder
from server.embeddings.cache import cached_query_embedding
from server.embeddings.minilm import MiniLMEmbedder
from server.embeddings.openai_embedder import OpenAIEmbedder
from server.queue import redis_client
from tests.support.http_standin import serve
from tests.support.openai_standin import OpenAIStandIn


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def test_minilm_vectors_are_unit_length_384d(minilm: MiniLMEmbedder) -> None:
    vectors = minilm.embed(["emails about the budget", "", "x" * 5000])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_minilm_places_related_texts_closer_than_unrelated(minilm: MiniLMEmbedder) -> None:
    query, related, unrelated = minilm.embed(
        ["emails about the budget", "Q4 Financial Review meeting notes", "Lunch on Friday?"])
    assert query @ related > query @ unrelated + 0.1


def test_minilm_batches_keep_input_order(minilm: MiniLMEmbedder) -> None:
    texts = [f"{'word ' * (i % 25)}text number {i}" for i in range(70)][::-1]
    together = minilm.embed(texts)
    one_by_one = np.vstack([minilm.embed([t]) for t in texts[:5]])
    assert np.allclose(together[:5], one_by_one, atol=1e-4)
    assert minilm.embed([]).shape == (0, 384)


def test_local_provider_refuses_another_dimension() -> None:
    with pytest.raises(EmbeddingError, match="EMBEDDING_DIM=384"):
        make_embedder(Config(embedding_dim=1536))


class CountingEmbedder:
    name, dim = "counting", 4

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.calls += 1
        return np.array([[len(t), 1, 0, 0] for t in texts], dtype=np.float32)


def test_query_embeddings_are_cached_in_redis(redis_url: str) -> None:
    cache = redis.Redis.from_url(redis_url)
    embedder = CountingEmbedder()
    first = cached_query_embedding(embedder, "budget from sarah", cache)
    second = cached_query_embedding(embedder, "budget from sarah", cache)
    assert embedder.calls == 1 and np.array_equal(first, second)
    cached_query_embedding(embedder, "another question", cache)
    assert embedder.calls == 2


def test_a_dead_redis_costs_only_the_cache() -> None:
    dead = redis_client(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2)
    embedder = CountingEmbedder()
    vector = cached_query_embedding(embedder, "hello", dead)
    assert vector.shape == (4,) and embedder.calls == 1


def test_openai_embedder_uses_the_real_sdk_and_asks_for_the_schema_dimension() -> None:
    standin = OpenAIStandIn()
    with serve(standin.app()) as base:
        embedder = OpenAIEmbedder(api_key="sk-test", model="text-embedding-3-small", dim=384,
                                  base_url=f"{base}/v1", max_retries=0)
        vectors = embedder.embed(["alpha", "beta", "alpha"])
    assert vectors.shape == (3, 384)
    assert np.allclose(vectors[0], vectors[2]) and not np.allclose(vectors[0], vectors[1])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sent = standin.requests[0]
    assert sent["body"]["dimensions"] == 384 and sent["body"]["model"] == "text-embedding-3-small"
    assert sent["authorization"] == "Bearer sk-test"


def test_openai_failures_become_embedding_errors_after_retries() -> None:
    standin = OpenAIStandIn(fail_next=2, fail_status=503)
    with serve(standin.app()) as base:
        failing = OpenAIEmbedder(api_key="sk-test", model="m", dim=8, base_url=f"{base}/v1", max_retries=0)
        with pytest.raises(EmbeddingError, match="OpenAI embeddings failed"):
            failing.embed(["x"])
        retrying = OpenAIEmbedder(api_key="sk-test", model="m", dim=8, base_url=f"{base}/v1", max_retries=1)
        assert retrying.embed(["x"]).shape == (1, 8)  # the SDK's own retry absorbed the second 503
    assert len(standin.requests) == 3


def test_openai_provider_needs_a_key() -> None:
    with pytest.raises(EmbeddingError, match="OPENAI_API_KEY"):
        make_embedder(Config(embedding_provider="openai"))
