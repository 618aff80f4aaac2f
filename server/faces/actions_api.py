"""The current user's pending actions over REST.

`GET  /api/v1/actions`               → `{"actions": [Action]}`: the ones waiting for a decision, newest first
`GET  /api/v1/actions/<id>`          → Action
`POST /api/v1/actions/<id>/confirm`  → Action (state `done`, its `result`); a retried confirm answers the same
`POST /api/v1/actions/<id>/cancel`   → Action (state `cancelled`)
`POST /api/v1/actions/<id>/undo`     → Action (state `undone`)

Action = `{"id", "kind", "state", "preview": {"title", "lines", "details", "warnings"}, "args", "result",
"undo": {"possible", "reason"}, "error", "conversation_id", "created_at", "expires_at", "decided_at"}`; a pending
action past its expiry shows state `expired`. POST bodies are empty or `{}`. A POST retried with the same
`Idempotency-Key` within 5 minutes answers its first success again (server/faces/idempotent.py).

Errors (`{"error", "message", ...}`): 404 `not_found` for an unknown id and for another user's (never revealed);
409 `wrong_state` / `not_undoable` / `in_progress` / `auth_required`; 410 `expired`; 503 `unavailable` or
`rate_limited` (with Retry-After) and 502 `google_error` when Google fails — the action is then `failed` and
carries the error (`action` in the error body).
"""
from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import RAISE, Schema, fields

from server import actions
from server.actions import (ActionBusy, ActionExpired, ActionFailed, ActionNotFound, PendingAction,
                            WrongState)
from server.errors import ApiError, error_response
from server.faces import validation
from server.faces.auth import current_user
from server.faces.idempotent import idempotent
from server.services import services

log = logging.getLogger(__name__)
bp = Blueprint("actions_api", __name__, url_prefix="/api/v1")


class _NoBody(Schema):
    """A decision carries no fields (unknown ones are refused, so a typo is not silently ignored)."""

    class Meta:
        unknown = RAISE


class UndoOut(Schema):
    """Whether the action can be reversed, and why not."""

    possible = fields.Boolean()
    reason = fields.String(allow_none=True)


class ActionOut(Schema):
    """One action as the faces show it."""

    id = fields.UUID()
    kind = fields.String()
    state = fields.String()
    preview = fields.Dict()
    args = fields.Dict()
    result = fields.Dict(allow_none=True)
    undo = fields.Nested(UndoOut)
    error = fields.String(allow_none=True)
    conversation_id = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)


_OUT = ActionOut()


def render(action: PendingAction, now: datetime | None = None) -> dict[str, Any]:
    """The JSON of an action (a pending one past its expiry shows as expired; the undo recipe stays inside)."""
    now = now or datetime.now(timezone.utc)
    undo = action.undo or {}
    view = {**action.__dict__, "state": "expired" if action.expired(now) else action.state,
            "undo": {"possible": action.undoable,
                     "reason": undo.get("reason") if not undo.get("possible") else None}}
    return _OUT.dump(view)


def _id(action_id: str) -> uuid.UUID:
    """The action id of the path; a malformed one is a 404 exactly like an id nobody has."""
    return validation.item_id(action_id, ApiError(404, "not_found", "There is no such action."))


def _body() -> None:
    if not request.get_data(cache=True).strip():
        return
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be empty or a JSON object.")
    validation.load(_NoBody(), body, "request")


@bp.errorhandler(ActionNotFound)
def _not_found(exc: ActionNotFound) -> Response:
    return error_response(404, "not_found", "There is no such action.")


@bp.errorhandler(WrongState)
def _wrong_state(exc: WrongState) -> Response:
    return error_response(409, exc.code, exc.message, state=exc.state)


@bp.errorhandler(ActionExpired)
def _expired(exc: ActionExpired) -> Response:
    return error_response(410, "expired", exc.message)


@bp.errorhandler(ActionBusy)
def _busy(exc: ActionBusy) -> Response:
    return error_response(409, "in_progress", exc.message)


@bp.errorhandler(ActionFailed)
def _failed(exc: ActionFailed) -> Response:
    if exc.kind == "auth_required":
        status, code = 409, "auth_required"
    elif exc.kind in ("unavailable", "rate_limited"):
        status, code = 503, exc.kind
    else:
        status, code = 502, "google_error"
    headers = {"Retry-After": str(math.ceil(exc.retry_after))} if exc.retry_after else None
    details: dict[str, Any] = {"kind": exc.kind}
    action_id = request.view_args.get("action_id") if request.view_args else None
    if action_id:
        with services().pool.connection() as conn:
            action = actions.get(conn, current_user().id, action_id)
        if action is not None:
            details["action"] = render(action)
    return error_response(status, code, exc.message, headers=headers, **details)


@bp.get("/actions")
def list_actions() -> Response:
    """The current user's actions waiting for a decision."""
    user = current_user()
    with services().pool.connection() as conn:
        found = actions.list_open(conn, user.id)
    return jsonify(actions=[render(a) for a in found])


@bp.get("/actions/<action_id>")
def get_action(action_id: str) -> Response:
    """One of the current user's actions."""
    user = current_user()
    with services().pool.connection() as conn:
        action = actions.get(conn, user.id, _id(action_id))
    if action is None:
        raise ActionNotFound("There is no such action.")
    return jsonify(render(action))


@bp.post("/actions/<action_id>/confirm")
@idempotent
def confirm_action(action_id: str) -> Response:
    """Run the action (once); answers it done with its result."""
    _body()
    user = current_user()
    svc = services()
    return jsonify(render(actions.confirm(svc.pool, svc.config, user, _id(action_id))))


@bp.post("/actions/<action_id>/cancel")
@idempotent
def cancel_action(action_id: str) -> Response:
    """Cancel a pending action."""
    _body()
    user = current_user()
    return jsonify(render(actions.cancel(services().pool, user, _id(action_id))))


@bp.post("/actions/<action_id>/undo")
@idempotent
def undo_action(action_id: str) -> Response:
    """Reverse a done action where Google allows."""
    _body()
    user = current_user()
    svc = services()
    return jsonify(render(actions.undo(svc.pool, svc.config, user, _id(action_id))))
