"""A Gmail `messages.get(format=full)` resource → a gmail_cache row."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.headerregistry import Address
from email.utils import getaddresses
from typing import Any

from server.sync.html_text import html_to_text

PREVIEW_CHARS = 300
# Labels that keep a message out of the index (Gmail's messages.list leaves them out by default too).
EXCLUDED_LABELS = frozenset({"TRASH", "SPAM", "DRAFT"})


@dataclass
class GmailRow:
    """One message as the index stores it (columns of gmail_cache)."""

    email_id: str
    thread_id: str
    subject: str
    sender: str
    sender_name: str
    recipients: list[dict[str, str]]
    body_full: str
    body_preview: str
    labels: list[str]
    is_read: bool
    has_attachments: bool
    attachments: list[dict[str, Any]] = field(default_factory=list)
    received_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    history_id: int | None = None


def _decode(data: str | None, charset: str | None) -> str:
    if not data:
        return ""
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return ""
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        return raw.decode("utf-8", errors="replace")


def _headers(part: dict[str, Any]) -> dict[str, str]:
    # Later duplicates do not override the first (the first From/Subject is the real one).
    out: dict[str, str] = {}
    for h in part.get("headers", []):
        out.setdefault(h.get("name", "").lower(), h.get("value", ""))
    return out


def _charset(part: dict[str, Any]) -> str | None:
    ctype = _headers(part).get("content-type", "")
    for piece in ctype.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key.lower() == "charset":
            return value.strip('"') or None
    return None


def _walk(part: dict[str, Any], plain: list[str], html: list[str], attachments: list[dict[str, Any]]) -> None:
    mime = (part.get("mimeType") or "").lower()
    body = part.get("body") or {}
    if part.get("filename"):
        attachments.append({"filename": part["filename"], "mime_type": mime, "size": body.get("size", 0)})
        return
    if mime.startswith("multipart/"):
        for child in part.get("parts") or []:
            _walk(child, plain, html, attachments)
    elif mime == "text/plain":
        plain.append(_decode(body.get("data"), _charset(part)))
    elif mime == "text/html":
        html.append(_decode(body.get("data"), _charset(part)))


def body_text(payload: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The message's readable text (text/plain preferred, else HTML stripped) and its attachments."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[dict[str, Any]] = []
    _walk(payload, plain, html, attachments)
    text = "\n\n".join(p for p in plain if p.strip())
    if not text.strip() and html:
        text = "\n\n".join(html_to_text(h) for h in html)
    return text.replace("\r\n", "\n").strip(), attachments


def _people(value: str, kind: str) -> list[dict[str, str]]:
    return [{"email": addr.lower(), "name": name, "kind": kind} for name, addr in getaddresses([value]) if addr]


def _sender(value: str) -> tuple[str, str]:
    pairs = getaddresses([value])
    if not pairs or not pairs[0][1]:
        return "", value.strip()
    name, addr = pairs[0]
    if not name:  # "santiago.martinez@atlas.com" → "Santiago Martinez", so names match "from santiago"
        local = Address(addr_spec=addr).username if "@" in addr else addr
        name = " ".join(w.capitalize() for w in local.replace("_", ".").split(".") if w)
    return addr.lower(), name


def parse_message(resource: dict[str, Any]) -> GmailRow:
    """The index row for a full Gmail message resource."""
    payload = resource.get("payload") or {}
    headers = _headers(payload)
    text, attachments = body_text(payload)
    sender, sender_name = _sender(headers.get("from", ""))
    labels = sorted(resource.get("labelIds") or [])
    millis = int(resource.get("internalDate") or 0)
    recipients = (_people(headers.get("to", ""), "to") + _people(headers.get("cc", ""), "cc")
                  + _people(headers.get("bcc", ""), "bcc"))
    return GmailRow(
        email_id=resource["id"],
        thread_id=resource.get("threadId") or resource["id"],
        subject=headers.get("subject", ""),
        sender=sender,
        sender_name=sender_name,
        recipients=recipients,
        body_full=text,
        body_preview=" ".join(text.split())[:PREVIEW_CHARS],
        labels=labels,
        is_read="UNREAD" not in labels,
        has_attachments=bool(attachments),
        attachments=attachments,
        received_at=datetime.fromtimestamp(millis / 1000, tz=timezone.utc),
        history_id=int(resource["historyId"]) if resource.get("historyId") else None,
    )


def indexable(labels: list[str] | None) -> bool:
    """Whether a message with these labels belongs in the index (not trash, spam or a draft)."""
    return not (set(labels or []) & EXCLUDED_LABELS)
