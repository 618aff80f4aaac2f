"""Asking the assistant: `POST /api/v1/query` (one JSON answer), `POST /api/v1/query/stream` (the same pipeline
as Server-Sent Events), and conversations (`GET/POST /api/v1/conversations`, `GET /api/v1/conversations/<id>`).

A `request_id` makes a retried request safe: the first answer is returned again and nothing is proposed twice.
`now` (an ISO date-time) freezes the clock for one request and is accepted only in demo mode (evaluations).
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Iterator

from flask import Blueprint, Response, jsonify, request, stream_with_context
from marshmallow import RAISE, Schema

from server.errors import ApiError
from server.faces import validation
from server.faces.auth import current_user
from server.faces.idempotent import idempotent
from server.pipeline.request import QueryBody, ask, event_stream
from server.services import services
from server.store import conversations

__all__ = ["bp", "QueryBody", "ConversationBody"]

bp = Blueprint("query_api", __name__, url_prefix="/api/v1")


class ConversationBody(Schema):
    """Body of POST /api/v1/conversations."""

    class Meta:
        unknown = RAISE

    title = validation.Text(load_default="", max_length=200)


def _body(schema: Schema) -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "Send a JSON object body.")
    return validation.load(schema, data, "request")


@bp.post("/query")
def query_route() -> Response:
    """Run the pipeline and answer with intent, plan, step results, pending actions and the answer text."""
    params = _body(QueryBody())
    return jsonify(ask(services(), current_user(), params))


@bp.post("/query/stream")
def query_stream_route() -> Response:
    """The pipeline's events as Server-Sent Events (`event: <type>`, `data: <json>`), ending with `done`."""
    params = _body(QueryBody())
    svc, user = services(), current_user()
    frames = event_stream(svc, user, params)
    # The first frame comes after the request is checked (its conversation, its clock): a refusal is then still an
    # ordinary JSON error with its status, not an `error` event inside a 200 stream.
    first = next(frames)

    def sse() -> Iterator[str]:
        try:
            for frame in itertools.chain([first], frames):
                yield f"event: {frame['type']}\ndata: {json.dumps(frame, default=str)}\n\n"
        except ApiError as exc:
            yield f"event: error\ndata: {json.dumps({'error': exc.error, 'message': exc.message})}\n\n"

    return Response(stream_with_context(sse()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@bp.get("/conversations")
def conversations_route() -> Response:
    """The person's recent conversations."""
    svc, user = services(), current_user()
    with svc.pool.connection() as conn:
        found = conversations.recent(conn, user.id)
    return jsonify(conversations=[_conversation(c) for c in found])


@bp.post("/conversations")
@idempotent
def new_conversation_route() -> tuple[Response, int]:
    """Start a conversation (the first query can also start one by itself)."""
    params = _body(ConversationBody())
    svc, user = services(), current_user()
    with svc.pool.connection() as conn:
        created = conversations.create(conn, user.id, params["title"])
    return jsonify(_conversation(created)), 201


@bp.get("/conversations/<conversation_id>")
def conversation_route(conversation_id: str) -> Response:
    """One conversation with its turns (404 for an unknown id, or another person's)."""
    svc, user = services(), current_user()
    wanted = validation.item_id(conversation_id, ApiError(404, "not_found", "That conversation does not exist."))
    with svc.pool.connection() as conn:
        found = conversations.get(conn, user.id, wanted)
        if found is None:
            raise ApiError(404, "not_found", "That conversation does not exist.")
        turns = conversations.turns(conn, user.id, wanted)
    return jsonify(**_conversation(found), turns=[
        {"id": str(t.id), "query": t.query, "answer": t.response, "citations": t.results,
         "request_id": t.request_id, "at": t.created_at.isoformat()} for t in turns])


def _conversation(c: conversations.Conversation) -> dict[str, Any]:
    return {"id": str(c.id), "title": c.title, "created_at": c.created_at.isoformat(),
            "updated_at": c.updated_at.isoformat()}

