"""Confirm, cancel and undo: the state machine (store) around the Google calls (execute), exactly once.

Runs of one action are serialised by a PostgreSQL session advisory lock keyed by the action id, held on the
connection that runs it for as long as it runs. A second confirm (a double click, a retry, another process)
waits for it, then finds the action done and answers the first result. The state moves under the row lock
(`SELECT ... FOR UPDATE`) in short transactions, so nothing holds a row lock across a Google call.

If the process running an action dies, its session ends and the advisory lock goes with it; the action stays
`running`. The next confirm takes the lock, sees `running` (so its runner is gone: a live one would still hold
the lock) and resumes it; every runner is safe to run again (see execute.py). The same holds for an unexpected
error in our own code: the action stays `running` and a retried confirm resumes it, rather than calling it
failed when Google may already have done it.
"""
from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import datetime, timezone
from typing import Any, Iterator

import psycopg
from psycopg_pool import ConnectionPool

from server import catalogue
from server.accounts import NeedsReauth, google_for
from server.actions import execute, store, writethrough
from server.actions.errors import ActionBusy, ActionExpired, ActionFailed, ActionNotFound
from server.actions.store import EXPIRED, PendingAction
from server.config import Config
from server.google import GoogleError
from server.store.users import User

log = logging.getLogger(__name__)

WAIT_SECONDS = 60.0  # how long a second confirm waits for a run in progress before answering "in progress"
_EXPIRED = "This action expired before it was confirmed; ask again to do it."
_REAUTH = catalogue.message("access_revoked")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _parse(action_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return action_id if isinstance(action_id, uuid.UUID) else uuid.UUID(str(action_id))
    except ValueError:
        raise ActionNotFound("There is no such action.") from None


@contextlib.contextmanager
def run_lock(conn: psycopg.Connection[Any], action_id: uuid.UUID, wait: float) -> Iterator[None]:
    """Hold the action's run lock (session advisory lock) on `conn`; ActionBusy after `wait` seconds."""
    try:
        with conn.transaction():
            conn.execute("SELECT set_config('lock_timeout', %s, true)", (f"{max(1, int(wait * 1000))}ms",))
            conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (str(action_id),))
    except psycopg.errors.LockNotAvailable as exc:
        raise ActionBusy("This action is being carried out right now; check again in a moment.") from exc
    try:
        yield
    finally:
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (str(action_id),))
        except psycopg.Error:  # a broken connection: its session, and the lock with it, is gone already
            log.warning("could not release an action's run lock", extra={"action_id": str(action_id)})


def _failure(exc: GoogleError | NeedsReauth) -> ActionFailed:
    if isinstance(exc, NeedsReauth):
        return ActionFailed(_REAUTH, "auth_required")
    message = catalogue.action_failure(exc.kind)
    return ActionFailed(f"{message} ({exc.kind}: {exc.message})" if exc.message else message, exc.kind,
                        exc.retry_after)


def confirm(pool: ConnectionPool, config: Config, user: User, action_id: uuid.UUID | str, *,
            now: datetime | None = None, wait: float = WAIT_SECONDS) -> PendingAction:
    """Run the user's pending action once and return it done (a retried confirm returns the first result).

    Raises ActionNotFound (unknown, or another user's), WrongState (cancelled, failed, undone), ActionExpired
    (marked expired), ActionBusy (another run did not finish within `wait`), ActionFailed (Google failed: the
    action is marked failed with the error kept; nothing is left half-done).
    """
    aid = _parse(action_id)
    now = now or _utcnow()
    with pool.connection() as conn, run_lock(conn, aid, wait):
        if user.needs_reauth:  # nothing can run for them; the action stays pending, a done one still answers
            with conn.transaction():
                action = store.lock(conn, user.id, aid)
            if action.state != store.DONE:
                raise ActionFailed(_REAUTH, "auth_required")
            return action
        with conn.transaction():
            action, run_it = store.start(conn, user.id, aid, user.email, now)
        if action.state == EXPIRED:
            raise ActionExpired(_EXPIRED)
        if not run_it:
            return action

        def commit(progress: dict[str, Any]) -> None:
            with conn.transaction():
                store.checkpoint(conn, action, progress)

        progress = execute.Progress(store.progress_of(action), commit)
        try:
            with google_for(pool, config, user) as g:
                outcome = execute.run(g, action, user, progress)
        except (GoogleError, NeedsReauth) as exc:
            failure = _failure(exc)
            with conn.transaction():
                store.fail(conn, action, user.email, failure.message, failure.kind, progress.data)
            log.warning("action failed", extra={"action_id": str(aid), "kind": action.kind,
                                                "error_kind": failure.kind})
            raise failure from exc
        with conn.transaction():
            writethrough.apply(conn, user.id, outcome.index)
            done = store.finish(conn, action, user.email, outcome.result, outcome.undo)
        log.info("action done", extra={"action_id": str(aid), "kind": action.kind})
        return done


def cancel(pool: ConnectionPool, user: User, action_id: uuid.UUID | str, *,
           now: datetime | None = None) -> PendingAction:
    """Cancel the user's pending action (cancelling twice is fine); WrongState once it ran, ActionExpired."""
    aid = _parse(action_id)
    with pool.connection() as conn:
        with conn.transaction():
            action = store.cancel(conn, user.id, aid, user.email, now or _utcnow())
    if action.state == EXPIRED:
        raise ActionExpired(_EXPIRED)
    return action


def undo(pool: ConnectionPool, config: Config, user: User, action_id: uuid.UUID | str, *,
         wait: float = WAIT_SECONDS) -> PendingAction:
    """Reverse the user's done action and return it undone (undoing twice answers the undone action).

    Raises ActionNotFound, WrongState (not done), NotUndoable (a sent email), ActionBusy, ActionFailed (Google
    failed: the action stays done with the error kept, so undo can be tried again).
    """
    aid = _parse(action_id)
    with pool.connection() as conn, run_lock(conn, aid, wait):
        with conn.transaction():
            action, run_it = store.start_undo(conn, user.id, aid)
        if not run_it:
            return action
        try:
            with google_for(pool, config, user) as g:
                index = execute.run_undo(g, action)
        except (GoogleError, NeedsReauth) as exc:
            failure = _failure(exc)
            with conn.transaction():
                store.undo_failed(conn, action, user.email, failure.message, failure.kind)
            raise failure from exc
        with conn.transaction():
            writethrough.apply(conn, user.id, index)
            undone = store.finish_undo(conn, action, user.email)
        log.info("action undone", extra={"action_id": str(aid), "kind": action.kind})
        return undone
