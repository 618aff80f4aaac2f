"""What a request handler may use: the config and the process's connections, created once by the app factory."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

import redis
from flask import current_app
from psycopg_pool import ConnectionPool

from server.config import Config
from server.embeddings import Embedder, make_embedder
from server.embeddings.cache import MemoEmbedder
from server.google import breakers as google_breakers
from server.intent.offline import OfflineClassifier
from server.llm import Router, make_router


@dataclass
class Services:
    """Per-process singletons shared by every request of a web worker."""

    config: Config
    pool: ConnectionPool
    redis: redis.Redis
    _embedder: Embedder | None = None
    _llm: Router | None = None
    _classifier: OfflineClassifier | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The process's Google breakers take this config's settings (and start closed).
        google_breakers.configure(self.config.google_breaker_threshold, self.config.google_breaker_reset_seconds)

    def embedder(self) -> Embedder:
        """The query embedder, loaded on first use (a web process that never searches never loads it). It
        remembers the last few thousand texts it embedded: the classifier and the search steps of a request often
        embed the same text, and people ask the same things again."""
        with self._lock:
            if self._embedder is None:
                self._embedder = MemoEmbedder(make_embedder(self.config))
            return self._embedder

    def llm(self) -> Router:
        """The LLM router (providers, breakers, cache), built once per process so breakers see every request."""
        with self._lock:
            if self._llm is None:
                self._llm = make_router(self.config, cache=self.redis)
            return self._llm

    def intent_classifier(self) -> OfflineClassifier:
        """The offline intent classifier (its model loaded once). It shares the query embedder when that is the
        local MiniLM it was trained on, and loads its own MiniLM otherwise (EMBEDDING_PROVIDER=openai)."""
        from server.embeddings.minilm import MiniLMEmbedder

        embedder = self.embedder()
        local = isinstance(embedder, MemoEmbedder) and isinstance(embedder.inner, MiniLMEmbedder)
        with self._lock:
            if self._classifier is None:
                self._classifier = OfflineClassifier(embedder if local else None)
            return self._classifier

    def close(self) -> None:
        """Release the pool's connections and Redis sockets (app shutdown, tests), and whatever else the app
        registered in `closers` (the rate limiter's own Redis client)."""
        self.pool.close()
        self.redis.close()
        for close in self.closers:
            close()


def services() -> Services:
    """The Services of the current Flask app."""
    return current_app.extensions["wo"]
