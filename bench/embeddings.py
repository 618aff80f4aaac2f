"""Embedding throughput of the local model (texts/s), by text length, in batches of 64, on this machine's cores.

    .venv/bin/python bench/embeddings.py [--texts 256]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.embeddings.cache import cached_query_embedding  # noqa: E402
from server.embeddings.minilm import MiniLMEmbedder  # noqa: E402

WORDS = ("quarterly budget review with the finance team covering headcount travel spend vendor contracts and the "
         "payment gateway prototype timeline for the next release including risks owners and decisions").split()


def text_of(tokens: int, i: int) -> str:
    """A text of roughly `tokens` word-piece tokens (these words are one token each), varied by `i`."""
    return " ".join(WORDS[(i + k) % len(WORDS)] for k in range(tokens))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=256)
    args = parser.parse_args()
    print(f"local MiniLM int8 ONNX, {os.cpu_count()} cores, batches of 64")
    for max_tokens in (128, 256):
        model = MiniLMEmbedder(max_tokens=max_tokens)
        model.embed([text_of(16, 0)])  # warm up
        for length in (16, 64, 128, 256):
            if length > max_tokens:
                continue
            texts = [text_of(length, i) for i in range(args.texts)]
            started = time.perf_counter()
            model.embed(texts)
            elapsed = time.perf_counter() - started
            print(f"  max_tokens {max_tokens:3d}, texts of ~{length:3d} tokens: {args.texts / elapsed:7.1f} texts/s")
    model = MiniLMEmbedder()
    started = time.perf_counter()
    for i in range(50):
        cached_query_embedding(model, f"emails about the budget from sarah {i}", None)
    print(f"  one query (uncached): {(time.perf_counter() - started) / 50 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
