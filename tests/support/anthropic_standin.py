"""A local stand-in for Anthropic's Messages API (`POST /v1/messages`), so the official SDK runs unmodified in tests.

Answers come from a script like the OpenAI stand-in's (`Scripted`: text, HTTP error, delay, a stream cut short).
Streams use Anthropic's SSE event format: message_start, content_block_start, ping, content_block_delta…,
content_block_stop, message_delta (with the output token count), message_stop.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

from flask import Flask, Response, jsonify, request

from tests.support.openai_standin import Scripted, StreamCut

_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}


@dataclass
class AnthropicStandIn:
    """State of the stand-in: recorded requests and the script of answers."""

    requests: list[dict] = field(default_factory=list)
    default: Scripted = field(default_factory=Scripted)
    script: list[Scripted] = field(default_factory=list)

    def app(self) -> Flask:
        app = Flask("anthropic-standin")
        lock = threading.Lock()

        @app.post("/v1/messages")
        def messages():  # type: ignore[no-untyped-def]
            body = request.get_json()
            with lock:
                self.requests.append({"path": request.path, "body": body,
                                      # this SDK sends the key as a bearer token; older ones used x-api-key
                                      "credential": request.headers.get("x-api-key")
                                      or request.headers.get("Authorization", "").removeprefix("Bearer ") or None,
                                      "version": request.headers.get("anthropic-version")})
                answer = self.script.pop(0) if self.script else self.default
            time.sleep(answer.delay)
            if answer.status != 200:
                headers = {"Retry-After": answer.retry_after} if answer.retry_after else {}
                error = {"type": _ERROR_TYPES.get(answer.status, "api_error"), "message": "stand-in failure"}
                return jsonify(type="error", error=error), answer.status, headers
            if not body.get("stream"):
                return jsonify(id="msg_standin", type="message", role="assistant", model=body["model"],
                               content=[{"type": "text", "text": answer.text}], stop_reason="end_turn",
                               stop_sequence=None,
                               usage={"input_tokens": answer.input_tokens, "output_tokens": answer.output_tokens})
            return Response(_anthropic_sse(answer, body["model"]), mimetype="text/event-stream")

        return app


def _anthropic_sse(answer: Scripted, model: str) -> Iterator[str]:
    def event(name: str, data: dict) -> str:
        return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n"

    yield event("message_start", {"message": {
        "id": "msg_standin", "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": answer.input_tokens, "output_tokens": 1}}})
    yield event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
    yield event("ping", {})
    for i, delta in enumerate(answer.deltas()):
        if answer.break_after is not None and i >= answer.break_after:
            raise StreamCut()
        yield event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": delta}})
    yield event("content_block_stop", {"index": 0})
    yield event("message_delta", {"delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                  "usage": {"output_tokens": answer.output_tokens}})
    yield event("message_stop", {})
