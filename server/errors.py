"""Errors as people and programs see them: every 4xx/5xx is JSON `{"error", "message", "request_id"}`.

`error` is machine-readable and stable; `message` is written for a person. The user-facing wording comes from
the design documents' error catalogue.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from server.logs import request_id_var

log = logging.getLogger(__name__)

# Machine-readable codes for the HTTP errors werkzeug raises, with messages a person can act on.
_HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood. Check its parameters and body."),
    401: ("unauthenticated", "Please sign in to continue."),
    403: ("forbidden", "You don't have access to this."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    409: ("conflict", "This conflicts with the current state; reload and try again."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send the body as JSON (Content-Type: application/json)."),
    422: ("invalid", "Some fields are invalid."),
    429: ("rate_limited", "We're processing too many requests right now. Please wait a moment and try again."),
    500: ("unknown_error", "We encountered an unexpected error. Our team has been notified. "
                           "Please try again in a few moments."),
    503: ("unavailable", "The service is temporarily unavailable. Please try again in a few moments."),
}


class ApiError(Exception):
    """An error a handler raises to answer with a given status, code and message (plus optional details)."""

    def __init__(self, status: int, error: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.details = status, error, message, details


def error_response(status: int, error: str, message: str, headers: dict[str, str] | None = None,
                   **details: object) -> Response:
    """The one JSON shape of every error answer."""
    body: dict[str, object] = {"error": error, "message": message, **details}
    rid = request_id_var.get()
    if rid:
        body["request_id"] = rid
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register_error_handlers(app: Flask) -> None:
    """Make every error answer JSON, never werkzeug's HTML page."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.error, exc.message, **exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        error, message = _HTTP_ERRORS.get(status, ("http_error", exc.description or "Request failed."))
        headers = {k: v for k, v in exc.get_headers() if k.lower() in {"allow", "retry-after"}}
        return error_response(status, error, message, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        error, message = _HTTP_ERRORS[500]
        return error_response(500, error, message)
