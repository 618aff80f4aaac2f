"""Offline intent classifier quality on SLURP-format utterances: service+operation accuracy on the email and
calendar ones, out-of-scope recognition on the rest, a confusion table, and entity F1 for people and dates.

    python evals/intents.py [--data evals/data/intents_slurp_devel.jsonl] [--json OUT]

Each line: {"sentence", "sentence_annotation" ("send it to [person : john] [date : tomorrow]"), "scenario",
"intent"} (SLURP's format) and optionally "label": "service/operation", which then is the gold label (our own
Workspace set uses it). Without "label", SLURP/HWU64 intents map onto (service, operation) as in
server/intent/labels.py and everything outside email/calendar is out of scope.

Scores:
- strict accuracy: predicted (service, operation) equals the mapped gold one;
- family accuracy: our finer operations count as agreeing with the datasets' coarser intents ("reply" and
  "forward" are the datasets' "sendemail", "free_slots" their calendar "query"; labels.OPERATION_FAMILIES);
- out of scope recognised: share of out-of-scope utterances predicted out_of_scope (and the share that asked
  for clarification instead);
- entity F1 (email/calendar utterances): people (named ones; relations like "my boss" and addresses are other
  SLURP types) against `person` spans, dates against `date`/`time`/`timeofday` spans; exact (normalised text, leading prepositions dropped) and token-level (bag of words), micro-averaged.

The default data is SLURP's devel set, held out from training: server/intent/data/ holds HWU64 minus every
sentence of it (same normalised text or id), and this script refuses to score any sentence that is in the
training data (it reports how many it skipped).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.intent.dataset import load_training, normalise  # noqa: E402
from server.intent.labels import OPERATION_FAMILIES, OUT_OF_SCOPE, dataset_label  # noqa: E402
from server.intent.offline import OfflineClassifier  # noqa: E402
from server.intent.schema import OPERATIONS_BY_SERVICE, ParsedIntent  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "intents_slurp_devel.jsonl"
NOW = datetime(2023, 11, 30, tzinfo=timezone.utc)  # irrelevant to the scores; times need some now
_ENTITY = re.compile(r"\[(?P<type>[\w]+)\s*:\s*(?P<value>[^\]]+?)\s*\]")
_PERSON_TYPES = {"person"}
_DATE_TYPES = {"date", "time", "timeofday"}
_LEADING = re.compile(r"^(?:(?:on|at|in|for|by|from|during|of|the|this|around|about|before|after|until|since|my)\s+)+",
                      re.IGNORECASE)

Label = tuple[str, str]


def gold_label(row: dict[str, Any]) -> Label:
    """The (service, operation) a row stands for."""
    if row.get("label"):
        service, _, operation = row["label"].partition("/")
        return service, operation
    return dataset_label(row["scenario"], row["intent"])


def agrees(gold: Label, predicted: Label, family: bool) -> bool:
    if predicted == gold:
        return True
    return family and predicted[0] == gold[0] and predicted[1] in OPERATION_FAMILIES.get(gold, frozenset())


def entities(annotation: str, types: set[str]) -> list[str]:
    """The annotated values of the given types."""
    return [m.group("value") for m in _ENTITY.finditer(annotation) if m.group("type") in types]


def _norm_entity(text: str) -> str:
    text = re.sub(r"(?:'s|’s)\b", "", text.lower())
    return " ".join(_LEADING.sub("", " ".join(re.findall(r"[\w:]+", text))).split())


class F1:
    """Micro-averaged exact and token-level precision/recall/F1 over utterances."""

    def __init__(self) -> None:
        self.exact = Counter()
        self.tokens = Counter()

    def add(self, gold: list[str], predicted: list[str]) -> None:
        g, p = Counter(map(_norm_entity, gold)), Counter(map(_norm_entity, predicted))
        g.pop("", None)
        p.pop("", None)
        self.exact.update(tp=sum((g & p).values()), gold=sum(g.values()), pred=sum(p.values()))
        gt = Counter(w for e in g.elements() for w in e.split())
        pt = Counter(w for e in p.elements() for w in e.split())
        self.tokens.update(tp=sum((gt & pt).values()), gold=sum(gt.values()), pred=sum(pt.values()))

    @staticmethod
    def _prf(c: Counter) -> dict[str, float]:
        p = c["tp"] / c["pred"] if c["pred"] else 0.0
        r = c["tp"] / c["gold"] if c["gold"] else 0.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
                "gold": c["gold"]}

    def scores(self) -> dict[str, dict[str, float]]:
        return {"exact": self._prf(self.exact), "token": self._prf(self.tokens)}


def evaluate(rows: list[dict[str, Any]], classifier: OfflineClassifier) -> dict[str, Any]:
    """Every score, from the rows and the classifier's predictions."""
    started = time.monotonic()
    predictions = classifier.parse_batch([r["sentence"] for r in rows], NOW)
    return score(rows, predictions, time.monotonic() - started)


def score(rows: list[dict[str, Any]], predictions: list[ParsedIntent], seconds: float = 0.0) -> dict[str, Any]:
    """Every score, from the rows and their predictions (row for row)."""
    in_scope = [(r, p) for r, p in zip(rows, predictions) if gold_label(r) != OUT_OF_SCOPE]
    oos = [(r, p) for r, p in zip(rows, predictions) if gold_label(r) == OUT_OF_SCOPE]
    label = _predicted
    confusion = Counter((gold_label(r), label(p)) for r, p in zip(rows, predictions))
    people, dates = F1(), F1()
    for r, p in in_scope:
        people.add(entities(r["sentence_annotation"], _PERSON_TYPES),
                   [x.text for x in p.entities.people if x.kind == "name"])
        dates.add(entities(r["sentence_annotation"], _DATE_TYPES), [t.text for t in p.entities.times])
    per_label: dict[str, dict[str, Any]] = {}
    for gold in sorted({gold_label(r) for r, _ in in_scope}):
        pairs = [(r, p) for r, p in in_scope if gold_label(r) == gold]
        per_label["/".join(gold)] = {"n": len(pairs),
                                     "strict": round(sum(label(p) == gold for _, p in pairs) / len(pairs), 3),
                                     "family": round(sum(agrees(gold, label(p), True) for _, p in pairs)
                                                     / len(pairs), 3)}
    return {
        "utterances": len(rows), "in_scope": len(in_scope), "out_of_scope": len(oos),
        "service_operation_accuracy": {
            "strict": _share(agrees(gold_label(r), label(p), False) for r, p in in_scope),
            "family": _share(agrees(gold_label(r), label(p), True) for r, p in in_scope),
            "service": _share(gold_label(r)[0] == p.service or gold_label(r)[0] in p.services for r, p in in_scope),
        },
        "in_scope_called_out_of_scope": _share(p.operation == "out_of_scope" for _, p in in_scope),
        "in_scope_asked_to_clarify": _share(p.needs_clarification for _, p in in_scope),
        "out_of_scope_recognised": _share(p.operation == "out_of_scope" for _, p in oos),
        "out_of_scope_asked_to_clarify": _share(p.operation == "needs_clarification" for _, p in oos),
        "per_label": per_label,
        "entity_f1": {"people": people.scores(), "dates": dates.scores()},
        "confusion": {f"{'/'.join(g)} -> {'/'.join(p)}": n for (g, p), n in sorted(confusion.items())},
        "seconds": round(seconds, 1), "ms_per_utterance": round(1000 * seconds / max(len(rows), 1), 1),
    }


def _predicted(p: ParsedIntent) -> Label:
    if p.service == "multi":  # the service of the main operation
        return next((s for s in reversed(p.services) if p.operation in OPERATIONS_BY_SERVICE[s]),
                    p.services[-1]), p.operation
    return p.service, p.operation


def _share(flags: Any) -> float:
    values = list(flags)
    return round(sum(values) / len(values), 4) if values else 0.0


def print_report(report: dict[str, Any], skipped: int, data: Path) -> None:
    acc = report["service_operation_accuracy"]
    print(f"data: {data} — {report['utterances']} utterances scored ({skipped} skipped: in the training data)")
    print(f"in scope ({report['in_scope']}): service+operation accuracy {acc['strict']:.1%} strict, "
          f"{acc['family']:.1%} family; service {acc['service']:.1%}; "
          f"called out of scope {report['in_scope_called_out_of_scope']:.1%}; "
          f"asked to clarify {report['in_scope_asked_to_clarify']:.1%}")
    print(f"out of scope ({report['out_of_scope']}): recognised {report['out_of_scope_recognised']:.1%}, "
          f"asked to clarify {report['out_of_scope_asked_to_clarify']:.1%}")
    print("\nper gold label                 n   strict  family")
    for name, s in report["per_label"].items():
        print(f"  {name:<26} {s['n']:>5}   {s['strict']:.3f}   {s['family']:.3f}")
    print("\nentity F1 (in scope)              exact P/R/F1         token P/R/F1     gold")
    for kind, s in report["entity_f1"].items():
        e, t = s["exact"], s["token"]
        print(f"  {kind:<10} {e['precision']:>14.3f} {e['recall']:.3f} {e['f1']:.3f}   {t['precision']:>8.3f} "
              f"{t['recall']:.3f} {t['f1']:.3f}   {e['gold']:>5}")
    print_confusion(report["confusion"])
    print(f"\n{report['seconds']} s ({report['ms_per_utterance']} ms per utterance, batched)")


def print_confusion(confusion: dict[str, int]) -> None:
    """Gold labels down, predicted across (only labels that occur)."""
    pairs = {tuple(k.split(" -> ")): n for k, n in confusion.items()}
    golds = sorted({g for g, _ in pairs})
    preds = sorted({p for _, p in pairs})
    short = {p: p.replace("calendar/", "cal/").replace("_event", "").replace("out_of_scope", "oos")
             .replace("needs_clarification", "clarify").replace("lookup_contact", "lookup").replace("add_contact", "add")
             for p in preds}
    width = max(len(s) for s in short.values()) + 1
    print("\nconfusion (rows: gold, columns: predicted)")
    print(" " * 24 + "".join(f"{short[p]:>{width}}" for p in preds))
    for g in golds:
        print(f"{g:<24}" + "".join(f"{pairs.get((g, p), 0) or '.':>{width}}" for p in preds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    trained_on = {normalise(u.text) for u in load_training()}
    scored = [r for r in rows if normalise(r["sentence"]) not in trained_on]
    report = evaluate(scored, OfflineClassifier())
    report["skipped_in_training"] = len(rows) - len(scored)
    report["data"] = str(args.data)
    print_report(report, len(rows) - len(scored), args.data)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
