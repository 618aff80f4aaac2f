"""The labelled utterances the offline model learns from, kept in the repository (data/NOTICE.md):

- `data/hwu64_utterances.jsonl`: HWU64 (CC BY 4.0), every sentence whose normalised text (or SLURP id) is not
  in SLURP's devel set, which evaluation holds out; {"text", "intent", "fold"}.
- `data/workspace_utterances.jsonl`: ours, for what those datasets lack (Drive; reply, forward, trash, move…);
  {"text", "label": "service/operation"}.

`import_hwu64` rebuilds the first from the original files (python -m server.intent.train --import-hwu64 DIR).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from server.intent.features import words
from server.intent.labels import dataset_intent

DATA_DIR = Path(__file__).parent / "data"
HWU64_FILE = DATA_DIR / "hwu64_utterances.jsonl"
WORKSPACE_FILE = DATA_DIR / "workspace_utterances.jsonl"


@dataclass(frozen=True)
class Utterance:
    """One labelled training sentence: its text, model class and HWU64 fold (0 for ours)."""

    text: str
    model_class: str
    fold: int = 0


def normalise(text: str) -> str:
    """The form sentences are compared in to find duplicates: lower-case words, single spaces."""
    return " ".join(words(text))


def load_training(hwu64: Path = HWU64_FILE, workspace: Path = WORKSPACE_FILE) -> list[Utterance]:
    """Every training utterance, HWU64's then ours."""
    out = [Utterance(r["text"], "hwu:" + r["intent"], int(r["fold"])) for r in _jsonl(hwu64)]
    out += [Utterance(r["text"], "ours:" + r["label"]) for r in _jsonl(workspace)]
    return out


def held_out_keys(slurp_jsonl: Path) -> tuple[set[str], set[str]]:
    """Normalised sentences and ids of a SLURP-format file: what training must not contain."""
    rows = list(_jsonl(slurp_jsonl))
    return {normalise(r["sentence"]) for r in rows}, {str(r["slurp_id"]) for r in rows if "slurp_id" in r}


def import_hwu64(testfolds_dir: Path, exclude_slurp: Path, out: Path = HWU64_FILE) -> tuple[int, int]:
    """Rebuild the HWU64 training file from the original `all_testfolds_*.csv` files, dropping every sentence
    that is in `exclude_slurp` (the held-out evaluation set, by normalised text or shared id) and repeats.
    Returns (kept, dropped)."""
    held_text, held_ids = held_out_keys(exclude_slurp)
    seen: set[str] = set()
    kept: list[dict[str, object]] = []
    dropped = 0
    for path in sorted(testfolds_dir.glob("all_testfolds_*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for fold, uid, scenario, intent, _annotated, sentence, *_ in csv.reader(f, delimiter=";"):
                key = normalise(sentence)
                if not key or key in held_text or uid in held_ids or key in seen:
                    dropped += 1
                    continue
                seen.add(key)
                kept.append({"text": sentence, "intent": dataset_intent(scenario, intent), "fold": int(fold)})
    with out.open("w", encoding="utf-8") as f:
        for row in kept:
            f.write(json.dumps(row) + "\n")
    return len(kept), dropped


def _jsonl(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
