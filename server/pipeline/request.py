"""One question to the assistant, as every face asks it: the request's shape (`QueryBody`), its context
(`prepare`: the conversation, the agents' context, the classifier), and the recorded turn.

`ask(...)` runs the pipeline and returns the whole JSON answer (REST, the add-on); `event_stream(...)` yields it
as JSON-ready frames (SSE, the WebSocket). Both store the turn at the end, and a retried `request_id` returns the
first answer instead of planning again. Faces validate and authenticate; this module holds no HTTP.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Iterator

from marshmallow import RAISE, Schema, fields

from server import clock
from server.embeddings import EmbeddingError
from server.embeddings.cache import cached_query_embedding
from server.errors import ApiError
from server.inputs import Moment, Text
from server.llm import UsageLedger
from server.pipeline import followup
from server.pipeline.agents import AgentContext
from server.pipeline.classify import make_classifier
from server.pipeline.orchestrator import Event
from server.pipeline.run import answer, collect
from server.search import people
from server.services import Services
from server.store import conversations
from server.store.users import User


class QueryBody(Schema):
    """Body of POST /api/v1/query and /api/v1/query/stream."""

    class Meta:
        unknown = RAISE

    query = Text(required=True, min_length=1, max_length=2000)
    conversation_id = fields.UUID(load_default=None)
    request_id = Text(load_default=None, min_length=1, max_length=100)
    now = Moment(load_default=None)  # evaluations freeze the clock at their dataset's date


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


def replay(svc: Services, user: User, request_id: str | None) -> dict[str, Any] | None:
    if not request_id:
        return None
    with svc.pool.connection() as conn:
        turn = conversations.by_request_id(conn, user.id, request_id)
    return turn.answer if turn and turn.answer else None


def answer_body(events: Iterator[Event], conversation_id: uuid.UUID, params: dict[str, Any],
                 ledger: UsageLedger) -> dict[str, Any]:
    """The JSON answer of one request, gathered from its events."""
    result = collect(events)
    return {"conversation_id": str(conversation_id), "request_id": params["request_id"], "intent": result.intent,
            "plan": result.plan, "results": result.results, "pending_actions": result.pending_actions,
            "answer": {"text": result.text, "citations": result.citations, "suggestions": result.suggestions},
            "notices": result.notices, "partial": result.partial, "timings": result.timings,
            "usage": usage(ledger)}


def record(svc: Services, user: User, conversation_id: uuid.UUID, params: dict[str, Any],
            body: dict[str, Any]) -> dict[str, Any]:
    """Store the turn; returns the answer to send (the first one, if the same request_id won a race)."""
    with svc.pool.connection() as conn:
        turn = conversations.add_turn(
            conn, user.id, conversation_id, params["query"], intent=body["intent"],
            response=body["answer"]["text"], results=body["answer"]["citations"],
            actions=[a["id"] for a in body["pending_actions"]], answer=body, request_id=params["request_id"])
    return turn.answer or body


def ask(svc: Services, user: User, params: dict[str, Any]) -> dict[str, Any]:
    """The whole JSON answer of one request (replayed for a request_id already answered), its turn recorded."""
    replayed = replay(svc, user, params["request_id"])
    if replayed is not None:
        return replayed
    conversation_id, agents, classify, ledger = prepare(svc, user, params)
    events = answer(params["query"], classify, agents, svc.llm(), ledger)
    return record(svc, user, conversation_id, params, answer_body(events, conversation_id, params, ledger))


def event_stream(svc: Services, user: User, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The pipeline's events as JSON-ready frames (`{"type", ...data}`), the turn recorded at the end."""
    replayed = replay(svc, user, params["request_id"])
    if replayed is not None:
        yield {"type": "done", "replayed": True, **replayed}
        return
    conversation_id, agents, classify, ledger = prepare(svc, user, params)
    yield {"type": "conversation", "conversation_id": str(conversation_id)}
    events: list[Event] = []
    for event in answer(params["query"], classify, agents, svc.llm(), ledger):
        events.append(event)
        if event.type == "done":
            break
        yield {"type": event.type, **event.data}
    body = answer_body(iter(events), conversation_id, params, ledger)
    yield {"type": "done", **record(svc, user, conversation_id, params, body)}


def usage(ledger: UsageLedger) -> dict[str, Any]:
    total = ledger.total
    return {"input_tokens": total.input_tokens, "output_tokens": total.output_tokens,
            "cost_usd": round(total.cost_usd, 6), "calls": total.calls}
