"""The WebSocket face (`/ws`, flask-sock): JSON frames in both directions.

Frames from the client: `{"type": "ping"}` → `{"type": "pong"}`; `{"type": "query", "query": "...",
"conversation_id"?, "request_id"?, "id"?}` → the pipeline's events as frames (`intent`, `plan`, `step_started`,
`step_done`, `pending_action`, `token`, then `done` with the whole answer), each carrying the client's `id` as
`ref`.
Every frame goes through `Frame` (its `type` and `id`) and a query's fields through `QueryBody`, as over REST;
anything unparseable or invalid gets an `error` frame and the connection stays open. A frame larger than
MAX_FRAME_BYTES closes the connection (1009, "message too big") before it is buffered whole.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any

from flask import Flask
from flask_sock import Sock
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from server import metrics
from server.errors import ApiError
from server.faces import limits, validation
from server.faces.auth import current_user, forget_current_user
from server.logs import request_id_var
from server.pipeline.request import QueryBody, event_stream
from server.services import services

log = logging.getLogger(__name__)
sock = Sock()

# Frames larger than this are refused (a request is a sentence, not a document).
MAX_FRAME_BYTES = 64 * 1024


class _FrameId(fields.Field):
    """The client's tag for a frame: a short string or an integer, echoed back as `ref`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | int:
        if isinstance(value, str) and len(value) <= 100:
            return value
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2 ** 53:
            return value
        raise ValidationError("Must be a string of at most 100 characters or an integer.")


class Frame(Schema):
    """A frame's envelope; a query's own fields are left for QueryBody."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, validate=validate.OneOf(("ping", "query")))
    id = _FrameId(load_default=None)


def init_app(app: Flask) -> None:
    """Serve `/ws` on `app`, its incoming messages bounded while they are read."""
    app.config.setdefault("SOCK_SERVER_OPTIONS", {})["max_message_size"] = MAX_FRAME_BYTES
    sock.init_app(app)


def _send(ws: object, frame: dict[str, object]) -> None:
    ws.send(json.dumps(frame))  # type: ignore[attr-defined]


@sock.route("/ws")
def websocket(ws: object) -> None:
    """Greet, then answer frames until the client closes. Each frame is counted in the metrics (route
    `/ws:<type>`, method WS, status 200 or the error frame's) with the time until its answer was sent."""
    _send(ws, {"type": "hello", "request_id": request_id_var.get()})
    while True:
        raw = ws.receive()  # type: ignore[attr-defined]
        if raw is None:
            return
        started = time.perf_counter()
        try:
            frame = validation.parse_json(raw, "The frame")
            if not isinstance(frame, dict):
                raise ApiError(400, "bad_request", "A frame must be a JSON object.")
            envelope = validation.load(Frame(), frame, "frame")
        except ApiError as exc:
            _send(ws, {"type": "error", "error": exc.error, "message": exc.message + ' Send JSON frames with a '
                       '"type"; supported: ping, query.'})
            metrics.observe_ws_frame(None, exc.status, time.perf_counter() - started)
            continue
        status = 200
        if envelope["type"] == "ping":
            _send(ws, {"type": "pong"})
        else:
            status = _query(ws, {k: v for k, v in frame.items() if k not in ("type", "id")}, envelope["id"])
        metrics.observe_ws_frame(envelope["type"], status, time.perf_counter() - started)
        metrics.refresh_breakers()  # the query may have opened or closed one


def _query(ws: object, body: dict[str, object], frame_id: object) -> int:
    """Stream one query's pipeline events; each frame carries the client's frame `id` as `ref`, so answers to
    several questions on one socket can be told apart (`id` inside a frame is the item's or action's own).
    Returns 200, or the HTTP status of the error sent instead."""
    tag = {"ref": frame_id} if frame_id is not None else {}
    try:
        params = validation.load(QueryBody(), body, "query")
        forget_current_user()  # the session may have ended since the last frame
        svc, user = services(), current_user()
        limits.check_user(user, limits.READ)
        for event in event_stream(svc, user, params):
            ws.send(json.dumps({**event, **tag}, default=str))  # type: ignore[attr-defined]
    except ApiError as exc:
        wait = {"retry_after": exc.details["retry_after"]} if "retry_after" in exc.details else {}
        _send(ws, {"type": "error", "error": exc.error, "message": exc.message, **wait, **tag})
        return exc.status
    return 200
