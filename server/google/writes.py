"""Thin helpers for the writes a person confirms (and the reads around them): Gmail drafts, send, trash;
Calendar insert/patch/delete; Drive permissions. Each is one Google call through `calls.execute`.

A person is waiting on these, so they retry less and sooner than the background syncs do (two retries, 0.25 s
then 0.5 s, or what Retry-After asks when that is at most 5 s): a Google outage becomes a clear failure in about
a second rather than a spinner for half a minute, and a longer Retry-After comes back to the person as "try again
in N s".
"""
from __future__ import annotations

import base64
from typing import Any

from server.google.calls import execute
from server.google.clients import GoogleServices

WRITE_RETRIES = 2
WRITE_BACKOFF = 0.25  # seconds before the first retry; doubles
WRITE_MAX_WAIT = 5.0  # the longest pause a person waits for before a retry
CALENDAR = "primary"
PERMISSION_FIELDS = "nextPageToken,permissions(id,type,role,emailAddress,domain,displayName)"


def _run(request: Any) -> Any:
    return execute(request, retries=WRITE_RETRIES, base=WRITE_BACKOFF, max_wait=WRITE_MAX_WAIT)


# -- Gmail ---------------------------------------------------------------------------------------------


def get_message(g: GoogleServices, message_id: str, fmt: str = "full") -> dict[str, Any]:
    """messages.get in `fmt` (full, metadata, minimal)."""
    return _run(g.gmail.users().messages().get(userId="me", id=message_id, format=fmt))


def find_message_ids(g: GoogleServices, query: str) -> list[str]:
    """Ids of the messages matching a Gmail search (trash and spam included; at most 20)."""
    resp = _run(g.gmail.users().messages().list(userId="me", q=query, includeSpamTrash=True, maxResults=20))
    return [m["id"] for m in resp.get("messages", [])]


def create_draft(g: GoogleServices, raw: bytes, thread_id: str | None = None) -> dict[str, Any]:
    """drafts.create from an RFC 2822 message; returns `{id, message: {id, threadId}}`."""
    message: dict[str, Any] = {"raw": base64.urlsafe_b64encode(raw).decode()}
    if thread_id:
        message["threadId"] = thread_id
    return _run(g.gmail.users().drafts().create(userId="me", body={"message": message}))


def send_draft(g: GoogleServices, draft_id: str) -> dict[str, Any]:
    """drafts.send; returns the sent message `{id, threadId, labelIds}` (the draft is gone afterwards)."""
    return _run(g.gmail.users().drafts().send(userId="me", body={"id": draft_id}))


def delete_draft(g: GoogleServices, draft_id: str) -> None:
    """drafts.delete."""
    _run(g.gmail.users().drafts().delete(userId="me", id=draft_id))


def draft_for_message(g: GoogleServices, message_id: str) -> str | None:
    """The id of the draft whose message is `message_id`, or None."""
    page = None
    while True:
        resp = _run(g.gmail.users().drafts().list(userId="me", maxResults=500, pageToken=page))
        for draft in resp.get("drafts", []):
            if (draft.get("message") or {}).get("id") == message_id:
                return str(draft["id"])
        page = resp.get("nextPageToken")
        if not page:
            return None


def trash_message(g: GoogleServices, message_id: str) -> dict[str, Any]:
    """messages.trash."""
    return _run(g.gmail.users().messages().trash(userId="me", id=message_id))


def untrash_message(g: GoogleServices, message_id: str) -> dict[str, Any]:
    """messages.untrash."""
    return _run(g.gmail.users().messages().untrash(userId="me", id=message_id))


# -- Calendar ------------------------------------------------------------------------------------------


def get_event(g: GoogleServices, event_id: str) -> dict[str, Any]:
    """events.get on the primary calendar (a deleted event comes back with status cancelled)."""
    return _run(g.calendar.events().get(calendarId=CALENDAR, eventId=event_id))


def insert_event(g: GoogleServices, body: dict[str, Any], send_updates: str = "none") -> dict[str, Any]:
    """events.insert (with a client-chosen `id` in `body`, a retry meets 409 instead of making a second one)."""
    return _run(g.calendar.events().insert(calendarId=CALENDAR, body=body, sendUpdates=send_updates))


def patch_event(g: GoogleServices, event_id: str, body: dict[str, Any], send_updates: str = "none") -> dict[str, Any]:
    """events.patch; a null in `body` clears that field."""
    return _run(g.calendar.events().patch(calendarId=CALENDAR, eventId=event_id, body=body,
                                          sendUpdates=send_updates))


def delete_event(g: GoogleServices, event_id: str, send_updates: str = "none") -> None:
    """events.delete (410 when it was deleted already)."""
    _run(g.calendar.events().delete(calendarId=CALENDAR, eventId=event_id, sendUpdates=send_updates))


# -- Drive ---------------------------------------------------------------------------------------------


def get_file(g: GoogleServices, file_id: str, fields: str = "id,name,mimeType,webViewLink") -> dict[str, Any]:
    """files.get with `fields`."""
    return _run(g.drive.files().get(fileId=file_id, fields=fields))


def list_permissions(g: GoogleServices, file_id: str) -> list[dict[str, Any]]:
    """Every permission on a file (id, type, role, emailAddress, domain, displayName)."""
    out: list[dict[str, Any]] = []
    page = None
    while True:
        resp = _run(g.drive.permissions().list(fileId=file_id, fields=PERMISSION_FIELDS, pageSize=100,
                                               pageToken=page))
        out.extend(resp.get("permissions", []))
        page = resp.get("nextPageToken")
        if not page:
            return out


def create_permission(g: GoogleServices, file_id: str, email: str, role: str) -> dict[str, Any]:
    """permissions.create for one person (Drive emails them that it was shared)."""
    return _run(g.drive.permissions().create(fileId=file_id, body={"type": "user", "role": role,
                                                                   "emailAddress": email},
                                             fields="id,type,role,emailAddress"))


def delete_permission(g: GoogleServices, file_id: str, permission_id: str) -> None:
    """permissions.delete."""
    _run(g.drive.permissions().delete(fileId=file_id, permissionId=permission_id))
