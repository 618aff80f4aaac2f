"""What the service/operation model sees of a request: the sentence embedding and the words in it.

Quoted text (message bodies, titles) is replaced by a neutral word first, so "saying 'let's meet Friday'" is not
read as a calendar request; training and prediction use the same `model_text`.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

# Straight and curly quotes; an apostrophe inside a word ("Carlos's", "don't") does not open a quotation.
QUOTED = re.compile(r"(?<![\w])(['\"‘“])(?P<q>.+?)(?:\1|[’”])(?![\w])", re.DOTALL)
_WORD = re.compile(r"[a-z0-9]+")


def model_text(text: str) -> str:
    """The request as the model reads it: quotations replaced by "this", whitespace collapsed."""
    return " ".join(QUOTED.sub("this", text).split())


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits)."""
    return _WORD.findall(text.lower())


def bag_of_words(texts: Sequence[str], vocabulary: dict[str, int]) -> np.ndarray:
    """Binary word presence, each row scaled to unit length (so long requests don't dominate)."""
    out = np.zeros((len(texts), len(vocabulary)), dtype=np.float32)
    for row, text in enumerate(texts):
        cols = sorted({vocabulary[w] for w in words(text) if w in vocabulary})
        if cols:
            out[row, cols] = 1.0 / np.sqrt(len(cols))
    return out


def feature_matrix(embeddings: np.ndarray, texts: Sequence[str], vocabulary: dict[str, int],
                   scale: float) -> np.ndarray:
    """[embedding, bag of words] side by side, both scaled (unit vectors are too small for a linear model)."""
    return np.hstack([embeddings * scale, bag_of_words(texts, vocabulary) * scale]).astype(np.float32)
