"""The embeddings port: text → unit-length float32 vectors of the configured dimension.

`make_embedder(config)` picks the local MiniLM (ONNX, no network; the default) or OpenAI's embeddings API (when
EMBEDDING_PROVIDER=openai and OPENAI_API_KEY are set). Either way the vectors are L2-normalised, so cosine
distance in pgvector ranks them. `cached_query_embedding` keeps query vectors in Redis.
"""
from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from server.config import Config


class EmbeddingError(RuntimeError):
    """Embedding failed (provider down, bad configuration); the message says which."""


class Embedder(Protocol):
    """Anything that embeds texts into `dim`-dimensional unit vectors."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` → float32 array of shape (len(texts), dim), each row of unit length."""
        ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def make_embedder(config: Config) -> Embedder:
    """The embedder the configuration asks for; refuses a model whose dimension differs from the schema's."""
    if config.embedding_provider == "openai":
        from server.embeddings.openai_embedder import OpenAIEmbedder

        return OpenAIEmbedder(api_key=config.openai_api_key or "", model=config.embedding_model,
                              dim=config.embedding_dim, base_url=config.openai_base_url)
    from server.embeddings.minilm import MiniLMEmbedder

    if config.embedding_dim != MiniLMEmbedder.DIM:
        raise EmbeddingError(
            f"the local MiniLM model gives {MiniLMEmbedder.DIM}-d vectors but EMBEDDING_DIM is "
            f"{config.embedding_dim}; set EMBEDDING_DIM={MiniLMEmbedder.DIM} or EMBEDDING_PROVIDER=openai"
        )
    return MiniLMEmbedder(threads=config.embedding_threads, max_tokens=config.embedding_max_tokens)
