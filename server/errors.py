"""Errors as people and programs see them: every 4xx/5xx is JSON `{"error", "message", "request_id"}`.

`error` is machine-readable and stable; `message` is written for a person. Codes and wording come from the error
catalogue (`server.catalogue`).
"""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from server import catalogue
from server.logs import request_id_var

log = logging.getLogger(__name__)

# The catalogue entry for each HTTP error werkzeug raises (routing, methods, sizes, content types).
_HTTP_CODES: dict[int, str] = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
                               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
                               414: "uri_too_long", 415: "unsupported_media_type", 422: "invalid",
                               429: "rate_limited", 500: "unknown_error", 503: "unavailable"}


class ApiError(Exception):
    """An error a handler raises to answer with a given status, code and message (plus optional details)."""

    def __init__(self, status: int, error: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.details = status, error, message, details

    @classmethod
    def of(cls, code: str, message: str | None = None, *, status: int | None = None,
           **details: object) -> "ApiError":
        """The catalogue's error `code`, with its status and message unless given."""
        found = catalogue.entry(code)
        return cls(status or found.status, code, message or catalogue.message(code), **details)


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
        error = _HTTP_CODES.get(status)
        message = catalogue.message(error) if error else (exc.description or "Request failed.")
        error = error or "http_error"
        headers = {k: v for k, v in exc.get_headers() if k.lower() in {"allow", "retry-after"}}
        return error_response(status, error, message, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "unknown_error", catalogue.message("unknown_error"))
