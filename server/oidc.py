"""Google-signed OIDC ID tokens (Pub/Sub push, Workspace add-on requests): the signing certs, cached.

`CertsCache` is a google-auth transport `Request` that answers GETs of the certs URL from memory while they are
fresh; `verify(...)` checks a token's signature, expiry, audience and issuer against it. Callers check the
claims that say *who* (the `email` of a service account, a user) themselves.
"""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping

import google.auth.transport.requests
import requests
from google.auth import jwt as google_jwt
from google.oauth2 import id_token

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
ISSUERS = ("https://accounts.google.com", "accounts.google.com")
# Google's tokens and our clock may disagree by a few seconds.
CLOCK_SKEW_SECONDS = 10
# Google serves its certs with max-age of several hours; without a max-age we keep them this long.
DEFAULT_CERTS_TTL = 3600.0
# A token whose `kid` is not in the cached certs may mean Google rotated keys: refetch, but at most this often,
# so a stream of forged tokens with made-up key ids cannot make every request fetch certs.
MIN_REFETCH_SECONDS = 30.0
_MAX_AGE = re.compile(r"max-age=(\d+)")


@dataclass
class _CachedResponse:
    """What google-auth reads from a transport response."""

    status: int
    headers: Mapping[str, str]
    data: bytes


class CertsCache:
    """A google-auth transport `Request` that answers GETs of the certs URL from memory until they go stale.

    `id_token.verify_token` fetches the certs on every call; given this as its `request`, a push costs no
    network round trip while the certs are fresh. Thread- and greenlet-safe (one lock around the fetch).
    """

    def __init__(self, certs_url: str, timeout: float = 5.0) -> None:
        self.certs_url = certs_url
        self.timeout = timeout
        self._transport = google.auth.transport.requests.Request(requests.Session())
        self._lock = threading.Lock()
        self._response: _CachedResponse | None = None
        self._fetched_at = 0.0
        self._expires_at = 0.0
        self.fetches = 0  # how many times we went to the network (tests, metrics)

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None,
                 timeout: float | None = None, **kwargs: Any) -> Any:
        """google.auth.transport.Request protocol; only the certs URL is cached."""
        if url != self.certs_url or method != "GET":
            return self._transport(url, method=method, body=body, headers=headers,
                                   timeout=timeout or self.timeout, **kwargs)
        with self._lock:
            now = time.monotonic()
            if self._response is None or now >= self._expires_at:
                self._fetch(now)
            assert self._response is not None
            return self._response

    def _fetch(self, now: float) -> None:
        self.fetches += 1
        resp = self._transport(self.certs_url, method="GET", timeout=self.timeout)
        if resp.status != 200:
            # Not cached: the next push tries again (google-auth raises TransportError for it).
            self._response = _CachedResponse(resp.status, dict(resp.headers), resp.data)
            self._expires_at = now
            return
        match = _MAX_AGE.search(resp.headers.get("cache-control", "") or "")
        ttl = float(match.group(1)) if match else DEFAULT_CERTS_TTL
        self._response = _CachedResponse(resp.status, dict(resp.headers), resp.data)
        self._fetched_at, self._expires_at = now, now + ttl

    def ensure_key(self, kid: str | None) -> None:
        """Drop the cached certs if they lack `kid` (key rotation), unless they were fetched moments ago."""
        if not kid:
            return
        with self._lock:
            if self._response is None or self._response.status != 200:
                return
            try:
                known = json.loads(self._response.data)
            except ValueError:
                known = {}
            if kid not in known and time.monotonic() - self._fetched_at >= MIN_REFETCH_SECONDS:
                self._expires_at = 0.0


def verify(token: str, cache: CertsCache, audience: str | None) -> Mapping[str, Any]:
    """The claims of a Google-signed ID token: signature against `cache`'s certs, expiry (with skew), audience
    (when given) and issuer. Raises ValueError / google.auth.exceptions.GoogleAuthError for an invalid token and
    google.auth.exceptions.TransportError when the certs cannot be fetched."""
    cache.ensure_key(google_jwt.decode_header(token).get("kid"))
    claims = id_token.verify_token(token, cache, audience=audience, certs_url=cache.certs_url,
                                   clock_skew_in_seconds=CLOCK_SKEW_SECONDS)
    if claims.get("iss") not in ISSUERS:
        raise ValueError(f"token issued by {claims.get('iss')!r}")
    return claims


def app_certs_cache(key: str, certs_url: str) -> CertsCache:
    """The current Flask app's certs cache kept under `key` for `certs_url` (made on first use, remade when the URL
    changes), so every request of the app shares one cache per kind of token."""
    from flask import current_app

    cache = current_app.extensions.get(key)
    if cache is None or cache.certs_url != certs_url:
        cache = current_app.extensions[key] = CertsCache(certs_url)
    return cache
