"""Gmail, Calendar and Drive clients for one user, from google-api-python-client's bundled discovery documents.

With GOOGLE_API_BASE_URL set (the demo, tests) every call goes to that base instead of Google: Gmail's endpoint
is the base itself (its discovery paths start with gmail/v1/), Calendar's and Drive's add their path prefix.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import httplib2
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.http import BatchHttpRequest

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
_APIS = {"gmail": ("gmail", "v1", ""), "calendar": ("calendar", "v3", "calendar/v3/"),
         "drive": ("drive", "v3", "drive/v3/")}


@functools.lru_cache(maxsize=None)
def _discovery(api: str, version: str) -> dict[str, Any]:
    # Parsed once per process: the documents are 100-300 KB of JSON and every job builds fresh clients.
    return json.loads(get_static_doc(api, version))


def make_credentials(access_token: str | None, refresh_token: str | None, expires_at: datetime | None, *,
                     client_id: str, client_secret: str, token_uri: str | None) -> Credentials:
    """google-auth credentials that refresh themselves through `token_uri` when expired."""
    expiry = expires_at.astimezone(timezone.utc).replace(tzinfo=None) if expires_at else None  # google-auth: naive UTC
    return Credentials(access_token, refresh_token=refresh_token, token_uri=token_uri or GOOGLE_TOKEN_URI,
                       client_id=client_id, client_secret=client_secret, expiry=expiry)


@dataclass
class GoogleServices:
    """The three API clients of one user, sharing one authorised HTTP connection (not thread-safe: one job)."""

    gmail: Any
    calendar: Any
    drive: Any
    credentials: Credentials
    batch_uri: str | None

    def new_batch(self, callback: Any = None) -> BatchHttpRequest:
        """A batch request for Gmail, posted to the right batch endpoint."""
        return self.gmail.new_batch_http_request(callback=callback) if self.batch_uri is None else \
            BatchHttpRequest(callback=callback, batch_uri=self.batch_uri)


def build_services(credentials: Credentials, base_url: str | None, timeout: float = 30.0) -> GoogleServices:
    """Clients for `credentials`, talking to Google or to `base_url` (the emulator)."""
    http = AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
    built = {}
    for name, (api, version, prefix) in _APIS.items():
        options = {"api_endpoint": base_url.rstrip("/") + "/" + prefix} if base_url else None
        built[name] = build_from_document(_discovery(api, version), http=http, client_options=options)
    batch_uri = base_url.rstrip("/") + "/batch/gmail/v1" if base_url else None
    return GoogleServices(built["gmail"], built["calendar"], built["drive"], credentials, batch_uri)
