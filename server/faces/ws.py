"""The WebSocket face (`/ws`, flask-sock): JSON frames in both directions.

Frames from the client: `{"type": "ping"}` → `{"type": "pong"}`; `{"type": "query", "query": "...",
"conversation_id"?, "request_id"?, "id"?}` → the pipeline's events as frames (`intent`, `plan`, `step_started`,
`step_done`, `pending_action`, `token`, then `done` with the whole answer), each carrying the client's `id` as
`ref`.
Anything unparseable gets an `error` frame and the connection stays open.
"""
from __future__ import annotations

import json
import logging

from flask_sock import Sock

from server.errors import ApiError
from server.faces import limits, validation
from server.faces.auth import current_user
from server.logs import request_id_var
from server.pipeline.request import QueryBody, event_stream
from server.services import services

log = logging.getLogger(__name__)
sock = Sock()

# Frames larger than this are refused (a request is a sentence, not a document).
MAX_FRAME_BYTES = 64 * 1024


def _send(ws: object, frame: dict[str, object]) -> None:
    ws.send(json.dumps(frame))  # type: ignore[attr-defined]


@sock.route("/ws")
def websocket(ws: object) -> None:
    """Greet, then answer frames until the client closes."""
    _send(ws, {"type": "hello", "request_id": request_id_var.get()})
    while True:
        raw = ws.receive()  # type: ignore[attr-defined]
        if raw is None:
            return
        if len(raw) > MAX_FRAME_BYTES:
            _send(ws, {"type": "error", "error": "payload_too_large", "message": "That message is too large."})
            continue
        try:
            frame = json.loads(raw)
            kind = frame.get("type") if isinstance(frame, dict) else None
        except ValueError:
            kind = None
        if kind == "ping":
            _send(ws, {"type": "pong"})
        elif kind == "query":
            _query(ws, {k: v for k, v in frame.items() if k not in ("type", "id")}, frame.get("id"))
        else:
            _send(ws, {"type": "error", "error": "bad_request",
                       "message": 'Send JSON frames with a "type"; supported: ping, query.'})


def _query(ws: object, body: dict[str, object], frame_id: object) -> None:
    """Stream one query's pipeline events; each frame carries the client's frame `id` as `ref`, so answers to
    several questions on one socket can be told apart (`id` inside a frame is the item's or action's own)."""
    tag = {"ref": frame_id} if isinstance(frame_id, (str, int)) else {}
    try:
        params = validation.load(QueryBody(), body, "query")
        svc, user = services(), current_user()
        limits.check_user(user, limits.READ)
        for event in event_stream(svc, user, params):
            ws.send(json.dumps({**event, **tag}, default=str))  # type: ignore[attr-defined]
    except ApiError as exc:
        wait = {"retry_after": exc.details["retry_after"]} if "retry_after" in exc.details else {}
        _send(ws, {"type": "error", "error": exc.error, "message": exc.message, **wait, **tag})
