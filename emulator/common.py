"""Request/response plumbing shared by the API blueprints.

``api_method(method_id)`` wraps every Google API route: it resolves the bearer token to a user,
applies injected faults for that discovery method id, runs the handler, applies the ``fields``
partial-response mask and serialises the result. Handlers receive the authenticated
:class:`~emulator.state.User` and raise :class:`~emulator.errors.ApiError` on failure.
"""

from __future__ import annotations

import base64
import functools
import json
import time
from typing import Any, Callable

from flask import Response, current_app, g, request

from . import errors
from .fields import FieldsError, apply_mask, parse_fields
from .state import State, User

JSON_MIMETYPE = "application/json; charset=UTF-8"


def get_state() -> State:
    """The State bound to the running app."""
    return current_app.extensions["emulator.state"]


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialise ``obj`` compactly (no key sorting: field order mimics Google's)."""
    body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    resp = Response(body, status=status, content_type=JSON_MIMETYPE)
    if headers:
        resp.headers.update(headers)
    return resp


def error_response(err: errors.ApiError) -> Response:
    """The Google error body for an ApiError."""
    return json_response(err.body(), err.code, err.headers)


def bearer_token() -> str | None:
    """The access token from ``Authorization: Bearer`` (or the ``access_token`` query parameter)."""
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.args.get("access_token")


def respond(obj: Any, default_fields: str | None = None) -> Response:
    """JSON response with the request's ``fields`` mask (or a default mask, as Drive v3 applies)."""
    expr = request.args.get("fields") or default_fields
    if expr:
        try:
            obj = apply_mask(obj, parse_fields(expr))
        except FieldsError as exc:
            raise errors.ApiError(400, str(exc), "invalidParameter", location="fields",
                                  location_type="parameter") from exc
    return json_response(obj)


def api_method(method_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view as the implementation of discovery method ``method_id``."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def view(**kwargs: Any) -> Any:
            st = get_state()
            with st.lock:
                user = st.user_for_token(bearer_token())
            fault = st.faults.take(method_id, user.email if user else None)
            if fault is not None:
                if fault.delay_ms:
                    time.sleep(fault.delay_ms / 1000.0)
                if fault.status != 200:
                    raise errors.fault_error(fault.status, fault.retry_after)
            if user is None:
                raise errors.unauthenticated()
            g.user = user
            result = fn(user, **kwargs)
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(status=204)
            return respond(result)

        view.method_id = method_id  # type: ignore[attr-defined]
        return view

    return deco


def json_body(required: bool = False) -> dict[str, Any]:
    """The request body as a JSON object; malformed JSON is a Google-style 400 parseError."""
    data = request.get_data(cache=True)
    if not data.strip():
        if required:
            raise errors.bad_request("Request body is required.", "required")
        return {}
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.parse_error(str(exc).split(":")[0] + ".") from exc
    if not isinstance(obj, dict):
        raise errors.parse_error("Expected a JSON object.")
    return obj


def arg_int(name: str, default: int, lo: int, hi: int, clamp: bool = True) -> int:
    """Integer query parameter; out-of-range values are clamped (Google does) or rejected."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise errors.invalid_parameter(name, f"Invalid value '{raw}'. Values must match the following regular "
                                             "expression: '-?\\d+'") from exc
    if value < lo:
        if clamp and lo > 0 and value == 0:
            return default
        raise errors.invalid_parameter(name, f"Invalid value '{raw}' for {name}.")
    return min(value, hi) if clamp else value


def arg_bool(name: str, default: bool = False) -> bool:
    """Boolean query parameter (``true``/``false``)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    low = raw.lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0"):
        return False
    raise errors.invalid_parameter(name, f"Invalid value '{raw}'. Expected true or false.")


def encode_token(data: dict[str, Any]) -> str:
    """Opaque page token."""
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str, name: str = "pageToken") -> dict[str, Any]:
    """Inverse of :func:`encode_token`; garbage is a 400 on that parameter."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError
        return data
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.invalid_parameter(name, "Invalid page token." if name == "pageToken" else "Invalid Value") from exc


def token_int(token: str | None, key: str, default: int = 0, name: str = "pageToken") -> int:
    """An integer carried in a page token (``default`` without a token); garbage is a 400."""
    if not token:
        return default
    value = decode_token(token, name).get(key, default)
    if not isinstance(value, int) or value < 0:
        raise errors.invalid_parameter(name, "Invalid page token.")
    return value


def current_user() -> User:
    """The authenticated user of this request."""
    return g.user
