"""The RFC 2822 messages that send_email, reply and forward hand to Gmail (pure functions, no I/O).

Every message carries a Message-ID derived from its action id (`marker`): it is the idempotency key that lets a
retried or resumed send find the draft or the sent message of an earlier attempt instead of sending again.
"""
from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from server.sync.gmail_message import body_text


def marker(action_id: uuid.UUID, sender: str) -> str:
    """The Message-ID of the email an action sends: `<wo-<action id hex>@<sender's domain>>`."""
    return f"<wo-{action_id.hex}@{sender.rpartition('@')[2] or 'localhost'}>"


def headers(resource: dict[str, Any]) -> dict[str, str]:
    """The top-level headers of a Gmail message resource, by lower-case name (the first of repeats)."""
    out: dict[str, str] = {}
    for h in (resource.get("payload") or {}).get("headers", []):
        out.setdefault(h.get("name", "").lower(), h.get("value", ""))
    return out


def build(*, sender: str, to: list[str], subject: str, body: str, message_id: str, cc: list[str] | None = None,
          in_reply_to: str | None = None, references: str | None = None) -> bytes:
    """A plain-text message (UTF-8, CRLF line ends) ready for drafts.create."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    if to:  # a draft may have no recipient yet
        msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = references or in_reply_to
    msg.set_content(body)
    return msg.as_bytes()


def _original_text(resource: dict[str, Any]) -> str:
    text, _ = body_text(resource.get("payload") or {})
    return text


def reply_body(body: str, original: dict[str, Any]) -> str:
    """The reply's text with the original quoted below it, as mail clients do."""
    h = headers(original)
    quoted = "\n".join(f"> {line}" if line else ">" for line in _original_text(original).splitlines())
    return f"{body}\n\nOn {h.get('date', 'an earlier date')}, {h.get('from', 'the sender')} wrote:\n{quoted}\n"


def reply_threading(original: dict[str, Any]) -> tuple[str | None, str | None]:
    """(In-Reply-To, References) for a reply to `original` (References grows by the original's Message-ID)."""
    h = headers(original)
    message_id = h.get("message-id") or None
    if message_id is None:
        return None, None
    references = " ".join(x for x in (h.get("references", "").strip(), message_id) if x)
    return message_id, references


def forward_body(note: str, original: dict[str, Any]) -> str:
    """The note, then the original's headers and text, the way Gmail lays out a forward."""
    h = headers(original)
    block = ["---------- Forwarded message ---------", f"From: {h.get('from', '')}", f"Date: {h.get('date', '')}",
             f"Subject: {h.get('subject', '')}", f"To: {h.get('to', '')}"]
    if h.get("cc"):
        block.append(f"Cc: {h['cc']}")
    head = f"{note.rstrip()}\n\n" if note.strip() else ""
    return head + "\n".join(block) + "\n\n" + _original_text(original) + "\n"
