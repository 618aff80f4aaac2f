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
    # A nearest-neighbour vote over the training sentences' embeddings, blended into the softmax's probabilities
    # with weight `knn_weight` (0: none, and no neighbours are kept).
    neighbours: np.ndarray | None = None          # (n, dim) unit vectors
    neighbour_classes: np.ndarray | None = None   # (n,) class indices
    knn_k: int = 10
    knn_weight: float = 0.0
    knn_temperature: float = 0.05

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
        if self.knn_weight > 0 and self.neighbours is not None and self.neighbour_classes is not None:
            p = (1 - self.knn_weight) * p + self.knn_weight * self.neighbour_vote(embeddings)
        out = []
        for row in p:
            totals: dict[tuple[str, str], float] = {}
            for label, prob in zip(self.labels, row):
                totals[label] = totals.get(label, 0.0) + float(prob)
            out.append(dict(sorted(totals.items(), key=lambda kv: -kv[1])))
        return out

    def neighbour_vote(self, embeddings: np.ndarray) -> np.ndarray:
        """P(class) from the `knn_k` most similar training sentences, each weighted by exp(cosine / temperature)."""
        assert self.neighbours is not None and self.neighbour_classes is not None
        sims = embeddings.astype(np.float32) @ self.neighbours.T
        k = min(self.knn_k, sims.shape[1])
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_sims = np.take_along_axis(sims, top, axis=1)
        w = np.exp((top_sims - top_sims.max(axis=1, keepdims=True)) / self.knn_temperature)
        w /= w.sum(axis=1, keepdims=True)
        out = np.zeros((len(embeddings), len(self.classes)), dtype=np.float32)
        np.add.at(out, (np.repeat(np.arange(len(embeddings)), k), self.neighbour_classes[top].ravel()), w.ravel())
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
                            kind_weights=np.array(self.kind_weights, dtype=np.float32),
                            **self._knn_arrays())

    def _knn_arrays(self) -> dict[str, np.ndarray]:
        if self.knn_weight <= 0 or self.neighbours is None or self.neighbour_classes is None:
            return {}
        return {"neighbours": self.neighbours.astype(np.float16),
                "neighbour_classes": self.neighbour_classes.astype(np.int16),
                "knn": np.array([self.knn_k, self.knn_weight, self.knn_temperature], dtype=np.float32)}

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
                       else (1.0,),
                       **_knn_fields(data))


def _knn_fields(data: "np.lib.npyio.NpzFile") -> dict[str, object]:
    if "knn" not in data:
        return {}
    k, weight, temperature = (float(v) for v in data["knn"])
    return {"neighbours": data["neighbours"].astype(np.float32), "neighbour_classes": data["neighbour_classes"]
            .astype(np.int64), "knn_k": int(k), "knn_weight": weight, "knn_temperature": temperature}


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
