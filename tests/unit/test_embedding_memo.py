"""The web process's query embedder remembers what it embedded: the model sees each text once."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pytest

from server.embeddings.cache import MemoEmbedder, cached_query_embedding


class CountingEmbedder:
    name, dim = "counting", 4

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return np.array([[len(t), t.count("a"), 1, 0] for t in texts], dtype=np.float32)


class NoRedis:
    """Fails the test if the Redis cache is consulted."""

    def get(self, key: str) -> bytes:
        raise AssertionError("Redis asked for a text the process already had")

    set = get


def test_only_texts_not_seen_before_reach_the_model_in_one_batch() -> None:
    inner = CountingEmbedder()
    memo = MemoEmbedder(inner)
    first = memo.embed(["send mail to ana", "a"])
    again = memo.embed(["a", "banana", "send mail to ana", "banana"])
    assert inner.batches == [["send mail to ana", "a"], ["banana"]]
    assert np.array_equal(again, inner.embed(["a", "banana", "send mail to ana", "banana"]))
    assert np.array_equal(first[0], again[2])
    assert memo.embed([]).shape == (0, 4) and (memo.name, memo.dim) == ("counting", 4)


def test_a_returned_vector_is_the_callers_to_change() -> None:
    memo = MemoEmbedder(CountingEmbedder())
    memo.embed(["abc"])[0][:] = 99
    assert memo.remembered("abc").tolist() == [3, 1, 1, 0]


def test_the_least_recently_used_text_is_forgotten_first() -> None:
    inner = CountingEmbedder()
    memo = MemoEmbedder(inner, size=2)
    memo.embed(["x", "y"])
    memo.embed(["x"])  # x is now the most recent
    memo.embed(["z"])  # y goes
    assert memo.remembered("y") is None and memo.remembered("x") is not None
    assert inner.batches == [["x", "y"], ["z"]]


@pytest.mark.parametrize("first_through", ["classifier", "search"])
def test_the_query_embedding_comes_from_the_process_before_redis(first_through: str) -> None:
    inner = CountingEmbedder()
    memo = MemoEmbedder(inner)
    if first_through == "classifier":
        memo.embed(["budget from sarah"])
    else:
        cached_query_embedding(memo, "budget from sarah", None)
    vector = cached_query_embedding(memo, "budget from sarah", NoRedis())  # type: ignore[arg-type]
    assert vector.tolist() == [17, 2, 1, 0] and len(inner.batches) == 1
