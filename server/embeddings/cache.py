"""Query embeddings cached in Redis: the same question asked twice is embedded once."""
from __future__ import annotations

import hashlib
import logging

import numpy as np
import redis

from server.embeddings import Embedder

log = logging.getLogger(__name__)

TTL_SECONDS = 24 * 3600


def _key(embedder: Embedder, text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"emb:{embedder.name}:{embedder.dim}:{digest}"


def cached_query_embedding(embedder: Embedder, text: str, cache: redis.Redis | None) -> np.ndarray:
    """The embedding of `text`, from Redis when cached; a Redis failure only costs the cache, never the query."""
    key = _key(embedder, text)
    if cache is not None:
        try:
            raw = cache.get(key)
            if raw is not None and len(raw) == embedder.dim * 4:
                return np.frombuffer(raw, dtype=np.float32).copy()
        except redis.RedisError as exc:
            log.warning("embedding cache unavailable", extra={"error": str(exc)})
            cache = None
    vector = embedder.embed([text])[0]
    if cache is not None:
        try:
            cache.set(key, vector.astype(np.float32).tobytes(), ex=TTL_SECONDS)
        except redis.RedisError as exc:
            log.warning("embedding cache unavailable", extra={"error": str(exc)})
    return vector
