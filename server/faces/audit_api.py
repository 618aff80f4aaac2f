"""`GET /api/v1/audit?limit=&before=`: the current user's audit log, newest first.

Answers `{"entries": [AuditEntry], "next_before": id | null}`; pass `next_before` back as `before` for the next
(older) page. AuditEntry = `{"id", "action_id", "event" (proposed, confirmed, resumed, done, failed, cancelled,
expired, undone, undo_failed), "kind", "actor" (the address that acted), "detail" (title, target ids,
recipients, result ids; never a message body), "request_id", "face" (rest, ws, addon or null), "created_at"}`.
Only the signed-in user's own entries are ever listed.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import RAISE, Schema, fields, validate

from server.actions import audit
from server.faces import validation
from server.faces.auth import current_user
from server.services import services

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 200


class AuditQuery(Schema):
    """Query parameters of GET /api/v1/audit (unknown parameters are refused)."""

    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=50, strict=False, validate=validate.Range(min=1, max=MAX_LIMIT))
    before = fields.Integer(load_default=None, strict=False, validate=validate.Range(min=1, max=2**63 - 1))


class AuditEntryOut(Schema):
    """One audit event as the API shows it."""

    id = fields.Integer()
    action_id = fields.UUID(allow_none=True)
    event = fields.String()
    kind = fields.String()
    actor = fields.String()
    detail = fields.Dict()
    request_id = fields.String(allow_none=True)
    face = fields.String(allow_none=True, validate=validate.OneOf(audit.FACES))
    created_at = fields.AwareDateTime()


class AuditPageOut(Schema):
    """A page of the audit log; `next_before` is null on the last page."""

    entries = fields.List(fields.Nested(AuditEntryOut))
    next_before = fields.Integer(allow_none=True)


_PAGE = AuditPageOut()


@bp.get("/audit")
def audit_route() -> Response:
    """The current user's audit events, newest first, one page."""
    params = validation.load(AuditQuery(), request.args.to_dict(flat=True), "audit query")
    user = current_user()
    limit = params["limit"]
    with services().pool.connection() as conn:
        found = audit.entries(conn, user.id, limit + 1, params["before"])  # one more says whether a page follows
    page: dict[str, Any] = {"entries": [e.__dict__ for e in found[:limit]],
                            "next_before": found[limit - 1].id if len(found) > limit else None}
    return jsonify(_PAGE.dump(page))
