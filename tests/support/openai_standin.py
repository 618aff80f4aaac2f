"""A local stand-in for the OpenAI HTTP API (the parts we call), so the official SDK runs unmodified in tests.

Embeddings are deterministic pseudo-random vectors seeded by the text, so equal texts get equal vectors and the
tests can tell inputs apart. `fail_next` makes the next N embedding calls answer with an HTTP error.

Chat completions answer from a script: `chat_script` is a queue of `Scripted` answers (an HTTP error, a delay,
a text, a stream cut short), then `chat_default` for every call after it. Streams use OpenAI's SSE wire format
(`data: {chunk}` … `data: [DONE]`, a usage chunk last when `stream_options.include_usage` is set).
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from flask import Flask, Response, jsonify, request


def fake_vector(text: str, dim: int) -> list[float]:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).normal(size=dim).tolist()


@dataclass
class Scripted:
    """One scripted answer of a chat stand-in (shared with the Anthropic stand-in)."""

    text: str = "ok"
    status: int = 200  # ≠ 200: answer with this HTTP error instead
    delay: float = 0.0  # seconds to wait before answering (to trip client timeouts)
    retry_after: str | None = None  # Retry-After header sent with an error
    tokens: list[str] | None = None  # the streamed deltas; default: `text` cut into words
    break_after: int | None = None  # a stream drops the connection after this many deltas
    input_tokens: int = 20
    output_tokens: int = 5

    def deltas(self) -> list[str]:
        return self.tokens if self.tokens is not None else re.findall(r"\S+\s*", self.text)


class StreamCut(Exception):
    """Raised inside a streamed body to drop the connection part-way (the client sees an incomplete body)."""


@dataclass
class OpenAIStandIn:
    """State of the stand-in: recorded requests, scheduled embedding failures, and the chat script."""

    requests: list[dict] = field(default_factory=list)
    fail_next: int = 0
    fail_status: int = 500
    chat_default: Scripted = field(default_factory=Scripted)
    chat_script: list[Scripted] = field(default_factory=list)

    def chat_requests(self) -> list[dict]:
        """The recorded /v1/chat/completions requests, in order."""
        return [r for r in self.requests if r["path"] == "/v1/chat/completions"]

    def _next_chat(self) -> Scripted:
        return self.chat_script.pop(0) if self.chat_script else self.chat_default

    def app(self) -> Flask:
        app = Flask("openai-standin")
        lock = threading.Lock()

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

        @app.post("/v1/chat/completions")
        def chat_completions():  # type: ignore[no-untyped-def]
            body = request.get_json()
            with lock:
                self.requests.append({"path": request.path, "body": body,
                                      "authorization": request.headers.get("Authorization")})
                answer = self._next_chat()
            time.sleep(answer.delay)
            if answer.status != 200:
                headers = {"Retry-After": answer.retry_after} if answer.retry_after else {}
                return jsonify(error={"message": "stand-in failure", "type": "server_error", "param": None,
                                      "code": None}), answer.status, headers
            usage = {"prompt_tokens": answer.input_tokens, "completion_tokens": answer.output_tokens,
                     "total_tokens": answer.input_tokens + answer.output_tokens}
            if not body.get("stream"):
                return jsonify(id="chatcmpl-standin", object="chat.completion", created=int(time.time()),
                               model=body["model"], usage=usage,
                               choices=[{"index": 0, "finish_reason": "stop", "logprobs": None,
                                         "message": {"role": "assistant", "content": answer.text}}])
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return Response(_openai_sse(answer, body["model"], usage if include_usage else None),
                            mimetype="text/event-stream")

        return app


def _openai_sse(answer: Scripted, model: str, usage: dict | None) -> Iterator[str]:
    def chunk(choices: list[dict], **extra: object) -> str:
        return "data: " + json.dumps({"id": "chatcmpl-standin", "object": "chat.completion.chunk",
                                      "created": 0, "model": model, "choices": choices, **extra}) + "\n\n"

    yield chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
    for i, delta in enumerate(answer.deltas()):
        if answer.break_after is not None and i >= answer.break_after:
            raise StreamCut()
        yield chunk([{"index": 0, "delta": {"content": delta}, "finish_reason": None}])
    yield chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}])
    if usage is not None:
        yield chunk([], usage=usage)
    yield "data: [DONE]\n\n"
