"""What the service/operation model sees of a request: the sentence embedding and the words in it.

Quoted text (message bodies, titles) is replaced by a neutral word first, so "saying 'let's meet Friday'" is not
read as a calendar request; training and prediction use the same `model_text`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

import numpy as np

from server.intent import timeexpr

_WORD = re.compile(r"[a-z0-9]+")
_OPENERS = {"'": "'", '"': '"', "‘": "’", "“": "”"}
# After a closing quote comes the end, punctuation, or a word that carries on the request ("… 'Thanks' and
# title it …"); a quote followed by other words ("Starting on 'Create wireframe' today") is nested in a longer one.
_AFTER_CLOSE = re.compile(r"\s*(?:$|[.?!,;:)\]]|(?:and|to|with|then|for|as|please|can|could|would|if|or|but|so|"
                          r"instead|because|from|in|on|at|by|about|called|titled)\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Quote:
    """Quoted text: its content and the span of the content (without the quote marks)."""

    text: str
    span: tuple[int, int]


def find_quotes(text: str) -> list[Quote]:
    """Quotations in `text`, outermost first-to-last. An apostrophe inside a word ("Carlos's", "don't") neither
    opens nor closes one; a nested quotation stays inside the outer one."""
    out: list[Quote] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _OPENERS and (i == 0 or not text[i - 1].isalnum()) and i + 1 < len(text) and \
                not text[i + 1].isspace():
            closer = _OPENERS[ch]
            closers = [j for j in range(i + 1, len(text)) if text[j] in (closer, "’" if ch == "'" else closer)
                       and not text[j - 1].isspace() and (j + 1 == len(text) or not text[j + 1].isalnum())]
            balanced = [j for j in closers if _balanced(text[i + 1:j])]
            strong = [j for j in balanced if _AFTER_CLOSE.match(text, j + 1)]
            end = (strong or balanced or closers or [None])[0]
            if end is not None and end > i + 1:
                out.append(Quote(text[i + 1:end], (i + 1, end)))
                i = end + 1
                continue
        i += 1
    return out


_INNER_OPEN = re.compile(r"(?<![\w])['‘\"“](?=\S)")
_INNER_CLOSE = re.compile(r"(?<=\S)['’\"”](?![\w])")


def _balanced(inner: str) -> bool:
    """As many quotations open as close inside `inner` (so its end can close the outer one)."""
    return len(_INNER_OPEN.findall(inner)) == len(_INNER_CLOSE.findall(inner))


def mask_quotes(text: str, quotes: Sequence[Quote] | None = None, fill: str = "_") -> str:
    """`text` with each quotation's content overwritten by `fill` (same length, so offsets still hold)."""
    chars = list(text)
    for q in find_quotes(text) if quotes is None else quotes:
        chars[q.span[0]:q.span[1]] = fill * (q.span[1] - q.span[0])
    return "".join(chars)


def model_text(text: str) -> str:
    """The request as the model reads it: quotations replaced by "this", whitespace collapsed."""
    parts, last = [], 0
    for q in find_quotes(text):
        parts.append(text[last:q.span[0] - 1])
        parts.append("this")
        last = q.span[1] + 1
    parts.append(text[last:])
    return " ".join("".join(parts).split())


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits)."""
    return _WORD.findall(text.lower())


def bag_of_words(texts: Sequence[str], vocabulary: dict[str, int]) -> np.ndarray:
    """Binary word presence, each row scaled to unit length (so long requests don't dominate)."""
    return bag_of_tokens(texts, vocabulary, ("words",))


# What the model reads besides the embedding, by kind. Words are stored as themselves; the other kinds carry a
# mark no word has, so one vocabulary holds them all and an old words-only model still loads.
TOKEN_KINDS = ("words", "bigrams", "first", "time")
# Only the presence and kind of a time expression count, so any fixed moment resolves them.
_TIME_NOW = datetime(2023, 11, 30, tzinfo=timezone.utc)


def tokens(text: str, kinds: Sequence[str]) -> list[list[str]]:
    """The tokens of each kind in `text` (already `model_text`), in the order of `kinds`."""
    ws = words(text)
    out: list[list[str]] = []
    for kind in kinds:
        if kind == "words":
            out.append(ws)
        elif kind == "bigrams":
            out.append([f"{a} {b}" for a, b in zip(["<s>"] + ws, ws + ["</s>"])])
        elif kind == "first":
            # The head of the request after politeness: "^remind", "^what", "^do" ("can you remind me" → remind).
            head = [w for w in ws if w not in _POLITE]
            out.append([f"^{w}" for w in head[:2]])
        elif kind == "time":
            out.append(_time_tokens(text))
        else:
            raise ValueError(f"unknown token kind {kind!r}")
    return out


_POLITE = frozenset("""please pls can could would will you hey hi hello ok okay i d like want need to just also now
so um uh""".split())


def _time_tokens(text: str) -> list[str]:
    """Marks for the time expressions in `text`: "@time" when there is one, "@day" for a day or longer, "@clock"
    for a time of day, "@duration" for a length of time."""
    found = timeexpr.find_times(text, _TIME_NOW)
    out = []
    if found:
        out.append("@time")
        if any(t.granularity != "minute" for t in found):
            out.append("@day")
        if any(t.granularity == "minute" for t in found):
            out.append("@clock")
    if timeexpr.find_durations(text, [t.span for t in found]):
        out.append("@duration")
    return out


def bag_of_tokens(texts: Sequence[str], vocabulary: dict[str, int], kinds: Sequence[str],
                  kind_weights: Sequence[float] | None = None) -> np.ndarray:
    """Binary token presence; each kind's part of a row is scaled to unit length (times its weight)."""
    out = np.zeros((len(texts), len(vocabulary)), dtype=np.float32)
    weights = kind_weights or [1.0] * len(kinds)
    for row, text in enumerate(texts):
        for toks, weight in zip(tokens(text, kinds), weights):
            cols = sorted({vocabulary[t] for t in toks if t in vocabulary})
            if cols:
                out[row, cols] = weight / np.sqrt(len(cols))
    return out


def feature_matrix(embeddings: np.ndarray, texts: Sequence[str], vocabulary: dict[str, int],
                   scale: float, kinds: Sequence[str] = ("words",),
                   kind_weights: Sequence[float] | None = None) -> np.ndarray:
    """[embedding, tokens] side by side, both scaled (unit vectors are too small for a linear model)."""
    return np.hstack([embeddings * scale, bag_of_tokens(texts, vocabulary, kinds, kind_weights) * scale]
                     ).astype(np.float32)
