"""Who is calling an add-on endpoint: Google (the request) and the person (the event).

* **The request.** Google sends `Authorization: Bearer <system ID token>`, an OIDC token signed by Google for the
  add-on's service agent (`service-<project number>@gcp-sa-gsuiteaddons.iam.gserviceaccount.com`). We check its
  signature (certs at ADDON_CERTS_URL, cached), expiry, issuer, audience (ADDON_AUDIENCE, or the endpoint's own
  URL: ADDON_BASE_URL + path) and that its verified `email` is ADDON_SERVICE_AGENT. Anything else is 401; an
  add-on that is not configured answers 503.
* **The person.** `authorizationEventObject.userIdToken` is the user's Google ID token; verified the same way
  with audience ADDON_USER_AUDIENCE (default GOOGLE_CLIENT_ID), its email names the account in `users`. In demo
  mode (no OAuth client) a missing user token means the demo user, and a present one is checked without an
  audience (there is no client id to expect); the system token has been checked either way.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

import google.auth.exceptions
from flask import request

from server.config import Config
from server.errors import ApiError
from server.redact import without
from server.oidc import GOOGLE_CERTS_URL, CertsCache, app_certs_cache, verify

log = logging.getLogger(__name__)


def _cache(certs_url: str) -> CertsCache:
    return app_certs_cache("wo.addon_certs", certs_url)


def base_url(config: Config) -> str:
    """The public URL prefix of our endpoints (ADDON_BASE_URL; else the URL this request came in on)."""
    return config.addon_base_url or request.url_root.rstrip("/")


def audience(config: Config) -> str:
    """The `aud` the system token of this request must carry."""
    return config.addon_audience or base_url(config) + request.path


def _claims(token: str, config: Config, aud: str | None, what: str) -> Mapping[str, Any]:
    cache = _cache(config.addon_certs_url or GOOGLE_CERTS_URL)
    try:
        return verify(token, cache, aud)
    except google.auth.exceptions.TransportError as exc:
        log.error("could not fetch add-on token certs", extra={"certs_url": cache.certs_url, "reason": str(exc)})
        raise ApiError(503, "unavailable", "Add-on requests cannot be checked right now.") from exc
    except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
        log.warning("add-on request with an invalid token", extra={"token": what,
                                                                    "reason": without(str(exc), token)})
        raise ApiError(401, "unauthenticated", "The add-on request is not signed by Google.") from exc


def verify_request(config: Config, authorization: str | None) -> Mapping[str, Any]:
    """The claims of the request's system ID token; ApiError 401 unless Google signed it for our service agent."""
    if not config.addon_service_agent:
        log.error("add-on request refused: ADDON_SERVICE_AGENT is not set")
        raise ApiError(503, "unavailable", "The add-on is not configured on this server.")
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthenticated", "An add-on request must carry an Authorization: Bearer token.")
    claims = _claims(token, config, audience(config), "system")
    if claims.get("email") != config.addon_service_agent or claims.get("email_verified") is not True:
        log.warning("add-on token from another account", extra={"email": claims.get("email")})
        raise ApiError(401, "unauthenticated", "The add-on request is not signed by Google.")
    return claims


def user_email(config: Config, event: Mapping[str, Any]) -> str:
    """The address of the person the event is for (see the module's docstring); ApiError 401 otherwise."""
    auth = event.get("authorizationEventObject") or {}
    token = auth.get("userIdToken") if isinstance(auth, dict) else None
    if not token or not isinstance(token, str):
        if config.demo_mode:
            return config.demo_user_email
        raise ApiError(401, "unauthenticated", "The add-on event does not say who the user is.")
    aud = config.addon_user_audience or config.google_client_id
    claims = _claims(token, config, aud, "user")
    email = claims.get("email")
    if not email or claims.get("email_verified") is not True:
        raise ApiError(401, "unauthenticated", "The user's ID token has no verified address.")
    return str(email).lower()
