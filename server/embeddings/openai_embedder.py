"""OpenAI embeddings (text-embedding-3-small by default) through the official SDK.

The `dimensions` parameter asks the model for vectors of the schema's size, so switching providers does not
require a different schema when the sizes agree.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from server.embeddings import EmbeddingError, l2_normalise

# The API takes at most 2048 inputs per call; smaller batches keep each request quick to retry.
BATCH = 256


class OpenAIEmbedder:
    """Embeddings from the OpenAI API."""

    def __init__(self, api_key: str, model: str, dim: int, base_url: str | None = None,
                 timeout: float = 20.0, max_retries: int = 3) -> None:
        import openai

        if not api_key:
            raise EmbeddingError("EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY")
        self.name = f"openai:{model}"
        self.model = model
        self.dim = dim
        self._errors = (openai.APIError,)
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; returns (n, dim) float32 unit vectors in input order."""
        rows: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            chunk = [t or " " for t in texts[start:start + BATCH]]
            try:
                response = self._client.embeddings.create(model=self.model, input=chunk, dimensions=self.dim)
            except self._errors as exc:
                raise EmbeddingError(f"OpenAI embeddings failed: {exc}") from exc
            rows.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), -1)
        if vectors.shape[1] != self.dim:
            raise EmbeddingError(f"{self.model} returned {vectors.shape[1]}-d vectors, expected {self.dim}")
        return l2_normalise(vectors)
