"""pending_actions and action_log: proposing an action, reading it, and its state machine.

    pending ──confirm──> running ──> done ──undo──> undone
       │                    └──────> failed
       ├──cancel──> cancelled
       └──(confirm/cancel after expires_at)──> expired

Every transition takes the row with `SELECT ... FOR UPDATE` and writes a line to action_log in the same
transaction. Running an action against Google happens outside these transactions (see `service.py`, which also
serialises the runs of one action); this module only moves states and keeps what a run recorded.
Every statement filters by user_id: another user's action id behaves exactly like an unknown one.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from server.actions import audit, kinds
from server.actions.errors import ActionNotFound, InvalidAction, NotUndoable, WrongState
from server.store import users

DEFAULT_TTL = timedelta(minutes=15)
OPEN, RUNNING, DONE, FAILED, CANCELLED, EXPIRED, UNDONE = (
    "pending", "running", "done", "failed", "cancelled", "expired", "undone")


@dataclass
class PendingAction:
    """One proposed side effect, as stored."""

    user_id: uuid.UUID
    id: uuid.UUID
    conversation_id: uuid.UUID | None
    kind: str
    preview: dict[str, Any]
    args: dict[str, Any]
    state: str
    result: dict[str, Any] | None
    undo: dict[str, Any] | None
    error: str | None
    expires_at: datetime
    created_at: datetime
    decided_at: datetime | None

    def expired(self, now: datetime) -> bool:
        """Still pending but past its expiry (it will be marked expired when someone acts on it)."""
        return self.state == OPEN and now > self.expires_at

    @property
    def undoable(self) -> bool:
        """Done, and Google lets it be reversed."""
        return self.state == DONE and bool((self.undo or {}).get("possible"))


_COLUMNS = ("user_id, id, conversation_id, kind, preview, args, state, result, undo, error, expires_at, "
            "created_at, decided_at")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def user_zone(name: str | None) -> ZoneInfo:
    """The person's time zone (UTC when unknown)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def propose(conn: psycopg.Connection[Any], user_id: uuid.UUID | str, kind: str, args: dict[str, Any], *,
            conversation_id: uuid.UUID | str | None = None, ttl: timedelta = DEFAULT_TTL,
            now: datetime | None = None, google: Any = None) -> PendingAction:
    """Validate `args`, build the human preview and store the action as pending until `now + ttl`.

    `google` (the user's `GoogleServices`, optional) lets the preview look up what the index does not have
    (existing Drive permissions live, an email not indexed yet); without it the preview uses the index only.
    Raises InvalidAction for a bad kind/arguments or an item the preview cannot find.
    """
    from server.actions.preview import build_preview  # preview reads the index; keep the import graph flat

    now = now or _utcnow()
    user = users.get(conn, user_id)
    if user is None:
        raise InvalidAction("Unknown user.")
    clean = kinds.validate_args(kind, args, user_zone(user.timezone))
    preview = build_preview(conn, user, kind, clean, google=google)
    with conn.transaction():
        with conn.cursor(row_factory=class_row(PendingAction)) as cur:
            action = cur.execute(
                f"""INSERT INTO pending_actions (user_id, conversation_id, kind, preview, args, expires_at,
                                                 created_at)
                    VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}""",
                (user.id, conversation_id, kind, Jsonb(preview), Jsonb(clean), now + ttl, now)).fetchone()
        assert action is not None
        log(conn, action, "proposed", user.email, audit.summary(kind, clean, preview))
    return action


def get(conn: psycopg.Connection[Any], user_id: uuid.UUID | str, action_id: uuid.UUID | str) -> PendingAction | None:
    """The user's action with this id, or None (also for another user's id or a malformed one)."""
    parsed = _uuid(action_id)
    if parsed is None:
        return None
    with conn.cursor(row_factory=class_row(PendingAction)) as cur:
        return cur.execute(f"SELECT {_COLUMNS} FROM pending_actions WHERE user_id = %s AND id = %s",
                           (user_id, parsed)).fetchone()


def list_open(conn: psycopg.Connection[Any], user_id: uuid.UUID | str,
              now: datetime | None = None) -> list[PendingAction]:
    """The user's actions still waiting for a decision (not expired), newest first."""
    with conn.cursor(row_factory=class_row(PendingAction)) as cur:
        return cur.execute(
            f"""SELECT {_COLUMNS} FROM pending_actions
                WHERE user_id = %s AND state = 'pending' AND expires_at >= %s
                ORDER BY created_at DESC LIMIT 100""", (user_id, now or _utcnow())).fetchall()


def log(conn: psycopg.Connection[Any], action: PendingAction, event: str, actor: str,
        detail: dict[str, Any] | None = None) -> None:
    """Append one line to action_log (in the caller's transaction), with the request id and face (audit.py)."""
    audit.record(conn, action.user_id, action.id, event, action.kind, actor, detail)


def history(conn: psycopg.Connection[Any], user_id: uuid.UUID | str,
            action_id: uuid.UUID | str) -> list[tuple[str, str, dict[str, Any]]]:
    """The action's log lines, oldest first: (event, actor, detail)."""
    return [(r[0], r[1], r[2]) for r in conn.execute(
        "SELECT event, actor, detail FROM action_log WHERE user_id = %s AND action_id = %s ORDER BY id",
        (user_id, action_id))]


def _uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def lock(conn: psycopg.Connection[Any], user_id: uuid.UUID | str, action_id: uuid.UUID | str) -> PendingAction:
    """The action, row-locked until the caller's transaction ends; ActionNotFound when the user has no such."""
    parsed = _uuid(action_id)
    action = None
    if parsed is not None:
        with conn.cursor(row_factory=class_row(PendingAction)) as cur:
            action = cur.execute(f"SELECT {_COLUMNS} FROM pending_actions WHERE user_id = %s AND id = %s "
                                 f"FOR UPDATE", (user_id, parsed)).fetchone()
    if action is None:
        raise ActionNotFound("There is no such action.")
    return action


def _set(conn: psycopg.Connection[Any], action: PendingAction, **values: Any) -> PendingAction:
    """Update columns of a locked action and return the stored row."""
    assignments = ", ".join(f"{column} = %({column})s" for column in values)
    params = {k: Jsonb(v) if k in ("result", "undo") and v is not None else v for k, v in values.items()}
    with conn.cursor(row_factory=class_row(PendingAction)) as cur:
        row = cur.execute(f"UPDATE pending_actions SET {assignments} WHERE user_id = %(uid)s AND id = %(aid)s "
                          f"RETURNING {_COLUMNS}", {**params, "uid": action.user_id, "aid": action.id}).fetchone()
    assert row is not None
    return row


_REFUSALS = {
    CANCELLED: "This action was cancelled; ask again to do it.",
    FAILED: "This action failed; ask again to retry it.",
    UNDONE: "This action was already done and then undone.",
    RUNNING: "This action is running.",
    DONE: "This action is already done.",
    OPEN: "This action has not been confirmed yet.",
}


def _expire(conn: psycopg.Connection[Any], action: PendingAction, actor: str, now: datetime) -> PendingAction:
    expired = _set(conn, action, state=EXPIRED, decided_at=now)
    log(conn, expired, "expired", actor, {"expires_at": action.expires_at.isoformat()})
    return expired


def start(conn: psycopg.Connection[Any], user_id: uuid.UUID | str, action_id: uuid.UUID | str, actor: str,
          now: datetime) -> tuple[PendingAction, bool]:
    """Confirm: (action, run_it). pending → running (logged `confirmed`), or a `running` one to resume.

    Call inside a transaction, holding the action's run lock (service.py): then a `running` action means the run
    that set it died, and it is resumed (logged `resumed`). A `done` one comes back with run_it False (a retried
    confirm answers the first result). A pending one past its expiry is marked expired and comes back in state
    `expired` with run_it False (so the mark commits; the caller refuses it). Other states: WrongState.
    """
    action = lock(conn, user_id, action_id)
    if action.state in (DONE, EXPIRED):
        return action, False
    if action.state == RUNNING:
        log(conn, action, "resumed", actor)
        return action, True
    if action.state != OPEN:
        raise WrongState(_REFUSALS[action.state], action.state)
    if now > action.expires_at:
        return _expire(conn, action, actor, now), False
    action = _set(conn, action, state=RUNNING, decided_at=now)
    log(conn, action, "confirmed", actor, audit.summary(action.kind, action.args, action.preview))
    return action, True


def checkpoint(conn: psycopg.Connection[Any], action: PendingAction, progress: dict[str, Any]) -> None:
    """Keep what a running action has done so far (a draft id, an undo snapshot) in `result` → progress.

    Committed at once by the caller, so a run that dies and is resumed finds it.
    """
    conn.execute("UPDATE pending_actions SET result = %s WHERE user_id = %s AND id = %s AND state = 'running'",
                 (Jsonb({"progress": progress}), action.user_id, action.id))


def progress_of(action: PendingAction) -> dict[str, Any]:
    """What an earlier, interrupted run of this action recorded (empty for a first run)."""
    if action.state != RUNNING:
        return {}
    return dict((action.result or {}).get("progress") or {})


def finish(conn: psycopg.Connection[Any], action: PendingAction, actor: str, result: dict[str, Any],
           undo: dict[str, Any]) -> PendingAction:
    """running → done with its result and how to undo it (logged `done`)."""
    done = _set(conn, action, state=DONE, result=result, undo=undo, error=None)
    log(conn, done, "done", actor, {"result": result, "undoable": bool(undo.get("possible"))})
    return done


def fail(conn: psycopg.Connection[Any], action: PendingAction, actor: str, error: str, kind: str,
         progress: dict[str, Any] | None = None) -> PendingAction:
    """running → failed, keeping the error (logged `failed`)."""
    failed = _set(conn, action, state=FAILED, error=error[:2000],
                  result={"progress": progress} if progress else None)
    log(conn, failed, "failed", actor, {"error": error[:2000], "kind": kind})
    return failed


def cancel(conn: psycopg.Connection[Any], user_id: uuid.UUID | str, action_id: uuid.UUID | str, actor: str,
           now: datetime) -> PendingAction:
    """pending → cancelled (logged). Cancelling twice answers the cancelled action. A pending one past its expiry
    is marked expired and returned in state `expired` (the caller refuses it); running/done/...: WrongState."""
    action = lock(conn, user_id, action_id)
    if action.state in (CANCELLED, EXPIRED):
        return action
    if action.state != OPEN:
        raise WrongState(f"Only a pending action can be cancelled. {_REFUSALS[action.state]}", action.state)
    if now > action.expires_at:
        return _expire(conn, action, actor, now)
    cancelled = _set(conn, action, state=CANCELLED, decided_at=now)
    log(conn, cancelled, "cancelled", actor, audit.summary(action.kind, action.args, action.preview))
    return cancelled


def start_undo(conn: psycopg.Connection[Any], user_id: uuid.UUID | str, action_id: uuid.UUID | str
               ) -> tuple[PendingAction, bool]:
    """Undo: (action, run_it). Only a done, undoable action runs; an undone one is answered as it is."""
    action = lock(conn, user_id, action_id)
    if action.state == UNDONE:
        return action, False
    if action.state != DONE:
        raise WrongState(f"Only a done action can be undone. {_REFUSALS.get(action.state, '')}".strip(),
                         action.state)
    if not (action.undo or {}).get("possible"):
        raise NotUndoable((action.undo or {}).get("reason") or "This action cannot be undone.", action.state)
    return action, True


def finish_undo(conn: psycopg.Connection[Any], action: PendingAction, actor: str) -> PendingAction:
    """done → undone (logged `undone`)."""
    undone = _set(conn, action, state=UNDONE, error=None)
    log(conn, undone, "undone", actor, {"undo": action.undo})
    return undone


def undo_failed(conn: psycopg.Connection[Any], action: PendingAction, actor: str, error: str,
                kind: str) -> PendingAction:
    """An undo that Google refused: the action stays done (undo can be retried), the error is kept and logged."""
    kept = _set(conn, action, error=f"Undo failed: {error}"[:2000])
    log(conn, kept, "undo_failed", actor, {"error": error[:2000], "kind": kind})
    return kept
