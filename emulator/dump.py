"""``GET /_emulator/state``: the stable JSON view evaluations diff. Shape documented in emulator/README.md."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .state import Message, State, User, rfc3339


def message_view(msg: Message) -> dict[str, Any]:
    """One message: ids, labels, trashed flag, main headers and the plain-text body."""
    meta = msg.meta()
    return {
        "id": msg.id,
        "threadId": msg.thread_id,
        "labelIds": sorted(msg.labels),
        "trashed": "TRASH" in msg.labels,
        "internalDate": str(msg.internal_date),
        "date": rfc3339(datetime.fromtimestamp(msg.internal_date / 1000, timezone.utc)),
        "from": meta.from_,
        "to": meta.to,
        "cc": meta.cc,
        "bcc": meta.bcc,
        "subject": meta.subject,
        "messageId": meta.message_id,
        "inReplyTo": meta.in_reply_to,
        "body": meta.text,
    }


def user_view(user: User) -> dict[str, Any]:
    """Everything one user has, in a deterministic order."""
    box = user.mailbox
    draft_ids = set(box.drafts.values())
    msgs = sorted(box.messages.values(), key=lambda m: (m.internal_date, m.id))
    return {
        "email": user.email,
        "historyId": str(box.history_id),
        "labels": sorted(box.labels.values(), key=lambda lab: lab["id"]),
        "messages": [message_view(m) for m in msgs if m.id not in draft_ids],
        "drafts": sorted(({"id": did, "message": message_view(box.messages[mid])}
                          for did, mid in box.drafts.items() if mid in box.messages), key=lambda d: d["id"]),
        "sent": [message_view(box.messages[mid]) for mid in box.sent if mid in box.messages],
        "watch": box.watch,
        "calendars": {
            "primary": sorted(user.calendar.events.values(),
                              key=lambda e: (str((e.get("start") or {}).get("dateTime") or (e.get("start") or {})
                                                 .get("date") or ""), e["id"])),
        },
        "files": sorted(({"file": df.file, "text": df.text, "permissions": df.permissions}
                         for df in user.drive.files.values()), key=lambda f: f["file"]["id"]),
    }


def dump(state: State, user: str | None = None) -> dict[str, Any]:
    """The whole world (or one user) — call with the state lock held."""
    users = state.users.values() if user is None else [u for u in [state.get_user(user)] if u is not None]
    return {
        "clock": rfc3339(state.clock.frozen) if state.clock.frozen else None,
        "users": {u.email: user_view(u) for u in sorted(users, key=lambda u: u.email)},
    }
