"""`GET /api/v1/openapi.json`: the REST API described from the same marshmallow schemas that validate it.

The request side (bodies, query parameters) is derived from the schemas, so the document cannot drift from what
the handlers accept. The answers are described here: each success shape, and for errors exactly the statuses an
operation can answer, all with the one error shape. The fuzz test (tests/integration/test_fuzz_api.py) runs
schemathesis from this document against the app and checks every answer against it, so a description that stops
matching the handlers fails there.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from marshmallow import Schema, fields, validate

from server.faces.actions_api import ActionOut
from server.faces.audit_api import AuditPageOut, AuditQuery
from server.faces.idempotent import HEADER as IDEMPOTENCY_HEADER
from server.faces.idempotent import KEY_PATTERN
from server.faces.query_api import ConversationBody, QueryBody
from server.faces.search_api import SearchQuery
from server.faces.sync_api import SyncRequest

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                        "request_id": {"type": "string"},
                        "fields": {"type": "object", "description": "per field, what is wrong with it"}}}
# Why an operation may answer each error status (the message in the body says more).
_WHY = {
    400: "Invalid input: the message names each bad field (`fields` has them all)",
    401: "Not signed in, or the token or session is unknown or expired",
    403: "Refused (e.g. a request from another site's page)",
    404: "No such item, or it is another person's (the two are not told apart)",
    409: "The item is not in a state that allows this, or a request with the same Idempotency-Key is still running",
    410: "The proposal expired before it was decided",
    413: "The body is larger than 1 MiB",
    414: "The path and query string are longer than 8000 bytes",
    422: "The Idempotency-Key was already used for a different request",
    429: "Too many requests; Retry-After says when to try again",
    500: "An unexpected error (reported; nothing about it is revealed)",
    502: "Google refused the change",
    503: "A dependency is unavailable, or the account is still being set up; try again later",
}
COMMON_ERRORS = (400, 401, 403, 413, 414, 429, 500, 503)

_NULLABLE_STRING = {"type": "string", "nullable": True}
_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {**_TIME, "nullable": True}


def _obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """An answer object: these keys always present (more may be added later, so others are allowed)."""
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


CONVERSATION = _obj({"id": {"type": "string", "format": "uuid"}, "title": {"type": "string"},
                     "created_at": _TIME, "updated_at": _TIME})
TURN = _obj({"id": {"type": "string", "format": "uuid"}, "query": {"type": "string"}, "answer": _NULLABLE_STRING,
             "citations": _array({"type": "object"}), "request_id": _NULLABLE_STRING, "at": _TIME})
ANSWER = _obj({
    "conversation_id": {"type": "string", "format": "uuid"}, "request_id": _NULLABLE_STRING,
    "intent": {"type": "object"}, "plan": {"type": "object"},
    "results": _array(_obj({"step": {"type": "string"}, "ok": {"type": "boolean"}, "items": _array({"type": "object"}),
                            "error": _NULLABLE_STRING, "message": _NULLABLE_STRING},
                           {"retry_after": {"type": "number", "nullable": True}})),
    "pending_actions": _array({"type": "object"}),
    "answer": _obj({"text": {"type": "string"}, "citations": _array({"type": "object"}),
                    "suggestions": _array({"type": "string"})}),
    "timings": {"type": "object", "additionalProperties": {"type": "number"}},
    "usage": _obj({"input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"},
                   "cost_usd": {"type": "number"}, "calls": {"type": "integer"}}),
})
# One Server-Sent Event as schemathesis (and any SSE client) reads it: its name and its JSON data line.
SSE_EVENT = _obj({"event": {"type": "string", "enum": ["conversation", "intent", "plan", "step_started", "step_done",
                                                       "pending_action", "token", "done", "error"]},
                  "data": {"type": "string"}})
HIT = _obj({"service": {"type": "string", "enum": ["gmail", "calendar", "drive"]}, "id": {"type": "string"},
            "title": _NULLABLE_STRING, "snippet": _NULLABLE_STRING, "at": _NULLABLE_TIME,
            "who": _NULLABLE_STRING, "who_name": _NULLABLE_STRING, "link": _NULLABLE_STRING,
            "score": {"type": "number"},
            "ranks": _obj({k: {"type": "integer", "nullable": True} for k in ("fts", "vector", "filtered")})})
SEARCH = _obj({"query": {"type": "string"}, "people": {"type": "object"}, "hits": _array(HIT)})
SYNC_STATE = _obj({"state": {"type": "string", "enum": ["never", "queued", "running", "ok", "error", "needs_reauth"]},
                   "queued": {"type": "boolean"}, "last_sync_at": _NULLABLE_TIME, "last_success_at": _NULLABLE_TIME,
                   "last_error": _NULLABLE_STRING, "items_done": {"type": "integer"},
                   "items_total": {"type": "integer", "nullable": True}})
SYNC_STATUS = _obj({"services": _obj({s: SYNC_STATE for s in ("gmail", "calendar", "drive")})})
SYNC_STARTED = _obj({"kind": {"type": "string", "enum": ["delta", "full"]},
                     "enqueued": _array(_obj({"service": {"type": "string"}, "job_id": {"type": "string"}})),
                     "already_pending": _array({"type": "string"})})
ME = _obj({"email": {"type": "string"}, "demo": {"type": "boolean"}, "scopes": _array({"type": "string"}),
           "missing_services": _array({"type": "string"}), "needs_reauth": {"type": "boolean"}},
          {"reason": {"type": "string"}, "message": {"type": "string"}, "reconnect_url": {"type": "string"}})
HEALTH = _obj({"status": {"type": "string", "enum": ["ok"]}})


def field_schema(field: fields.Field) -> dict[str, Any]:
    """JSON Schema of one marshmallow field (with its Length/Range/OneOf/Regexp validators)."""
    out: dict[str, Any]
    if isinstance(field, fields.Nested):
        nested = field.schema
        out = schema_of(nested)
        if getattr(field, "many", False):
            out = {"type": "array", "items": out}
    elif isinstance(field, fields.List):
        out = {"type": "array", "items": field_schema(field.inner)}
    elif isinstance(field, fields.UUID):
        out = {"type": "string", "format": "uuid"}
    elif isinstance(field, fields.Email):
        out = {"type": "string", "format": "email"}
    elif isinstance(field, (fields.DateTime, fields.AwareDateTime)) and not field.metadata.get("pattern"):
        out = {"type": "string", "format": "date-time"}
    elif isinstance(field, fields.Boolean):
        out = {"type": "boolean"}
    elif isinstance(field, fields.Integer):
        out = {"type": "integer"}
    elif isinstance(field, fields.Number):
        out = {"type": "number"}
    elif isinstance(field, (fields.Dict, fields.Raw)) and not isinstance(field, fields.String):
        out = {"type": "object"} if isinstance(field, fields.Dict) else {}
    else:
        out = {"type": "string"}
    for key in ("description", "pattern"):
        if field.metadata.get(key):
            out[key] = field.metadata[key]
    for v in field.validators:
        if isinstance(v, validate.Length):
            key = ("minItems", "maxItems") if out.get("type") == "array" else ("minLength", "maxLength")
            if v.min is not None:
                out[key[0]] = v.min
            if v.max is not None:
                out[key[1]] = v.max
        elif isinstance(v, validate.Range):
            if v.min is not None and not out.get("format"):
                out["minimum"] = v.min
            if v.max is not None and not out.get("format"):
                out["maximum"] = v.max
        elif isinstance(v, validate.OneOf):
            out["enum"] = list(v.choices)
        elif isinstance(v, validate.Regexp):
            out["pattern"] = v.regex.pattern
    if field.allow_none:
        out["nullable"] = True
    return out


def schema_of(schema: Schema) -> dict[str, Any]:
    """JSON Schema of a marshmallow schema: its fields by data key; unknown fields are refused."""
    props = {f.data_key or name: field_schema(f) for name, f in schema.fields.items() if not f.dump_only}
    required = [f.data_key or name for name, f in schema.fields.items() if f.required]
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def _parameters(schema: Schema) -> list[dict[str, Any]]:
    return [{"name": f.data_key or name, "in": "query", "required": f.required, "schema": field_schema(f)}
            for name, f in schema.fields.items()]


def _op(summary: str, answer: dict[str, Any], ok: int = 200, errors: tuple[int, ...] = (),
        body: Schema | None = None, params: Schema | None = None, path_id: str | None = None,
        content: str = "application/json") -> dict[str, Any]:
    """One operation: its success answer and, for every error status it can give, the error shape."""
    responses: dict[str, Any] = {str(ok): {"description": "OK", "content": {content: {"schema": answer}}}}
    for status in sorted({*COMMON_ERRORS, *errors, *((404,) if path_id else ())}):
        responses[str(status)] = {"description": _WHY[status],
                                  "content": {"application/json": {"schema": ERROR}}}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    parameters = _parameters(params) if params else []
    if path_id:
        parameters.append({"name": path_id, "in": "path", "required": True,
                           "schema": {"type": "string", "format": "uuid"}})
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema_of(body)}}}
    return op


def _idempotent(op: dict[str, Any]) -> None:
    """Document the Idempotency-Key header of a de-duplicated write (server/faces/idempotent.py)."""
    op.setdefault("parameters", []).append({
        "name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
        "description": "Repeat the first success of a request with this key for 5 minutes instead of doing it again",
        "schema": {"type": "string", "pattern": KEY_PATTERN}})
    for status in (409, 422):
        op["responses"].setdefault(str(status), {"description": _WHY[status],
                                                 "content": {"application/json": {"schema": ERROR}}})


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.0 document."""
    action = schema_of(ActionOut())
    action.pop("additionalProperties", None)
    for name, field in ActionOut().fields.items():  # an action's answer always has every field
        action.setdefault("required", []).append(field.data_key or name)
    empty = {"type": "object", "additionalProperties": False, "properties": {}}
    no_body = {"required": False, "content": {"application/json": {"schema": empty}}}
    paths: dict[str, Any] = {
        "/api/v1/query": {"post": _op("Ask the assistant; one JSON answer", ANSWER, body=QueryBody(),
                                      errors=(404,))},
        "/api/v1/query/stream": {"post": _op("Ask the assistant; Server-Sent Events", SSE_EVENT, body=QueryBody(),
                                             content="text/event-stream", errors=(404,))},
        "/api/v1/conversations": {
            "get": _op("Recent conversations", _obj({"conversations": _array(CONVERSATION)})),
            "post": _op("Start a conversation", CONVERSATION, ok=201, body=ConversationBody())},
        "/api/v1/conversations/{conversation_id}": {
            "get": _op("A conversation and its turns", {**CONVERSATION, "required": [*CONVERSATION["required"],
                                                                                      "turns"],
                                                       "properties": {**CONVERSATION["properties"],
                                                                      "turns": _array(TURN)}},
                       path_id="conversation_id")},
        "/api/v1/search": {"get": _op("Hybrid search of the person's workspace", SEARCH, params=SearchQuery())},
        "/api/v1/actions": {"get": _op("Pending actions waiting for confirmation", _obj({"actions": _array(action)}))},
        "/api/v1/actions/{action_id}": {"get": _op("One action", action, path_id="action_id")},
        "/api/v1/sync/status": {"get": _op("Sync state per service", SYNC_STATUS)},
        "/api/v1/sync": {"post": _op("Start a sync", SYNC_STARTED, ok=202, body=SyncRequest(), errors=(409,))},
        "/api/v1/audit": {"get": _op("The person's audit log, newest first (pass next_before as before for the "
                                     "next page)", schema_of(AuditPageOut()), params=AuditQuery())},
        "/auth/me": {"get": _op("Who this request acts for", ME)},
        "/metrics": {"get": _op("Prometheus metrics (text exposition; a bearer token when METRICS_TOKEN is set)",
                                {"type": "string"}, content="text/plain")},
        "/healthz": {"get": _op("Liveness", HEALTH)},
    }
    for verb in ("confirm", "cancel", "undo"):
        op = _op(f"{verb.title()} an action", action, path_id="action_id", errors=(409, 410, 502))
        op["requestBody"] = no_body
        paths[f"/api/v1/actions/{{action_id}}/{verb}"] = {"post": op}
    for path in (*(f"/api/v1/actions/{{action_id}}/{v}" for v in ("confirm", "cancel", "undo")),
                 "/api/v1/sync", "/api/v1/conversations"):
        _idempotent(paths[path]["post"])
    return {"openapi": "3.0.3",
            "info": {"title": "Workspace Orchestrator API", "version": "1",
                     "description": "Every error answer is JSON {error, message, request_id}. Authenticate with "
                                    "`Authorization: Bearer <token>` (POST /auth/token) or the web session "
                                    "cookie; the demo needs neither."},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "paths": paths}


@bp.get("/openapi.json")
def openapi_route() -> Response:
    """The OpenAPI document of this server."""
    return jsonify(document())
