"""`@idempotent`: a retried write answers its first answer instead of doing the work again.

A client that may retry a side-effecting POST (a timeout, a dropped connection, a double click) sends an
`Idempotency-Key` header — any 1–128 letters, digits or `._:-`, e.g. a UUID — or, failing that, its own
`X-Request-Id`. Within 5 minutes the same key from the same person on the same method and path:

* after a successful (2xx) first answer: gets that answer again (status and body), with `Idempotent-Replayed:
  true`, and nothing runs again;
* while the first request is still running: 409 `in_progress` (Retry-After: 1);
* with a different body: 422 `idempotency_key_reused`.

A first answer that is not a success (a 4xx about the request, a 503 because Google or the queue was down) is
not kept: the retry runs again, which is what a retry is for. Keys are per user (never shared across people).
Without either header nothing changes.

When Redis is unreachable the write runs without de-duplication (fail open) and the log says so: the writes
behind it are safe to repeat on their own — confirming an action twice answers its first result (PostgreSQL
state machine and advisory lock), a second sync request collapses into the queued one, a second new
conversation is an empty conversation — and the side effects that need Redis anyway (queueing a sync) are
refused with 503 by their own code.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Callable

from flask import Response, current_app, request

from server import catalogue
from server.errors import ApiError, error_response
from server.faces.auth import current_user
from server.logs import request_id_var
from server.resilience import dedup
from server.services import services

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
_KEY = re.compile(KEY_PATTERN)


def request_key() -> str | None:
    """The request's de-duplication key: its Idempotency-Key, else the client's own X-Request-Id, else None."""
    supplied = request.headers.get(HEADER)
    if supplied is not None:
        if not _KEY.match(supplied):
            raise ApiError(400, "bad_request", f"Invalid request: {HEADER}: use 1–128 letters, digits or . _ : -")
        return supplied
    rid = request.headers.get("X-Request-Id")
    return rid if rid and rid == request_id_var.get() else None  # well-formed ones only (server/app.py)


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a side-effecting view so that a retried request (same key, same person) answers the first answer."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request_key()
        if key is None:
            return view(*args, **kwargs)
        user = current_user()
        client = services().redis
        fp = dedup.fingerprint(request.get_data(cache=True))
        claim = dedup.begin(client, user.id, f"{request.method} {request.path}", key, fp)
        if claim.state == "done" and claim.answer is not None:
            replay = Response(claim.answer["body"], status=int(claim.answer["status"]),
                              content_type=claim.answer["content_type"])
            replay.headers[REPLAYED_HEADER] = "true"
            return replay
        if claim.state == "running":
            return error_response(409, "in_progress", catalogue.message("in_progress"), headers={"Retry-After": "1"})
        if claim.state == "mismatch":
            return error_response(422, "idempotency_key_reused", catalogue.message("idempotency_key_reused"))
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            if claim.state == "run":
                dedup.abandon(client, claim)
            raise
        if claim.state == "run":
            if 200 <= response.status_code < 300 and not response.is_streamed:
                dedup.finish(client, claim, fp, response.status_code, response.get_data(), response.content_type)
            else:
                dedup.abandon(client, claim)
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]  # the OpenAPI test finds de-duplicated views by it
    return wrapper
