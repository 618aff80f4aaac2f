"""A local stand-in for the OpenAI HTTP API (the parts we call), so the official SDK runs unmodified in tests.

Embeddings are deterministic pseudo-random vectors seeded by the text, so equal texts get equal vectors and the
tests can tell inputs apart. `fail_next` makes the next N calls answer with an HTTP error.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from flask import Flask, jsonify, request


def fake_vector(text: str, dim: int) -> list[float]:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).normal(size=dim).tolist()


@dataclass
class OpenAIStandIn:
    """State of the stand-in: recorded requests and scheduled failures."""

    requests: list[dict] = field(default_factory=list)
    fail_next: int = 0
    fail_status: int = 500

    def app(self) -> Flask:
        app = Flask("openai-standin")

        @app.post("/v1/embeddings")
        def embeddings():  # type: ignore[no-untyped-def]
            body = request.get_json()
            self.requests.append({"path": request.path, "body": body,
                                  "authorization": request.headers.get("Authorization")})
            if self.fail_next > 0:
                self.fail_next -= 1
                return jsonify(error={"message": "stand-in failure", "type": "server_error"}), self.fail_status
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            dim = body.get("dimensions", 1536)
            data = [{"object": "embedding", "index": i, "embedding": fake_vector(t, dim)}
                    for i, t in reversed(list(enumerate(inputs)))]  # out of order on purpose: clients must sort
            return jsonify(object="list", data=data, model=body["model"],
                           usage={"prompt_tokens": len(inputs), "total_tokens": len(inputs)})

        return app
