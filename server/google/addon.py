"""Reads a Workspace add-on makes with the tokens Google put in its event, not with the person's stored grant.

A Gmail contextual trigger carries `authorizationEventObject.userOAuthToken` (the add-on's scopes, e.g.
`gmail.addons.current.message.readonly`) and `gmail.accessToken`, a per-message token Gmail wants in the
`X-Goog-Gmail-Access-Token` header; together they read the open message, and nothing else.
"""
from __future__ import annotations

from typing import Any

import httplib2
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build_from_document

from server.google.calls import execute
from server.google.clients import _discovery

MESSAGE_TOKEN_HEADER = "X-Goog-Gmail-Access-Token"


def open_message(base_url: str | None, user_token: str, message_token: str, message_id: str,
                 timeout: float = 5.0) -> dict[str, Any]:
    """messages.get(format=full) of the message open in Gmail, with the event's tokens (one quick retry: a
    person is looking at the sidebar). Raises GoogleError."""
    http = AuthorizedHttp(Credentials(user_token), http=httplib2.Http(timeout=timeout))
    options = {"api_endpoint": base_url.rstrip("/") + "/"} if base_url else None
    gmail = build_from_document(_discovery("gmail", "v1"), http=http, client_options=options)
    request = gmail.users().messages().get(userId="me", id=message_id, format="full")
    request.headers[MESSAGE_TOKEN_HEADER] = message_token
    return execute(request, retries=1, base=0.25)
