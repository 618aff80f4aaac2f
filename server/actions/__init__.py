"""Pending actions: every side effect the assistant proposes waits, with a human preview, until the person
confirms it; then it runs once against Google, is written through to the local index, and is undone on request
where Google allows.

    from server.actions import propose, confirm, cancel, undo
    action = propose(conn, user.id, "share_file", {"file_id": "f1", "emails": ["bob@partner.example"]})
    action.preview  # {"title", "lines", "details", "warnings"} — render it, then on the person's yes:
    confirm(pool, config, user, action.id)

Modules: `kinds` (arguments per kind), `preview` (what the person sees), `store` (rows and the state machine),
`execute` (Google calls per kind, idempotent), `writethrough` (the index follows), `service` (exactly once).
"""
from server.actions.errors import (ActionBusy, ActionError, ActionExpired, ActionFailed, ActionNotFound,
                                   InvalidAction, NotUndoable, WrongState)
from server.actions.kinds import KINDS, UNDOABLE
from server.actions.service import cancel, confirm, undo
from server.actions.store import PendingAction, get, list_open, propose

__all__ = ["KINDS", "UNDOABLE", "PendingAction", "propose", "get", "list_open", "confirm", "cancel", "undo",
           "ActionError", "InvalidAction", "ActionNotFound", "WrongState", "NotUndoable", "ActionExpired",
           "ActionBusy", "ActionFailed"]
