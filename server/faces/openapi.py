"""`GET /api/v1/openapi.json`: the REST API described from the same marshmallow schemas that validate it.

The request side (bodies, query parameters) is derived from the schemas, so the document cannot drift from what
the handlers accept; every answer documents the one error shape. Fuzzers (schemathesis) read this document.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from marshmallow import Schema, fields, validate

from server.faces.actions_api import ActionOut
from server.faces.audit_api import AuditPageOut, AuditQuery
from server.faces.query_api import ConversationBody, QueryBody
from server.faces.search_api import SearchQuery
from server.faces.sync_api import SyncRequest

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                        "request_id": {"type": "string"}}}


def field_schema(field: fields.Field) -> dict[str, Any]:
    """JSON Schema of one marshmallow field (with its Length/Range/OneOf validators)."""
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
    elif isinstance(field, (fields.DateTime, fields.AwareDateTime)):
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
    for v in field.validators:
        if isinstance(v, validate.Length):
            key = ("minItems", "maxItems") if out.get("type") == "array" else ("minLength", "maxLength")
            if v.min is not None:
                out[key[0]] = v.min
            if v.max is not None:
                out[key[1]] = v.max
        elif isinstance(v, validate.Range):
            if v.min is not None:
                out["minimum"] = v.min
            if v.max is not None:
                out["maximum"] = v.max
        elif isinstance(v, validate.OneOf):
            out["enum"] = list(v.choices)
    if field.allow_none:
        out = {"anyOf": [out, {"type": "null"}]}
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


def _op(summary: str, ok: int = 200, body: Schema | None = None, params: Schema | None = None,
        path_id: str | None = None, answer: dict[str, Any] | None = None, content: str = "application/json"
        ) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {
        str(ok): {"description": "OK", "content": {content: {"schema": answer or {"type": "object"}}}},
        "default": {"description": "An error", "content": {"application/json": {"schema": ERROR}}}}}
    parameters = _parameters(params) if params else []
    if path_id:
        parameters.append({"name": path_id, "in": "path", "required": True, "schema": {"type": "string"}})
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema_of(body)}}}
    return op


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.0 document."""
    action = schema_of(ActionOut())
    action.pop("additionalProperties", None)
    empty = {"type": "object", "additionalProperties": False, "properties": {}}
    no_body = {"required": False, "content": {"application/json": {"schema": empty}}}
    paths: dict[str, Any] = {
        "/api/v1/query": {"post": _op("Ask the assistant; one JSON answer", body=QueryBody())},
        "/api/v1/query/stream": {"post": _op("Ask the assistant; Server-Sent Events", body=QueryBody(),
                                             content="text/event-stream", answer={"type": "string"})},
        "/api/v1/conversations": {"get": _op("Recent conversations"),
                                  "post": _op("Start a conversation", ok=201, body=ConversationBody())},
        "/api/v1/conversations/{conversation_id}": {"get": _op("A conversation and its turns",
                                                               path_id="conversation_id")},
        "/api/v1/search": {"get": _op("Hybrid search of the person's workspace", params=SearchQuery())},
        "/api/v1/actions": {"get": _op("Pending actions waiting for confirmation")},
        "/api/v1/actions/{action_id}": {"get": _op("One action", path_id="action_id", answer=action)},
        "/api/v1/sync/status": {"get": _op("Sync state per service")},
        "/api/v1/sync": {"post": _op("Start a sync", ok=202, body=SyncRequest())},
        "/api/v1/audit": {"get": _op("The person's audit log, newest first (pass next_before as before for the "
                                     "next page)", params=AuditQuery(), answer=schema_of(AuditPageOut()))},
        "/metrics": {"get": _op("Prometheus metrics (text exposition; a bearer token when METRICS_TOKEN is set)",
                                content="text/plain", answer={"type": "string"})},
        "/healthz": {"get": _op("Liveness")},
    }
    for verb in ("confirm", "cancel", "undo"):
        op = _op(f"{verb.title()} an action", path_id="action_id", answer=action)
        op["requestBody"] = no_body
        paths[f"/api/v1/actions/{{action_id}}/{verb}"] = {"post": op}
    return {"openapi": "3.0.3",
            "info": {"title": "Workspace Orchestrator API", "version": "1"},
            "paths": paths}


@bp.get("/openapi.json")
def openapi_route() -> Response:
    """The OpenAPI document of this server."""
    return jsonify(document())
