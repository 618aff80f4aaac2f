"""Asking the assistant: `POST /api/v1/query` (one JSON answer), `POST /api/v1/query/stream` (the same pipeline
as Server-Sent Events), and conversations (`GET/POST /api/v1/conversations`, `GET /api/v1/conversations/<id>`).

A `request_id` makes a retried request safe: the first answer is returned again and nothing is proposed twice.
`now` (an ISO date-time) freezes the clock for one request and is accepted only in demo mode (evaluations).
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Iterator

from flask import Blueprint, Response, jsonify, request, stream_with_context
from marshmallow import RAISE, Schema, fields, validate

from server import clock
from server.embeddings import EmbeddingError
from server.embeddings.cache import cached_query_embedding
from server.errors import ApiError
from server.faces import validation
from server.faces.auth import current_user
from server.llm import UsageLedger
from server.pipeline import followup
from server.pipeline.agents import AgentContext
from server.pipeline.classify import make_classifier
from server.pipeline.orchestrator import Event
from server.pipeline.run import answer, collect
from server.search import people
from server.services import Services, services
from server.store import conversations
from server.store.users import User

bp = Blueprint("query_api", __name__, url_prefix="/api/v1")


class QueryBody(Schema):
    """Body of POST /api/v1/query and /api/v1/query/stream."""

    class Meta:
        unknown = RAISE

    query = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    conversation_id = fields.UUID(load_default=None)
    request_id = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    now = fields.AwareDateTime(load_default=None)


class ConversationBody(Schema):
    """Body of POST /api/v1/conversations."""

    class Meta:
        unknown = RAISE

    title = fields.String(load_default="", validate=validate.Length(max=200))


def _body(schema: Schema) -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "Send a JSON object body.")
    return validation.load(schema, data, "request")


def prepare(svc: Services, user: User, params: dict[str, Any]) -> tuple[uuid.UUID, AgentContext, Any, UsageLedger]:
    """The conversation, the agents' context and the classifier of one request (shared by REST, SSE and WS)."""
    if params.get("now") and not svc.config.demo_mode:
        raise ApiError(400, "bad_request", "Invalid request: now: only the demo may set the clock.")
    now: datetime = params.get("now") or clock.now(svc.config)
    with svc.pool.connection() as conn:
        conversation_id = params.get("conversation_id")
        if conversation_id is not None and conversations.get(conn, user.id, conversation_id) is None:
            raise ApiError(404, "not_found", "That conversation does not exist.")
        history: list[followup.Previous] = []
        if conversation_id is None:
            conversation_id = conversations.create(conn, user.id).id
        else:
            history = followup.Previous.listed(
                (t.query, t.answer) for t in conversations.latest_turns(conn, user.id, conversation_id))

    def embed(text: str) -> Any:
        try:
            return cached_query_embedding(svc.embedder(), text, svc.redis) if text else None
        except EmbeddingError:
            return None  # full text and filters still answer

    known: dict[str, people.Resolution] = {}

    def resolve(name: str) -> people.Resolution:
        """People resolution memoised for the request (the classifier and every search step ask again)."""
        key = " ".join(name.lower().split())
        if key not in known:
            with svc.pool.connection() as conn:
                known[key] = people.resolve(conn, user.id, name, me=user.email)
        return known[key]

    ledger = UsageLedger()
    agents = AgentContext(pool=svc.pool, user=user, now=now, embed=embed, conversation_id=conversation_id,
                          resolve=resolve, history=history)
    classify = make_classifier(svc.llm(), svc.intent_classifier(), now, resolve, ledger)
    return conversation_id, agents, classify, ledger


def _replay(svc: Services, user: User, request_id: str | None) -> dict[str, Any] | None:
    if not request_id:
        return None
    with svc.pool.connection() as conn:
        turn = conversations.by_request_id(conn, user.id, request_id)
    return turn.answer if turn and turn.answer else None


def _answer_body(events: Iterator[Event], conversation_id: uuid.UUID, params: dict[str, Any],
                 ledger: UsageLedger) -> dict[str, Any]:
    """The JSON answer of one request, gathered from its events."""
    result = collect(events)
    return {"conversation_id": str(conversation_id), "request_id": params["request_id"], "intent": result.intent,
            "plan": result.plan, "results": result.results, "pending_actions": result.pending_actions,
            "answer": {"text": result.text, "citations": result.citations, "suggestions": result.suggestions},
            "timings": result.timings, "usage": _usage(ledger)}


def _record(svc: Services, user: User, conversation_id: uuid.UUID, params: dict[str, Any],
            body: dict[str, Any]) -> dict[str, Any]:
    """Store the turn; returns the answer to send (the first one, if the same request_id won a race)."""
    with svc.pool.connection() as conn:
        turn = conversations.add_turn(
            conn, user.id, conversation_id, params["query"], intent=body["intent"],
            response=body["answer"]["text"], results=body["answer"]["citations"],
            actions=[a["id"] for a in body["pending_actions"]], answer=body, request_id=params["request_id"])
    return turn.answer or body


@bp.post("/query")
def query_route() -> Response:
    """Run the pipeline and answer with intent, plan, step results, pending actions and the answer text."""
    params = _body(QueryBody())
    svc, user = services(), current_user()
    replay = _replay(svc, user, params["request_id"])
    if replay is not None:
        return jsonify(replay)
    conversation_id, agents, classify, ledger = prepare(svc, user, params)
    events = answer(params["query"], classify, agents, svc.llm(), ledger)
    return jsonify(_record(svc, user, conversation_id, params, _answer_body(events, conversation_id, params, ledger)))


def event_stream(svc: Services, user: User, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The pipeline's events as JSON-ready frames (`{"type", ...data}`), the turn recorded at the end."""
    replay = _replay(svc, user, params["request_id"])
    if replay is not None:
        yield {"type": "done", "replayed": True, **replay}
        return
    conversation_id, agents, classify, ledger = prepare(svc, user, params)
    yield {"type": "conversation", "conversation_id": str(conversation_id)}
    events: list[Event] = []
    for event in answer(params["query"], classify, agents, svc.llm(), ledger):
        events.append(event)
        if event.type == "done":
            break
        yield {"type": event.type, **event.data}
    body = _answer_body(iter(events), conversation_id, params, ledger)
    yield {"type": "done", **_record(svc, user, conversation_id, params, body)}


@bp.post("/query/stream")
def query_stream_route() -> Response:
    """The pipeline's events as Server-Sent Events (`event: <type>`, `data: <json>`), ending with `done`."""
    params = _body(QueryBody())
    svc, user = services(), current_user()

    def sse() -> Iterator[str]:
        try:
            for frame in event_stream(svc, user, params):
                yield f"event: {frame['type']}\ndata: {json.dumps(frame, default=str)}\n\n"
        except ApiError as exc:
            yield f"event: error\ndata: {json.dumps({'error': exc.error, 'message': exc.message})}\n\n"

    return Response(stream_with_context(sse()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.get("/conversations")
def conversations_route() -> Response:
    """The person's recent conversations."""
    svc, user = services(), current_user()
    with svc.pool.connection() as conn:
        found = conversations.recent(conn, user.id)
    return jsonify(conversations=[_conversation(c) for c in found])


@bp.post("/conversations")
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
    try:
        wanted = uuid.UUID(conversation_id)
    except ValueError:
        raise ApiError(404, "not_found", "That conversation does not exist.") from None
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


def _usage(ledger: UsageLedger) -> dict[str, Any]:
    total = ledger.total
    return {"input_tokens": total.input_tokens, "output_tokens": total.output_tokens,
            "cost_usd": round(total.cost_usd, 6), "calls": total.calls}
