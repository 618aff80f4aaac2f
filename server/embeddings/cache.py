"""Query embeddings, computed once: in this process (`MemoEmbedder`, the texts of the last few thousand requests:
the classifier and the search steps of one request often embed the same text) and in Redis
(`cached_query_embedding`: the same question asked twice, by any process, is embedded once).

A text's vector does not depend on what it is batched with (the local model masks padding), so a remembered
vector is the one the model would give again.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np
import redis

from server import metrics
from server.embeddings import Embedder
from server.resilience.redis_guard import RedisGuard

log = logging.getLogger(__name__)

TTL_SECONDS = 24 * 3600
MEMO_TEXTS = 4096  # ~6 MB of 384-d vectors per process
_GUARD = RedisGuard("embedding-cache")
_FAILED: object = object()  # what a guarded call answers when Redis did not


class MemoEmbedder:
    """An embedder that remembers the vectors of the last `size` texts it embedded or was told (LRU).

    Meant for query text in the web process (short, often repeated within a request); the embed worker's documents
    go to the model directly. Safe to share between threads and greenlets.
    """

    def __init__(self, inner: Embedder, size: int = MEMO_TEXTS) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.size = size
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def remembered(self, text: str) -> np.ndarray | None:
        """The vector of `text` if this process has it (a copy), else None."""
        with self._lock:
            vector = self._memo.get(text)
            if vector is None:
                return None
            self._memo.move_to_end(text)
            return vector.copy()

    def remember(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._memo[text] = np.array(vector, dtype=np.float32)
            self._memo.move_to_end(text)
            while len(self._memo) > self.size:
                self._memo.popitem(last=False)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Like the inner embedder's `embed`; only texts not remembered reach the model (in one batch)."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            vector = self.remembered(text)
            metrics.cache_lookup("query_embedding_memo", "miss" if vector is None else "hit")
            if vector is None:
                missing.setdefault(text, []).append(i)
            else:
                out[i] = vector
        if missing:
            vectors = self.inner.embed(list(missing))
            for (text, rows), vector in zip(missing.items(), vectors):
                out[rows] = vector
                self.remember(text, vector)
        return out


def _key(embedder: Embedder, text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"emb:{embedder.name}:{embedder.dim}:{digest}"


def cached_query_embedding(embedder: Embedder, text: str, cache: redis.Redis | None) -> np.ndarray:
    """The embedding of `text`: from this process's memo (a MemoEmbedder), else Redis, else the model. A Redis
    failure only costs the cache, never the query (and while Redis keeps failing, a breaker skips it). Each cache
    asked counts a hit, miss or error in the metrics (a Redis skipped by its breaker counts as an error)."""
    memo = embedder if isinstance(embedder, MemoEmbedder) else None
    if memo is not None:
        vector = memo.remembered(text)
        metrics.cache_lookup("query_embedding_memo", "miss" if vector is None else "hit")
        if vector is not None:
            return vector
    key = _key(embedder, text)
    raw = _GUARD.call(cache, "get", lambda c: c.get(key), _FAILED)
    if cache is not None:
        if raw is _FAILED:
            metrics.cache_lookup("query_embedding_redis", "error")
        elif raw is not None and len(raw) == embedder.dim * 4:
            metrics.cache_lookup("query_embedding_redis", "hit")
            vector = np.frombuffer(raw, dtype=np.float32).copy()
            if memo is not None:
                memo.remember(text, vector)
            return vector
        else:
            metrics.cache_lookup("query_embedding_redis", "miss")
    if memo is not None:  # the memo was asked above: embed past it (asking it again would count a second miss)
        vector = memo.inner.embed([text])[0]
        memo.remember(text, vector)
    else:
        vector = embedder.embed([text])[0]
    if raw is not _FAILED:  # Redis answered just now: keep the vector there too
        payload = vector.astype(np.float32).tobytes()
        _GUARD.call(cache, "set", lambda c: c.set(key, payload, ex=TTL_SECONDS), None)
    return vector
