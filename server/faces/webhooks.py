"""Gmail push: `POST /webhooks/gmail`, the endpoint of a Pub/Sub push subscription on the Gmail watch topic.

Pub/Sub sends `{"message": {"data": base64(json {"emailAddress", "historyId"}), "messageId", "publishTime"},
"subscription"}` with an `Authorization: Bearer <OIDC JWT>` signed by Google for the subscription's service
account. We check the token (signature against the certs at PUSH_CERTS_URL, audience PUSH_AUDIENCE, issuer,
`email` == PUSH_SERVICE_ACCOUNT, `email_verified`), then queue one Gmail delta sync for that mailbox on the
`priority` queue and answer 204 at once. The sync itself reads `history.list`; the push only says "look now".

Answers: 204 (queued, already queued, unknown address, a user whose grant is gone or who turned autosync off:
Pub/Sub must not retry those), 400 malformed body, 401 missing/invalid token, 403 valid token from the wrong account, 503 when we
cannot check or queue right now (Pub/Sub retries with backoff, which is what we want then).
"""
from __future__ import annotations

import base64
import binascii
import logging
from typing import Any, Mapping

import google.auth.exceptions
import redis
from flask import Blueprint, Response, request
from google.auth import jwt as google_jwt
from google.oauth2 import id_token
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from server.errors import ApiError
from server.faces import validation
from server.faces.validation import Text
from server.oidc import CLOCK_SKEW_SECONDS, GOOGLE_CERTS_URL, ISSUERS, CertsCache, app_certs_cache
from server.redact import without
from server.services import services
from server.store import users
from workers.enqueue import enqueue_sync

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)
# A Gmail notification is two fields; its base64 is well under a kilobyte. Anything far bigger is not one.
MAX_DATA = 4096

class _PushMessage(Schema):
    # Pub/Sub adds attributes, message_id, publish_time...: keep what we don't read rather than refuse it.
    class Meta:
        unknown = INCLUDE

    data = Text(required=True, max_length=MAX_DATA)
    messageId = Text(max_length=200)


class _PushEnvelope(Schema):
    class Meta:
        unknown = INCLUDE

    message = fields.Nested(_PushMessage, required=True)
    subscription = Text(max_length=1000)


class _GmailNotification(Schema):
    class Meta:
        unknown = INCLUDE

    emailAddress = fields.Email(required=True, validate=validate.Length(max=320))
    # A JSON number from Gmail (a digit string is accepted too); Gmail's history ids are unsigned 64-bit.
    historyId = fields.Integer(required=True, validate=validate.Range(min=1, max=2 ** 64 - 1))


def _certs_cache(certs_url: str) -> CertsCache:
    """The app's certs cache for `certs_url` (one per app, made on first push)."""
    return app_certs_cache("wo.push_certs", certs_url)


def verify_push_token(authorization: str | None) -> Mapping[str, Any]:
    """The verified claims of the request's push token; ApiError 401 (missing/invalid) or 403 (wrong sender)."""
    config = services().config
    if not config.push_audience or not config.push_service_account:
        log.error("gmail push refused: PUSH_AUDIENCE and PUSH_SERVICE_ACCOUNT must be set")
        raise ApiError(503, "unavailable", "Push notifications are not configured on this server.")
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthenticated", "A push must carry an Authorization: Bearer token.")
    cache = _certs_cache(config.push_certs_url or GOOGLE_CERTS_URL)
    try:
        cache.ensure_key(google_jwt.decode_header(token).get("kid"))
        claims = id_token.verify_token(token, cache, audience=config.push_audience, certs_url=cache.certs_url,
                                       clock_skew_in_seconds=CLOCK_SKEW_SECONDS)
    except google.auth.exceptions.TransportError as exc:
        log.error("could not fetch push token certs", extra={"certs_url": cache.certs_url, "reason": str(exc)})
        raise ApiError(503, "unavailable", "Push tokens cannot be checked right now.") from exc
    except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
        # Bad signature, unknown key, expired, wrong audience, not a JWT: all "not a valid token".
        log.warning("gmail push with an invalid token", extra={"reason": without(str(exc), token)})
        raise ApiError(401, "unauthenticated", "The push token is not valid.") from exc
    if claims.get("iss") not in ISSUERS:
        log.warning("gmail push token from another issuer", extra={"iss": claims.get("iss")})
        raise ApiError(401, "unauthenticated", "The push token is not valid.")
    if claims.get("email") != config.push_service_account or claims.get("email_verified") is not True:
        log.warning("gmail push token from another account",
                    extra={"email": claims.get("email"), "email_verified": claims.get("email_verified")})
        raise ApiError(403, "forbidden", "The push token was not issued to the expected service account.")
    return claims


def _b64decode(data: str) -> bytes:
    """Standard (Pub/Sub's) or urlsafe base64, padding optional."""
    cleaned = data.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)


def parse_push(body: Any) -> dict[str, Any]:
    """The Gmail notification (`emailAddress`, `historyId`) inside a Pub/Sub push body; ApiError 400 otherwise."""
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be a Pub/Sub push message (a JSON object).")
    try:
        envelope = _PushEnvelope().load(body)
    except ValidationError as exc:
        raise ApiError(400, "bad_request", "Not a Pub/Sub push body.", fields=validation.string_keys(exc.messages)) \
            from exc
    try:
        raw = _b64decode(envelope["message"]["data"])
    except (binascii.Error, ValueError) as exc:
        raise ApiError(400, "bad_request", "message.data is not base64-encoded JSON.") from exc
    decoded = validation.parse_json(raw, "message.data")
    if not isinstance(decoded, dict):
        raise ApiError(400, "bad_request", "message.data is not a Gmail notification.")
    try:
        notification = _GmailNotification().load(decoded)
    except ValidationError as exc:
        raise ApiError(400, "bad_request", "message.data is not a Gmail notification.",
                       fields=validation.string_keys(exc.messages)) from exc
    notification["messageId"] = envelope["message"].get("messageId")
    return notification


@bp.post("/webhooks/gmail")
def gmail_push() -> Response:
    """Queue a Gmail delta sync for the mailbox a verified push names; 204 whenever Pub/Sub should not retry."""
    verify_push_token(request.headers.get("Authorization"))
    notification = parse_push(request.get_json(force=True, silent=True))
    svc = services()
    email = notification["emailAddress"]
    context = {"history_id": notification["historyId"], "pubsub_message_id": notification["messageId"]}
    with svc.pool.connection() as conn:
        user = users.get_by_email(conn, email)
    if user is None:
        # Acknowledge: a retry would not make the address known, it would only repeat the push for days.
        log.warning("gmail push for an unknown address", extra={"email": email, **context})
        return Response(status=204)
    if user.needs_reauth or not user.autosync_enabled:
        # Nothing may run for them (grant gone) or they turned background sync off; the scheduler skips them too.
        log.info("gmail push ignored", extra={"user_id": str(user.id), "needs_reauth": user.needs_reauth,
                                              "autosync_enabled": user.autosync_enabled, **context})
        return Response(status=204)
    try:
        job = enqueue_sync(svc.redis, user.id, "gmail", "delta", queue="priority")
    except redis.RedisError as exc:
        log.error("gmail push could not be queued", extra={"user_id": str(user.id), "reason": str(exc), **context})
        raise ApiError(503, "unavailable", "The push could not be queued; retry later.") from exc
    log.info("gmail push", extra={"user_id": str(user.id), "queued": job is not None,
                                  "job_id": job.id if job else None, **context})
    return Response(status=204)
