"""The development split for the offline intent classifier: cross-validation over the training data only, so model
changes can be chosen without looking at the held-out set (SLURP devel, evals/intents.py).

    python evals/intents_dev.py [--rounds 5] [--biases 1,2,3] [--json OUT]

Round k (of 5) holds out HWU64 folds 2k+1 and 2k+2 and one fifth of our Workspace utterances (every fifth of each
label, so each label is split evenly), trains on the rest exactly as `server.intent.train` does, and runs the whole
offline classifier (rules, clauses, model) on what was held out. The scores are evals/intents.py's, over the held-out
rows of all rounds together: every HWU64 sentence and every Workspace utterance is scored once, by a model that did
not see it. HWU64 entity spans come from the original annotated files (/work/shared/data/intents/hwu64_testfolds) when
they are there; otherwise entity F1 is left out.

Embeddings are cached in --cache (the MiniLM model is deterministic), so a second run spends its time training.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from evals.intents import NOW, print_confusion, score  # noqa: E402
from server.intent import train  # noqa: E402
from server.intent.dataset import Utterance, load_training, normalise  # noqa: E402
from server.intent.features import model_text  # noqa: E402
from server.intent.labels import dataset_intent  # noqa: E402
from server.intent.offline import OfflineClassifier  # noqa: E402

HWU64_RAW = Path("/work/shared/data/intents/hwu64_testfolds")
DEFAULT_CACHE = Path("/tmp/intents_dev_embeddings.npz")


class CachingEmbedder:
    """The local MiniLM with a persistent text → vector cache (same name, so the model accepts it)."""

    def __init__(self, path: Path | None) -> None:
        from server.embeddings.minilm import MiniLMEmbedder

        self.name, self.dim = MiniLMEmbedder.name, MiniLMEmbedder.DIM
        self._make = MiniLMEmbedder
        self._inner: Any = None
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if path and path.exists():
            with np.load(path, allow_pickle=False) as data:
                self.vectors = dict(zip((str(t) for t in data["texts"]), data["embeddings"]))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            self._inner = self._inner or self._make()
            self.vectors.update(zip(missing, self._inner.embed(missing)))
            self._dirty = True
        return np.array([self.vectors[t] for t in texts], dtype=np.float32).reshape(len(texts), self.dim)

    def save(self) -> None:
        if self.path and self._dirty:
            texts = list(self.vectors)
            np.savez(self.path, texts=np.array(texts), embeddings=np.array([self.vectors[t] for t in texts]))
            self._dirty = False


def hwu64_annotations(raw: Path = HWU64_RAW) -> dict[str, str]:
    """Normalised sentence → its bracketed annotation, from the original HWU64 files (empty if absent)."""
    out: dict[str, str] = {}
    for path in sorted(raw.glob("all_testfolds_*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for _fold, _uid, _scenario, _intent, annotated, sentence, *_ in csv.reader(f, delimiter=";"):
                out.setdefault(normalise(sentence), annotated)
    return out


def workspace_part(utterances: list[Utterance], parts: int) -> list[int]:
    """For each utterance, its part (-1 for HWU64's): every `parts`-th utterance of each of our labels."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for u in utterances:
        if u.model_class.startswith("ours:"):
            out.append(seen[u.model_class] % parts)
            seen[u.model_class] += 1
        else:
            out.append(-1)
    return out


def as_row(u: Utterance, annotations: dict[str, str]) -> dict[str, Any]:
    """A training utterance in evals/intents.py's (SLURP) row format."""
    source, _, name = u.model_class.partition(":")
    if source == "ours":
        return {"sentence": u.text, "sentence_annotation": u.text, "scenario": "", "intent": "", "label": name}
    scenario, _, intent = name.partition("_")
    return {"sentence": u.text, "sentence_annotation": annotations.get(normalise(u.text), u.text),
            "scenario": scenario, "intent": dataset_intent(scenario, name)}


def cross_validate(rounds: int, biases: list[float], embedder: CachingEmbedder, errors_to: Path | None = None,
                   **fit_options: Any
                   ) -> dict[float, dict[str, Any]]:
    """Scores per in-scope bias over every round's held-out rows (HWU64 and ours separately)."""
    utterances = load_training()
    annotations = hwu64_annotations()
    embeddings = embedder.embed([model_text(u.text) for u in utterances])
    part = workspace_part(utterances, rounds)
    folds_per_round = 10 // rounds
    rows: dict[float, dict[str, list]] = {b: {"hwu": [], "ours": [], "hwu_p": [], "ours_p": []} for b in biases}
    for k in range(rounds):
        dev_folds = set(range(k * folds_per_round + 1, (k + 1) * folds_per_round + 1))
        dev = [i for i, u in enumerate(utterances) if u.fold in dev_folds or part[i] == k]
        held = set(dev)
        tr = [i for i in range(len(utterances)) if i not in held]
        model = _fit_cached([utterances[i] for i in tr], embeddings[tr], biases[0], fit_options)
        dev_rows = [as_row(utterances[i], annotations) for i in dev]
        for bias in biases:
            model.in_scope_bias = bias
            predictions = OfflineClassifier(embedder, model).parse_batch([r["sentence"] for r in dev_rows], NOW)
            for i, r, p in zip(dev, dev_rows, predictions):
                side = "ours" if part[i] >= 0 else "hwu"
                rows[bias][side].append(r)
                rows[bias][side + "_p"].append(p)
        embedder.save()
    if errors_to:
        from evals.intents import _predicted, gold_label
        with errors_to.open("w", encoding="utf-8") as f:
            for b, r in rows.items():
                for side in ("hwu", "ours"):
                    for row, p in zip(r[side], r[side + "_p"]):
                        g, q = gold_label(row), _predicted(p)
                        if g != q:
                            f.write(json.dumps({"bias": b, "side": side, "gold": "/".join(g), "pred": "/".join(q),
                                                "text": row["sentence"]}) + "\n")
    return {b: {"hwu": score(r["hwu"], r["hwu_p"]), "ours": score(r["ours"], r["ours_p"])} for b, r in rows.items()}


MODEL_CACHE = Path("/tmp/intents_dev_models")


def _fit_cached(utterances: list[Utterance], embeddings: np.ndarray, bias: float, options: dict[str, Any]) -> Any:
    """train.fit, remembered on disk by training data, options and the training code (rules changes don't retrain)."""
    import hashlib
    import pickle

    key = hashlib.sha256(json.dumps([[u.text, u.model_class] for u in utterances] + [options], sort_keys=True)
                         .encode() + Path(train.__file__).read_bytes() +
                         (Path(train.__file__).parent / "model.py").read_bytes() +
                         (Path(train.__file__).parent / "features.py").read_bytes()).hexdigest()[:20]
    path = MODEL_CACHE / f"{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    model = train.fit(utterances, embeddings, bias, **options)
    MODEL_CACHE.mkdir(exist_ok=True)
    path.write_bytes(pickle.dumps(model))
    return model


def summary(report: dict[str, Any]) -> str:
    acc = report["service_operation_accuracy"]
    ent = report["entity_f1"]
    return (f"strict {acc['strict']:.1%}  family {acc['family']:.1%}  service {acc['service']:.1%}  "
            f"in-scope→oos {report['in_scope_called_out_of_scope']:.1%}  "
            f"asked to confirm {report['in_scope_asked_to_clarify']:.1%}  "
            f"oos recognised {report['out_of_scope_recognised']:.1%}  "
            f"people F1 {ent['people']['token']['f1']:.3f}  dates F1 {ent['dates']['token']['f1']:.3f}  "
            f"(n={report['in_scope']}/{report['out_of_scope']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, choices=(2, 5, 10))
    parser.add_argument("--biases", default=str(train.DEFAULT_IN_SCOPE_BIAS))
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--confusion", action="store_true")
    parser.add_argument("--min-oos", type=float, default=0.965,
                        help="the operating point: the bias with the best HWU64 strict accuracy among those that "
                             "recognise at least this share of out-of-scope sentences")
    parser.add_argument("--errors", type=Path, help="write every misclassified held-out row here (JSON lines)")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a keyword option for server.intent.train.fit (JSON value), to compare variants")
    args = parser.parse_args(argv)
    options = {k: json.loads(v) for k, _, v in (o.partition("=") for o in args.option)}
    started = time.monotonic()
    embedder = CachingEmbedder(args.cache)
    results = cross_validate(args.rounds, [float(b) for b in args.biases.split(",")], embedder, args.errors, **options)
    for bias, r in results.items():
        print(f"bias {bias:<4} HWU64  {summary(r['hwu'])}")
        print(f"{'':9} ours   {summary(r['ours'])}")
        if args.confusion:
            print_confusion(r["hwu"]["confusion"])
            print_confusion(r["ours"]["confusion"])
    ok = [(r["hwu"]["service_operation_accuracy"]["strict"], b) for b, r in results.items()
          if r["hwu"]["out_of_scope_recognised"] >= args.min_oos]
    if ok:
        best, bias = max(ok)
        print(f"operating point: bias {bias} — HWU64 strict {best:.1%} with out of scope recognised "
              f"≥ {args.min_oos:.1%}")
    print(f"{time.monotonic() - started:.0f} s", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({str(b): r for b, r in results.items()}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
