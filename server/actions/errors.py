"""What can go wrong with a pending action, as exceptions the faces turn into HTTP answers.

Each carries a stable machine `code` and a `message` written for a person; faces map them to statuses
(`server/faces/actions_api.py`), agents can show the message as it is.
"""
from __future__ import annotations


class ActionError(Exception):
    """Base class: `code` is machine-readable, `message` is for a person."""

    code = "action_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidAction(ActionError):
    """The proposed arguments are wrong (unknown kind, a bad field, an item that does not exist)."""

    code = "invalid"

    def __init__(self, message: str, fields: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class ActionNotFound(ActionError):
    """No such action for this user (also when it belongs to someone else: that is never revealed)."""

    code = "not_found"


class WrongState(ActionError):
    """The action is not in a state that allows this (confirm of a cancelled one, undo of a pending one)."""

    code = "wrong_state"

    def __init__(self, message: str, state: str) -> None:
        super().__init__(message)
        self.state = state


class NotUndoable(WrongState):
    """The action is done but cannot be reversed (a sent email)."""

    code = "not_undoable"


class ActionExpired(ActionError):
    """The action was not confirmed before its expiry; it must be proposed again."""

    code = "expired"


class ActionBusy(ActionError):
    """Another request is running this action right now and did not finish in time."""

    code = "in_progress"


class ActionFailed(ActionError):
    """Google refused or failed; the action is marked failed (or, for undo, stays done) with the error kept.

    `kind` is the Google error kind (`unavailable`, `rate_limited`, `auth_required`, `permission_denied`, ...).
    """

    code = "google_error"

    def __init__(self, message: str, kind: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
