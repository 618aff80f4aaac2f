"""The emulator's in-memory world: users, mailboxes, calendars, drives, tokens.

One ``State`` holds everything behind ONE re-entrant lock (``state.lock``); every API handler
takes it for the duration of its read/modify. Mutations that clients sync on (Gmail history,
Calendar sync sequence, Drive changes) are recorded here so the three APIs stay consistent no
matter whether a change came from an API call, the control API or the loader.

The state can be written to / read from a JSON snapshot (``to_snapshot``/``from_snapshot``) and
dumped in a stable, documented shape for evaluations (``dump``; see emulator/README.md).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from . import mime
from .faults import FaultRegistry

SYSTEM_LABELS = [
    "INBOX", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT", "SENT", "DRAFT", "CHAT",
    "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS",
]
# System labels a client may add/remove with messages.modify (Gmail rejects the others).
MODIFIABLE_SYSTEM_LABELS = {
    "INBOX", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT",
    "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS",
}
# Gmail starts history ids high; any positive number works, a large one catches int32 bugs.
HISTORY_START = 100000


# --------------------------------------------------------------------------------------------
# time


def rfc3339(dt: datetime) -> str:
    """UTC RFC 3339 with milliseconds, the way Google formats timestamps."""
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 timestamp (naive values are taken as UTC). Raises ValueError."""
    v = value.strip()
    if v.endswith(("Z", "z")):
        v = v[:-1] + "+00:00"
    dt = datetime.fromisoformat(v)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


class Clock:
    """Wall clock that can be frozen (and stepped) by the control API for reproducible runs."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        """Current emulator time (aware, UTC)."""
        return self._frozen if self._frozen is not None else datetime.now(timezone.utc)

    def now_ms(self) -> int:
        """Current emulator time in epoch milliseconds."""
        return int(self.now().timestamp() * 1000)

    def freeze(self, at: datetime | None) -> None:
        """Freeze at ``at``; None unfreezes (back to real time)."""
        self._frozen = at.astimezone(timezone.utc) if at is not None else None

    def advance(self, seconds: float) -> None:
        """Move a frozen clock forward (no-op meaning for a running clock)."""
        if self._frozen is not None:
            self._frozen += timedelta(seconds=seconds)

    @property
    def frozen(self) -> datetime | None:
        """The frozen instant or None."""
        return self._frozen


# --------------------------------------------------------------------------------------------
# Gmail


class Message:
    """A stored Gmail message: the original bytes plus mutable labels."""

    __slots__ = ("id", "thread_id", "labels", "internal_date", "raw", "history_id", "had_inbox", "_meta")

    def __init__(self, id: str, thread_id: str, labels: Iterable[str], internal_date: int, raw: bytes,
                 history_id: int = 0) -> None:
        self.id = id
        self.thread_id = thread_id
        self.labels: set[str] = set(labels)
        self.internal_date = internal_date
        self.raw = raw
        self.history_id = history_id
        self.had_inbox = False  # remembered across trash/untrash
        self._meta: mime.Meta | None = None

    def meta(self) -> mime.Meta:
        """Parsed headers/text, computed on first use (bulk loads never pay for it)."""
        if self._meta is None:
            self._meta = mime.compute_meta(self.raw)
        return self._meta

    def label_list(self) -> list[str]:
        """Labels in a stable order (system labels first, as Gmail tends to list them)."""
        return sorted(self.labels, key=lambda lab: (lab.startswith("Label_"), lab))

    def ref(self, with_labels: bool = True) -> dict[str, Any]:
        """The small Message object used inside history records and list results."""
        out: dict[str, Any] = {"id": self.id, "threadId": self.thread_id}
        if with_labels:
            out["labelIds"] = self.label_list()
        return out


class Mailbox:
    """One user's Gmail: messages, threads, labels, drafts, history and watch."""

    def __init__(self, email: str, retention: int) -> None:
        self.email = email
        self.messages: dict[str, Message] = {}
        self.threads: dict[str, list[str]] = {}
        self.labels: dict[str, dict[str, Any]] = {}  # user labels: id -> Label resource
        self.drafts: dict[str, str] = {}  # draft id -> message id
        self.sent: list[str] = []  # ids of messages sent through the API, in order
        self.history: deque[dict[str, Any]] = deque(maxlen=max(1, retention))
        self.history_id = HISTORY_START
        self.history_floor = HISTORY_START  # records with id <= floor are gone
        self.watch: dict[str, Any] | None = None
        self._order: list[Message] | None = None
        self._msgid_threads: dict[str, str] | None = None

    # -- ordering -----------------------------------------------------------------------------
    def ordered(self) -> list[Message]:
        """Messages newest first (internalDate desc, id desc), cached until the next add/delete."""
        if self._order is None:
            self._order = sorted(self.messages.values(), key=lambda m: (m.internal_date, m.id), reverse=True)
        return self._order

    def _invalidate(self) -> None:
        self._order = None

    # -- history ------------------------------------------------------------------------------
    def record(self, **changes: Any) -> int:
        """Append a history record (messagesAdded=..., labelsAdded=..., ...) and return its id."""
        self.history_id += 1
        rec: dict[str, Any] = {"id": self.history_id}
        rec.update(changes)
        if len(self.history) == self.history.maxlen:
            self.history_floor = self.history[0]["id"]
        self.history.append(rec)
        return self.history_id

    def bump_without_history(self) -> int:
        """Advance the history id for bulk loads without keeping per-message records."""
        self.history_id += 1
        self.history_floor = self.history_id
        self.history.clear()
        return self.history_id

    # -- mutations ----------------------------------------------------------------------------
    def add(self, msg: Message, *, record: bool = True) -> None:
        """Insert a message (history record ``messagesAdded`` unless ``record`` is False)."""
        self.messages[msg.id] = msg
        self.threads.setdefault(msg.thread_id, []).append(msg.id)
        if "INBOX" in msg.labels:
            msg.had_inbox = True
        self._invalidate()
        if self._msgid_threads is not None:  # keep the reply index current instead of rebuilding it
            mid = msg.meta().message_id
            if mid:
                self._msgid_threads[mid] = msg.thread_id
        if record:
            ref = msg.ref()
            msg.history_id = self.record(messages=[msg.ref(False)], messagesAdded=[{"message": ref}])
        else:
            msg.history_id = self.history_id

    def remove(self, msg_id: str) -> Message | None:
        """Permanently delete a message (history ``messagesDeleted``)."""
        msg = self.messages.pop(msg_id, None)
        if msg is None:
            return None
        ids = self.threads.get(msg.thread_id, [])
        if msg_id in ids:
            ids.remove(msg_id)
        if not ids:
            self.threads.pop(msg.thread_id, None)
        self._invalidate()
        self.record(messages=[msg.ref(False)], messagesDeleted=[{"message": msg.ref()}])
        return msg

    def change_labels(self, msg: Message, add: Iterable[str], remove: Iterable[str]) -> bool:
        """Apply label changes, one history record listing labelsAdded/labelsRemoved. True if changed."""
        added = [lab for lab in dict.fromkeys(add) if lab not in msg.labels]
        removed = [lab for lab in dict.fromkeys(remove) if lab in msg.labels and lab not in added]
        if not added and not removed:
            return False
        msg.labels.update(added)
        msg.labels.difference_update(removed)
        if "INBOX" in added:
            msg.had_inbox = True
        changes: dict[str, Any] = {"messages": [msg.ref(False)]}
        if added:
            changes["labelsAdded"] = [{"message": msg.ref(), "labelIds": added}]
        if removed:
            changes["labelsRemoved"] = [{"message": msg.ref(), "labelIds": removed}]
        msg.history_id = self.record(**changes)
        return True

    def thread_for_reply(self, in_reply_to: str, references: str) -> str | None:
        """Thread id of the message a reply points at (via In-Reply-To/References), if we hold it."""
        wanted = [v for v in (in_reply_to + " " + references).split() if v.startswith("<")]
        if not wanted:
            return None
        if self._msgid_threads is None:
            self._msgid_threads = {}
            for m in self.messages.values():
                mid = m.meta().message_id
                if mid:
                    self._msgid_threads[mid] = m.thread_id
        for ref in reversed(wanted):
            tid = self._msgid_threads.get(ref)
            if tid is not None and tid in self.threads:  # deleted messages leave stale entries
                return tid
        return None

    def label_by_name(self, name: str) -> str | None:
        """Label id for a system label id or a user label name (case-insensitive)."""
        up = name.upper()
        if up in SYSTEM_LABELS:
            return up
        if name in self.labels:
            return name
        low = name.lower()
        for lid, lab in self.labels.items():
            lname = lab["name"].lower()
            if lname == low or lname.replace(" ", "-").replace("/", "-") == low:
                return lid
        return None

    def ensure_label(self, label_id: str) -> None:
        """Create a user label on the fly for unknown ids found in loaded data."""
        if label_id in SYSTEM_LABELS or label_id in self.labels:
            return
        self.labels[label_id] = {
            "id": label_id, "name": label_id, "type": "user",
            "messageListVisibility": "show", "labelListVisibility": "labelShow",
        }


# --------------------------------------------------------------------------------------------
# Calendar


class CalendarStore:
    """A user's primary calendar: events (cancelled ones kept as tombstones) and a change sequence."""

    def __init__(self, calendar_id: str, time_zone: str = "UTC") -> None:
        self.id = calendar_id
        self.summary = calendar_id
        self.time_zone = time_zone
        self.events: dict[str, dict[str, Any]] = {}
        self.event_seq: dict[str, int] = {}
        self.seq = 0
        self.sync_floor = 0  # tokens issued at or below this sequence are invalid

    def put(self, event: dict[str, Any]) -> None:
        """Store (insert or replace) an event and bump the sync sequence."""
        self.seq += 1
        self.events[event["id"]] = event
        self.event_seq[event["id"]] = self.seq

    def changed_since(self, seq: int) -> list[dict[str, Any]]:
        """Events (including cancelled) changed after ``seq``, oldest change first."""
        ids = sorted((s, eid) for eid, s in self.event_seq.items() if s > seq)
        return [self.events[eid] for _, eid in ids]


# --------------------------------------------------------------------------------------------
# Drive


@dataclass
class DriveFile:
    """A Drive file: the File resource, its exported text, its permissions."""

    file: dict[str, Any]
    text: str = ""
    permissions: list[dict[str, Any]] = field(default_factory=list)


class DriveStore:
    """A user's Drive: files and the change log that changes.list pages through."""

    def __init__(self) -> None:
        # Id of "My Drive"; 'root' in queries and files.get('root') resolve to it.
        self.root_id = "0A" + secrets.token_urlsafe(13)[:17]
        self.files: dict[str, DriveFile] = {}
        self.changes: list[dict[str, Any]] = []  # {"id": int, "fileId", "time", "removed"}
        self.next_change = 1

    def log_change(self, file_id: str, when: str, removed: bool = False) -> None:
        """Append a change record for ``file_id``."""
        self.changes.append({"id": self.next_change, "fileId": file_id, "time": when, "removed": removed})
        self.next_change += 1


# --------------------------------------------------------------------------------------------
# users and the whole world


class User:
    """An emulated Google account."""

    def __init__(self, email: str, retention: int, time_zone: str = "UTC") -> None:
        self.email = email
        self.name = email.split("@", 1)[0].replace(".", " ").title()
        self.mailbox = Mailbox(email, retention)
        self.calendar = CalendarStore(email, time_zone)
        self.drive = DriveStore()
        self.permission_id = str(10**19 + int.from_bytes(email.encode()[:8].ljust(8, b"\0"), "big") % 10**19)


@dataclass
class Config:
    """Emulator settings (CLI flags / env vars map onto these)."""

    host: str = "127.0.0.1"
    port: int = 8090
    data: str = "empty"  # demo | empty | scale
    scale_users: int = 10
    scale_messages: int = 100
    snapshot: str | None = None
    snapshot_interval: float = 5.0
    push_url: str | None = None
    push_audience: str | None = None
    push_service_account: str = "gmail-push@emulator.local"
    push_timeout: float = 2.0
    history_retention: int = 1000
    sync_token_ttl_seconds: float = 7 * 24 * 3600
    access_token_ttl_seconds: int = 3600
    time_zone: str = "UTC"
    server: str = "gunicorn"  # gunicorn | werkzeug
    public_url: str | None = None  # base URL used in links (defaults to http://host:port)

    def base_url(self) -> str:
        """The URL clients use to reach the emulator."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


class State:
    """Everything the emulator knows, behind one lock."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.lock = threading.RLock()
        self.clock = Clock()
        self.faults = FaultRegistry()
        self.users: dict[str, User] = {}
        self.access_tokens: dict[str, tuple[str, float]] = {}  # token -> (email, real expiry epoch)
        self.refresh_tokens: dict[str, str] = {}  # token -> email
        self.auth_codes: dict[str, dict[str, Any]] = {}
        # OAuth sign-in: what each access/refresh token was granted (client, scopes; for tokeninfo and refresh),
        # when each user's grant was last revoked (codes issued before it no longer exchange), registered clients
        # (none = any client is accepted) and queued answers of the consent screen.
        self.token_grants: dict[str, dict[str, str]] = {}
        self.revoked_at: dict[str, float] = {}
        self.oauth_clients: dict[str, str] = {}  # client_id -> client_secret
        self.consent_queue: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self.message_listeners: list[Callable[[User, Message], None]] = []
        self.dirty = False

    # -- users and tokens ---------------------------------------------------------------------
    def get_user(self, email: str) -> User | None:
        """The user with this address (case-insensitive) or None."""
        return self.users.get(email.strip().lower())

    def ensure_user(self, email: str) -> User:
        """Create the user if needed (idempotent)."""
        key = email.strip().lower()
        user = self.users.get(key)
        if user is None:
            user = User(key, self.config.history_retention, self.config.time_zone)
            self.users[key] = user
            self.dirty = True
        return user

    def refresh_token_for(self, email: str) -> str:
        """The user's refresh token (one per user, stable until revoked)."""
        for token, owner in self.refresh_tokens.items():
            if owner == email:
                return token
        token = "1//emu-" + secrets.token_urlsafe(24)
        self.refresh_tokens[token] = email
        self.dirty = True
        return token

    def issue_access_token(self, email: str, client_id: str | None = None, scope: str | None = None
                           ) -> tuple[str, int]:
        """A new access token for ``email`` and its lifetime in seconds (real time, not the clock); ``client_id``
        and ``scope`` are what tokeninfo reports for it."""
        ttl = int(self.config.access_token_ttl_seconds)
        token = "ya29.emu-" + secrets.token_urlsafe(32)
        self.access_tokens[token] = (email, time.time() + ttl)
        if client_id is not None or scope is not None:
            self.token_grants[token] = {"client_id": client_id or "", "scope": scope or ""}
        if len(self.access_tokens) > 200000:  # drop expired ones now and then
            now = time.time()
            self.access_tokens = {t: v for t, v in self.access_tokens.items() if v[1] > now}
            self.token_grants = {t: v for t, v in self.token_grants.items()
                                 if t in self.access_tokens or t in self.refresh_tokens}
        self.dirty = True
        return token, ttl

    def valid_access_token(self, email: str) -> tuple[str, int]:
        """An unexpired access token for ``email`` (reused if one has >5 min left)."""
        now = time.time()
        for token, (owner, exp) in self.access_tokens.items():
            if owner == email and exp - now > 300:
                return token, int(exp - now)
        return self.issue_access_token(email)

    def user_for_token(self, token: str | None) -> User | None:
        """The user an access token belongs to, or None if unknown/expired/revoked."""
        if not token:
            return None
        entry = self.access_tokens.get(token)
        if entry is None or entry[1] < time.time():
            return None
        return self.users.get(entry[0])

    def revoke(self, email: str) -> int:
        """Revoke every refresh and access token of a user; returns how many went."""
        before = len(self.access_tokens) + len(self.refresh_tokens)
        self.access_tokens = {t: v for t, v in self.access_tokens.items() if v[0] != email}
        self.refresh_tokens = {t: v for t, v in self.refresh_tokens.items() if v != email}
        self.token_grants = {t: v for t, v in self.token_grants.items()
                             if t in self.access_tokens or t in self.refresh_tokens}
        self.revoked_at[email] = time.time()
        self.dirty = True
        return before - len(self.access_tokens) - len(self.refresh_tokens)

    def expire_access_tokens(self, email: str) -> None:
        """Make a user's access tokens expired (refresh tokens still work)."""
        self.access_tokens = {t: v for t, v in self.access_tokens.items() if v[0] != email}
        self.dirty = True

    # -- ids ----------------------------------------------------------------------------------
    def new_message_id(self, mailbox: Mailbox) -> str:
        """16 hex digits like Gmail ids: time-ordered, unique."""
        while True:
            mid = f"{(self.clock.now_ms() & 0xFFFFFFFFFFF):011x}{next(self._ids) & 0xFFFFF:05x}"
            if mid not in mailbox.messages:
                return mid

    def new_draft_id(self, mailbox: Mailbox) -> str:
        """Gmail-looking draft id ("r" + digits), unique in the mailbox."""
        while True:
            did = "r" + str(5 * 10**18 + next(self._ids) * 7919 + secrets.randbelow(1000))
            if did not in mailbox.drafts:
                return did

    def new_id(self, prefix: str = "") -> str:
        """A unique opaque id."""
        return prefix + f"{next(self._ids):06d}" + secrets.token_hex(5)

    # -- Gmail helpers shared by the API, the control API and the loader -----------------------
    def deliver(self, user: User, raw: bytes, *, labels: Iterable[str] = ("INBOX", "UNREAD"),
                internal_date: int | None = None, thread_id: str | None = None,
                msg_id: str | None = None, record: bool = True) -> Message:
        """Put a message into a mailbox (threading replies by In-Reply-To), notify listeners."""
        box = user.mailbox
        labels = list(labels)
        for lab in labels:
            box.ensure_label(lab)
        mid = msg_id or self.new_message_id(box)
        if mid in box.messages:
            raise KeyError(mid)
        msg = Message(mid, thread_id or mid, labels, internal_date if internal_date is not None else self.clock.now_ms(), raw)
        if thread_id is None and record:
            meta = msg.meta()
            tid = box.thread_for_reply(meta.in_reply_to, meta.references)
            if tid is not None:
                msg.thread_id = tid
        box.add(msg, record=record)
        self.dirty = True
        if record:
            for listener in self.message_listeners:
                listener(user, msg)
        return msg

    # -- snapshot -----------------------------------------------------------------------------
    def to_snapshot(self) -> dict[str, Any]:
        """Everything needed to restart where we stopped, as JSON-ready data."""
        users = {}
        for email, u in self.users.items():
            box = u.mailbox
            users[email] = {
                "mailbox": {
                    "messages": [
                        {"id": m.id, "threadId": m.thread_id, "labelIds": m.label_list(),
                         "internalDate": m.internal_date, "historyId": m.history_id, "hadInbox": m.had_inbox,
                         "raw": base64.b64encode(m.raw).decode("ascii")}
                        for m in sorted(box.messages.values(), key=lambda m: (m.internal_date, m.id))
                    ],
                    "labels": list(box.labels.values()),
                    "drafts": box.drafts,
                    "sent": box.sent,
                    "history": list(box.history),
                    "historyId": box.history_id,
                    "historyFloor": box.history_floor,
                    "watch": box.watch,
                },
                "calendar": {
                    "events": list(u.calendar.events.values()),
                    "eventSeq": u.calendar.event_seq,
                    "seq": u.calendar.seq,
                    "syncFloor": u.calendar.sync_floor,
                    "timeZone": u.calendar.time_zone,
                },
                "drive": {
                    "files": [{"file": f.file, "text": f.text, "permissions": f.permissions}
                              for f in u.drive.files.values()],
                    "changes": u.drive.changes,
                    "nextChange": u.drive.next_change,
                    "rootId": u.drive.root_id,
                },
            }
        return {
            "version": 1,
            "clock": rfc3339(self.clock.frozen) if self.clock.frozen else None,
            "users": users,
            "accessTokens": {t: list(v) for t, v in self.access_tokens.items()},
            "refreshTokens": self.refresh_tokens,
        }

    def load_snapshot(self, data: dict[str, Any]) -> None:
        """Replace the current world with a snapshot produced by :meth:`to_snapshot`."""
        self.users.clear()
        self.access_tokens = {t: (v[0], float(v[1])) for t, v in data.get("accessTokens", {}).items()}
        self.refresh_tokens = dict(data.get("refreshTokens", {}))
        self.clock.freeze(parse_rfc3339(data["clock"]) if data.get("clock") else None)
        for email, ud in data.get("users", {}).items():
            u = self.ensure_user(email)
            box = u.mailbox
            mb = ud.get("mailbox", {})
            for lab in mb.get("labels", []):
                box.labels[lab["id"]] = lab
            for md in mb.get("messages", []):
                msg = Message(md["id"], md["threadId"], md["labelIds"], int(md["internalDate"]),
                              base64.b64decode(md["raw"]), int(md.get("historyId", 0)))
                msg.had_inbox = bool(md.get("hadInbox"))
                box.messages[msg.id] = msg
                box.threads.setdefault(msg.thread_id, []).append(msg.id)
            box.drafts = dict(mb.get("drafts", {}))
            box.sent = list(mb.get("sent", []))
            box.history.extend(mb.get("history", []))
            box.history_id = int(mb.get("historyId", HISTORY_START))
            box.history_floor = int(mb.get("historyFloor", box.history_id))
            box.watch = mb.get("watch")
            cal = ud.get("calendar", {})
            for ev in cal.get("events", []):
                u.calendar.events[ev["id"]] = ev
            u.calendar.event_seq = {k: int(v) for k, v in cal.get("eventSeq", {}).items()}
            u.calendar.seq = int(cal.get("seq", 0))
            u.calendar.sync_floor = int(cal.get("syncFloor", 0))
            u.calendar.time_zone = cal.get("timeZone", u.calendar.time_zone)
            drv = ud.get("drive", {})
            for fd in drv.get("files", []):
                u.drive.files[fd["file"]["id"]] = DriveFile(fd["file"], fd.get("text", ""), fd.get("permissions", []))
            u.drive.changes = list(drv.get("changes", []))
            u.drive.next_change = int(drv.get("nextChange", len(u.drive.changes) + 1))
            u.drive.root_id = drv.get("rootId", u.drive.root_id)
        self.dirty = False

    def save_snapshot(self, path: str) -> None:
        """Write the snapshot atomically (tmp file + rename)."""
        with self.lock:
            data = self.to_snapshot()
            self.dirty = False
        tmp = f"{path}.tmp.{os.getpid()}"
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
        os.replace(tmp, path)

    def reset(self) -> None:
        """Forget every user, token, fault and the frozen clock."""
        self.users.clear()
        self.access_tokens.clear()
        self.refresh_tokens.clear()
        self.auth_codes.clear()
        self.token_grants.clear()
        self.revoked_at.clear()
        self.oauth_clients.clear()
        self.consent_queue.clear()
        self.faults.clear()
        self.clock.freeze(None)
        self.dirty = True
