"""Put data sets into a State: the demo world (``emulator.demo``) and the scale generator.

Message dicts: ``{"id", "threadId", "labelIds", "internalDate" (ms, str or int), "raw" (RFC 2822
bytes; str is accepted too)}``. Event dicts are Calendar v3 Event resources; file dicts are
``{"file": Drive v3 File, "text": str, "permissions": [Permission]}``. Bulk loads do not write
per-message history: the mailbox history starts right after the load, like a fresh Gmail account.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from . import mime
from .calendar_api import normalize_event
from .drive_api import normalize_file
from .state import DriveFile, Message, State, User, rfc3339


class LoaderError(RuntimeError):
    """A data set is missing or malformed."""


def _raw_bytes(raw: Any) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, str):
        return raw.encode("utf-8")
    raise LoaderError("message 'raw' must be bytes or str")


def add_message(state: State, user: User, m: dict[str, Any], *, record: bool = False) -> Message:
    """Insert one message dict (no listeners/history when ``record`` is False)."""
    raw = _raw_bytes(m.get("raw"))
    labels = list(m.get("labelIds") or [])
    box = user.mailbox
    for lab in labels:
        box.ensure_label(lab)
    if m.get("internalDate") is not None:
        internal = int(m["internalDate"])
    else:
        internal = mime.header_date_ms(mime.compute_meta(raw).date) or state.clock.now_ms()
    mid = str(m.get("id") or state.new_message_id(box))
    if mid in box.messages:
        raise LoaderError(f"duplicate message id {mid} for {user.email}")
    if record:
        return state.deliver(user, raw, labels=labels, internal_date=internal,
                             thread_id=m.get("threadId"), msg_id=mid)
    msg = Message(mid, str(m.get("threadId") or mid), labels, internal, raw)
    box.add(msg, record=False)
    return msg


def load_messages(state: State, email: str, messages: Iterable[dict[str, Any]]) -> int:
    """Bulk-load messages into ``email``'s mailbox; returns how many."""
    user = state.ensure_user(email)
    n = 0
    for m in messages:
        add_message(state, user, m)
        n += 1
    user.mailbox.bump_without_history()
    state.dirty = True
    return n


def load_events(state: State, email: str, events: Iterable[dict[str, Any]]) -> int:
    """Load Calendar events into the user's primary calendar (server fields filled in)."""
    user = state.ensure_user(email)
    now = rfc3339(state.clock.now())
    n = 0
    for ev in events:
        if not ev.get("id"):
            raise LoaderError("event without id")
        user.calendar.put(normalize_event(ev, user.calendar, user.email, now))
        n += 1
    state.dirty = True
    return n


def load_files(state: State, email: str, files: Iterable[dict[str, Any]], *, log_changes: bool = False) -> int:
    """Load Drive files (``{"file", "text", "permissions"}``) into the user's Drive."""
    user = state.ensure_user(email)
    now = rfc3339(state.clock.now())
    n = 0
    for item in files:
        f = item.get("file") if isinstance(item, dict) else None
        if not isinstance(f, dict) or not f.get("id"):
            raise LoaderError("file entry needs a 'file' resource with an id")
        file, perms = normalize_file(f, user.email, list(item.get("permissions") or []), now, user.drive.root_id)
        user.drive.files[file["id"]] = DriveFile(file, str(item.get("text") or ""), perms)
        if log_changes:
            user.drive.log_change(file["id"], now)
        n += 1
    state.dirty = True
    return n


def _field(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def load_demo(state: State) -> dict[str, Any]:
    """Load ``emulator.demo.load_demo()`` (the Atlas/Sam world); returns counts."""
    try:
        demo = importlib.import_module("emulator.demo")
    except ImportError as exc:
        raise LoaderError(f"demo data package emulator.demo is not available: {exc}") from exc
    data = demo.load_demo()
    email = _field(data, "user_email")
    with state.lock:
        root = getattr(data, "root_folder_id", None) if not isinstance(data, dict) else data.get("root_folder_id")
        if root:
            state.ensure_user(email).drive.root_id = root
        counts = {
            "user": email,
            "messages": load_messages(state, email, _field(data, "messages")),
            "events": load_events(state, email, _field(data, "events")),
            "files": load_files(state, email, _field(data, "files")),
        }
    return counts


def load_scale(state: State, n_users: int, n_messages: int, seed: int = 0) -> dict[str, Any]:
    """Load ``emulator.demo.scale.generate(n_users, n_messages, seed)`` (many users, many messages)."""
    try:
        scale = importlib.import_module("emulator.demo.scale")
    except ImportError as exc:
        raise LoaderError(f"scale generator emulator.demo.scale is not available: {exc}") from exc
    touched: dict[str, User] = {}
    total = 0
    with state.lock:
        user: User | None = None
        for email, m in scale.generate(n_users, n_messages, seed=seed):
            if user is None or user.email != email.lower():
                user = touched.get(email.lower()) or state.ensure_user(email)
                touched[user.email] = user
            add_message(state, user, m)
            total += 1
        for u in touched.values():
            u.mailbox.bump_without_history()
        state.dirty = True
    return {"users": len(touched), "messages": total}
