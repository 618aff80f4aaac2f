"""The WebSocket face (`/ws`, flask-sock): JSON frames in both directions.

Frames from the client: `{"type": "ping"}` → `{"type": "pong"}`. Anything unparseable gets an `error` frame and
the connection stays open. The pipeline's streamed events arrive on this socket with the orchestrator.
"""
from __future__ import annotations

import json
import logging

from flask_sock import Sock

from server.logs import request_id_var

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
        else:
            _send(ws, {"type": "error", "error": "bad_request",
                       "message": 'Send JSON frames with a "type"; supported: ping.'})
