"""The learned part of the offline classifier: a softmax (multinomial logistic) regression over the sentence
embedding and the words of a request, in numpy. Classes are dataset intents and our own operations
(labels.py); their probabilities are summed per (service, operation).

`in_scope_bias` is added to the logit of every in-scope class: the training data is mostly out-of-scope
assistant requests (weather, music, alarms…), far more than a Workspace assistant will see.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from server.embeddings import Embedder
from server.intent.features import feature_matrix, model_text
from server.intent.labels import OUT_OF_SCOPE, class_label

MODEL_PATH = Path(__file__).parent / "data" / "model.npz"


class ModelMissing(RuntimeError):
    """The trained weights are not there; `python -m server.intent.train` makes them."""


@dataclass
class LinearIntentModel:
    """Weights over [embedding · scale, bag of words · scale] → class logits."""

    classes: list[str]
    vocabulary: dict[str, int]
    weights: np.ndarray        # (features, classes)
    bias: np.ndarray           # (classes,)
    scale: float = 10.0
    in_scope_bias: float = 0.0
    embedder_name: str = "minilm-l6-v2-int8"  # the embeddings it was trained on; others are meaningless to it
    token_kinds: tuple[str, ...] = ("words",)   # features.TOKEN_KINDS it reads besides the embedding
    kind_weights: tuple[float, ...] = (1.0,)

    def __post_init__(self) -> None:
        self.labels = [class_label(c) for c in self.classes]
        self._in_scope = np.array([label != OUT_OF_SCOPE for label in self.labels], dtype=np.float32)

    def logits(self, embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Class logits for already-embedded `texts` (embeddings of `model_text(text)`)."""
        x = feature_matrix(embeddings, [model_text(t) for t in texts], self.vocabulary, self.scale,
                           self.token_kinds, self.kind_weights)
        return x @ self.weights + self.bias + self.in_scope_bias * self._in_scope

    def label_probabilities(self, embeddings: np.ndarray, texts: Sequence[str]) -> list[dict[tuple[str, str], float]]:
        """For each text, P(service, operation), summed over the classes that map to it, highest first."""
        z = self.logits(embeddings, texts)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        out = []
        for row in p:
            totals: dict[tuple[str, str], float] = {}
            for label, prob in zip(self.labels, row):
                totals[label] = totals.get(label, 0.0) + float(prob)
            out.append(dict(sorted(totals.items(), key=lambda kv: -kv[1])))
        return out

    def predict(self, embedder: Embedder, texts: Sequence[str]) -> list[dict[tuple[str, str], float]]:
        """Embed and score `texts` in one batch."""
        return self.label_probabilities(embedder.embed([model_text(t) for t in texts]), texts)

    def save(self, path: Path = MODEL_PATH) -> None:
        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(path, classes=np.array(self.classes), vocabulary=np.array(vocab),
                            weights=self.weights.astype(np.float16), bias=self.bias.astype(np.float32),
                            scale=np.float32(self.scale), in_scope_bias=np.float32(self.in_scope_bias),
                            embedder_name=np.array(self.embedder_name), token_kinds=np.array(self.token_kinds),
                            kind_weights=np.array(self.kind_weights, dtype=np.float32))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "LinearIntentModel":
        if not path.exists():
            raise ModelMissing(f"{path} is missing: run `python -m server.intent.train`")
        with np.load(path, allow_pickle=False) as data:
            return cls(classes=[str(c) for c in data["classes"]],
                       vocabulary={str(w): i for i, w in enumerate(data["vocabulary"])},
                       weights=data["weights"].astype(np.float32), bias=data["bias"],
                       scale=float(data["scale"]), in_scope_bias=float(data["in_scope_bias"]),
                       embedder_name=str(data["embedder_name"]),
                       token_kinds=tuple(str(k) for k in data["token_kinds"]) if "token_kinds" in data else ("words",),
                       kind_weights=tuple(float(w) for w in data["kind_weights"]) if "kind_weights" in data
                       else (1.0,))


def train_softmax(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float = 1e-5, epochs: int = 200,
                  learning_rate: float = 0.025, seed: int = 0,
                  sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by full-batch Adam; returns (weights, bias). Deterministic.
    `sample_weight` (mean 1) weighs each example's loss."""
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((x.shape[1], n_classes)) * 1e-3).astype(np.float32)
    b = np.zeros(n_classes, dtype=np.float32)
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    sw = np.ones((len(x), 1), dtype=np.float32) if sample_weight is None else \
        (sample_weight / sample_weight.mean()).astype(np.float32)[:, None]
    params, m, v = [w, b], [np.zeros_like(w), np.zeros_like(b)], [np.zeros_like(w), np.zeros_like(b)]
    for step in range(1, epochs + 1):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sw / len(x)
        grads = [x.T @ g + l2 * w, g.sum(axis=0)]
        for k, (param, grad) in enumerate(zip(params, grads)):
            m[k] = 0.9 * m[k] + 0.1 * grad
            v[k] = 0.999 * v[k] + 0.001 * grad * grad
            param -= learning_rate * (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
    return w, b
