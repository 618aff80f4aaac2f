"""Running one confirmed action against Google, and undoing it.

Every runner is safe to run again after a crash (the service resumes a `running` action by calling it again
with what the first run recorded in `Progress`):

* send_email / reply / forward never send twice. The message carries a Message-ID derived from the action id
  (`compose.marker`). A run first looks for a sent message with that Message-ID (`rfc822msgid:`) and stops there
  if it finds one; otherwise it reuses the draft recorded in its progress (or found by the same Message-ID),
  or creates the draft and records its id *before* calling drafts.send. A send that fails is checked against
  the sent mail once more (it may have gone through before the error); if it did not, the draft is deleted so
  that nothing is left half-done. Not undoable.
* draft_email saves a draft (Message-ID marker as above; a retry finds it) and sends nothing; undo deletes it.
* trash_email → messages.trash (idempotent); undo untrashes.
* create_event uses a client-chosen event id (the action id's hex, valid base32hex): a retry meets 409 and
  adopts the event the first attempt made. Undo deletes it.
* update_event records the event's old start/end/title before patching; undo patches them back.
* delete_event treats 410 (already deleted) as done; undo restores the event (status → confirmed).
* share_file looks at the permissions first, records whom it is about to add, adds only people without
  access (anyone who already has access keeps their role), and on a failure removes the ones it added. Undo
  deletes exactly the permissions it created.

The changed items are fetched back from Google for the index (`writethrough`); when that read fails, the
action still counts as done and the next sync brings the index up to date.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from server.actions import compose
from server.actions.preview import NOT_UNDOABLE
from server.actions.store import PendingAction
from server.actions.writethrough import IndexWrites
from server.google import GoogleError, writes
from server.google.clients import GoogleServices
from server.store.users import User
from server.sync.drive_file import FILE_FIELDS

log = logging.getLogger(__name__)


@dataclass
class Progress:
    """What the runs of one action have recorded so far; `save` adds to it and commits at once."""

    data: dict[str, Any]
    commit: Callable[[dict[str, Any]], None] = field(repr=False)

    def save(self, **values: Any) -> None:
        self.data.update(values)
        self.commit(dict(self.data))


@dataclass
class Outcome:
    """What a run did (`result`), how to reverse it (`undo`), and what the index should learn."""

    result: dict[str, Any]
    undo: dict[str, Any]
    index: IndexWrites


def _quietly(call: Callable[[], Any]) -> Any:
    """A best-effort Google call (a check or a clean-up after a failure): None when it fails too."""
    try:
        return call()
    except GoogleError as exc:
        log.warning("best-effort google call failed", extra={"kind": exc.kind, "status": exc.status})
        return None


def _fetch_back(call: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    found = _quietly(call)
    return [found] if found else []


def _rfc3339(value: str) -> str:
    """A stored ISO time as Google writes it (UTC as Z)."""
    return value[:-6] + "Z" if value.endswith("+00:00") else value


def _updates(attendees: list[str]) -> str:
    """Calendar's sendUpdates: attendees hear about it (as in Calendar's own "send updates?" answered yes)."""
    return "all" if attendees else "none"


# -- mail ----------------------------------------------------------------------------------------------


def _with_marker(g: GoogleServices, message_id: str, label: str) -> dict[str, Any] | None:
    """The message carrying our Message-ID that has `label` (SENT or DRAFT), as a minimal resource."""
    for found in writes.find_message_ids(g, f"rfc822msgid:{message_id.strip('<>')}"):
        resource = writes.get_message(g, found, "minimal")
        labels = resource.get("labelIds") or []
        if label in labels and (label == "DRAFT" or "DRAFT" not in labels):
            return resource
    return None


def _send_draft(g: GoogleServices, draft_id: str, message_id: str) -> dict[str, Any]:
    try:
        return writes.send_draft(g, draft_id)
    except GoogleError as exc:
        # It may have gone out before the error (or on an earlier attempt, which is why the draft is gone).
        sent = _quietly(lambda: _with_marker(g, message_id, "SENT"))
        if sent is not None:
            return sent
        if exc.kind != "not_found":
            _quietly(lambda: writes.delete_draft(g, draft_id))  # no stray draft left behind
        raise


def _deliver(g: GoogleServices, action: PendingAction, user: User, progress: Progress, *, to: list[str],
             subject: str, body: str, cc: list[str] | None = None, thread_id: str | None = None,
             in_reply_to: str | None = None, references: str | None = None) -> Outcome:
    """Draft, record, send — or find what an earlier attempt of this action already drafted or sent."""
    message_id = compose.marker(action.id, user.email)
    sent = _with_marker(g, message_id, "SENT")
    if sent is None:
        draft_id = progress.data.get("draft_id")
        if draft_id is None:
            drafted = _with_marker(g, message_id, "DRAFT")  # made just before a crash, not yet recorded
            draft_id = writes.draft_for_message(g, drafted["id"]) if drafted else None
        if draft_id is None:
            raw = compose.build(sender=user.email, to=to, cc=cc, subject=subject, body=body,
                                message_id=message_id, in_reply_to=in_reply_to, references=references)
            draft_id = writes.create_draft(g, raw, thread_id)["id"]
        progress.save(draft_id=draft_id, rfc822_message_id=message_id)  # the marker, before sending
        sent = _send_draft(g, draft_id, message_id)
    result = {"message_id": sent["id"], "thread_id": sent.get("threadId"), "rfc822_message_id": message_id,
              "to": to, "cc": cc or [], "subject": subject}
    index = IndexWrites(messages=_fetch_back(lambda: writes.get_message(g, sent["id"])))
    return Outcome(result, {"possible": False, "reason": NOT_UNDOABLE}, index)


def _send_email(g: GoogleServices, action: PendingAction, user: User, progress: Progress) -> Outcome:
    a = action.args
    return _deliver(g, action, user, progress, to=a["to"], cc=a["cc"], subject=a["subject"], body=a["body"])


def _draft_email(g: GoogleServices, action: PendingAction, user: User, progress: Progress) -> Outcome:
    """A draft, made once: a retry finds it by the recorded id or by its Message-ID. Nothing is indexed (drafts
    stay out of the index)."""
    a, seen = action.args, action.preview["details"]
    message_id = compose.marker(action.id, user.email)
    draft_id = progress.data.get("draft_id")
    if draft_id is None:
        drafted = _with_marker(g, message_id, "DRAFT")
        draft_id = writes.draft_for_message(g, drafted["id"]) if drafted else None
    if draft_id is None:
        in_reply_to = references = None
        if seen.get("thread_id"):
            in_reply_to, references = compose.reply_threading(writes.get_message(g, a["email_id"]))
        raw = compose.build(sender=user.email, to=a["to"], cc=a["cc"], subject=a["subject"], body=a["body"],
                            message_id=message_id, in_reply_to=in_reply_to, references=references)
        draft_id = writes.create_draft(g, raw, seen.get("thread_id"))["id"]
        progress.save(draft_id=draft_id, rfc822_message_id=message_id)
    return Outcome({"draft_id": draft_id, "rfc822_message_id": message_id, "to": a["to"], "subject": a["subject"]},
                   {"possible": True, "op": "delete_draft", "draft_id": draft_id}, IndexWrites())


def _reply(g: GoogleServices, action: PendingAction, user: User, progress: Progress) -> Outcome:
    seen = action.preview["details"]
    original = writes.get_message(g, action.args["email_id"])
    in_reply_to, references = compose.reply_threading(original)
    return _deliver(g, action, user, progress, to=seen["to"], subject=seen["subject"],
                    body=compose.reply_body(action.args["body"], original), thread_id=original.get("threadId"),
                    in_reply_to=in_reply_to, references=references)


def _forward(g: GoogleServices, action: PendingAction, user: User, progress: Progress) -> Outcome:
    seen = action.preview["details"]
    original = writes.get_message(g, action.args["email_id"])
    return _deliver(g, action, user, progress, to=action.args["to"], subject=seen["subject"],
                    body=compose.forward_body(action.args["note"], original))


def _trash_email(g: GoogleServices, action: PendingAction, user: User, progress: Progress) -> Outcome:
    email_id = action.args["email_id"]
    writes.trash_message(g, email_id)
    return Outcome({"email_id": email_id, "trashed": True}, {"possible": True, "op": "untrash", "email_id": email_id},
                   IndexWrites(messages=_fetch_back(lambda: writes.get_message(g, email_id))))


# -- calendar ------------------------------------------------------------------------------------------


def event_id_for(action: PendingAction) -> str:
    """The event id a create_event action asks for: its own id in hex (Calendar ids are base32hex)."""
    return action.id.hex


def _create_event(g: GoogleServices, action: PendingAction, user: User, progress: Progress) -> Outcome:
    a = action.args
    event_id = event_id_for(action)
    body = {"id": event_id, "summary": a["title"], "description": a["description"],
            "start": {"dateTime": _rfc3339(a["start"])}, "end": {"dateTime": _rfc3339(a["end"])},
            "attendees": [{"email": e} for e in a["attendees"]]}
    send_updates = _updates(a["attendees"])
    try:
        event = writes.insert_event(g, body, send_updates)
    except GoogleError as exc:
        if exc.kind != "conflict":
            raise
        event = writes.get_event(g, event_id)  # an earlier attempt of this action made it
        if event.get("status") == "cancelled":
            raise GoogleError("conflict", 409, "The event was created and then deleted elsewhere.") from exc
    return Outcome({"event_id": event["id"], "html_link": event.get("htmlLink", "")},
                   {"possible": True, "op": "delete_event", "event_id": event["id"], "send_updates": send_updates},
                   IndexWrites(events=[event]))


def _exactly(when: dict[str, Any] | None) -> dict[str, Any]:
    """A start/end to patch back as it was (nulls clear the keys it did not have: date vs dateTime)."""
    when = when or {}
    return {"dateTime": when.get("dateTime"), "date": when.get("date"), "timeZone": when.get("timeZone")}


def _update_event(g: GoogleServices, action: PendingAction, user: User, progress: Progress) -> Outcome:
    seen = action.preview["details"]
    event_id = action.args["event_id"]
    send_updates = _updates(seen["attendees"])
    before = progress.data.get("before")
    if before is None:  # recorded before the change, so a resumed run does not take the new values as old
        current = writes.get_event(g, event_id)
        before = {"summary": current.get("summary", ""), "start": current.get("start"), "end": current.get("end")}
        progress.save(before=before)
    patch: dict[str, Any] = {}
    restore: dict[str, Any] = {}
    if seen["moved"]:
        patch["start"] = {"dateTime": _rfc3339(seen["new"]["start"]), "date": None}
        patch["end"] = {"dateTime": _rfc3339(seen["new"]["end"]), "date": None}
        restore["start"], restore["end"] = _exactly(before["start"]), _exactly(before["end"])
    if seen["renamed"]:
        patch["summary"] = seen["new"]["title"]
        restore["summary"] = before["summary"]
    event = writes.patch_event(g, event_id, patch, send_updates)
    return Outcome({"event_id": event_id, "start": seen["new"]["start"], "end": seen["new"]["end"],
                    "title": seen["new"]["title"]},
                   {"possible": True, "op": "patch_event", "event_id": event_id, "patch": restore,
                    "send_updates": send_updates},
                   IndexWrites(events=[event]))


def _delete_event(g: GoogleServices, action: PendingAction, user: User, progress: Progress) -> Outcome:
    event_id = action.args["event_id"]
    send_updates = _updates(action.preview["details"]["attendees"])
    try:
        writes.delete_event(g, event_id, send_updates)
    except GoogleError as exc:
        if exc.kind != "gone":  # 410: already deleted, which is what was asked
            raise
    return Outcome({"event_id": event_id, "deleted": True},
                   {"possible": True, "op": "restore_event", "event_id": event_id, "send_updates": send_updates},
                   IndexWrites(deleted_events=[event_id]))


# -- drive ---------------------------------------------------------------------------------------------


def _share_file(g: GoogleServices, action: PendingAction, user: User, progress: Progress) -> Outcome:
    file_id, role = action.args["file_id"], action.args["role"]
    has = {(p.get("emailAddress") or "").lower(): p for p in writes.list_permissions(g, file_id)
           if p.get("emailAddress")}
    planned = progress.data.get("planned")
    if planned is None:  # whom this action adds; recorded first, so a resumed run knows they are its own
        planned = [e for e in action.args["emails"] if e not in has]
        progress.save(planned=planned)
    added: list[dict[str, str]] = []
    try:
        for email in planned:
            if email in has:  # added by an earlier attempt of this action
                added.append({"email": email, "permission_id": has[email]["id"]})
                continue
            created = writes.create_permission(g, file_id, email, role)
            added.append({"email": email, "permission_id": created["id"]})
    except GoogleError:
        for done in added:  # all or nothing
            _quietly(lambda pid=done["permission_id"]: writes.delete_permission(g, file_id, pid))
        raise
    skipped = [e for e in action.args["emails"] if e not in planned]
    undo: dict[str, Any] = {"possible": True, "op": "delete_permissions", "file_id": file_id,
                            "permission_ids": [a["permission_id"] for a in added]}
    if not added:
        undo = {"possible": False, "reason": "Nothing was changed: everyone named already had access."}
    return Outcome({"file_id": file_id, "role": role, "added": added, "already_had_access": skipped}, undo,
                   IndexWrites(files=_fetch_back(lambda: writes.get_file(g, file_id, FILE_FIELDS))))


RUNNERS: dict[str, Callable[[GoogleServices, PendingAction, User, Progress], Outcome]] = {
    "send_email": _send_email, "draft_email": _draft_email, "reply": _reply, "forward": _forward,
    "trash_email": _trash_email, "create_event": _create_event, "update_event": _update_event,
    "delete_event": _delete_event, "share_file": _share_file,
}


def run(g: GoogleServices, action: PendingAction, user: User, progress: Progress) -> Outcome:
    """Do `action` in Google for `user`; raises GoogleError when Google fails (after cleaning up)."""
    return RUNNERS[action.kind](g, action, user, progress)


def run_undo(g: GoogleServices, action: PendingAction) -> IndexWrites:
    """Reverse a done action as its `undo` record says; raises GoogleError when Google fails."""
    undo = action.undo or {}
    op = undo.get("op")
    if op == "delete_draft":
        try:
            writes.delete_draft(g, undo["draft_id"])
        except GoogleError as exc:
            if exc.kind != "not_found":  # sent or deleted in Gmail since: nothing left to take back
                raise
        return IndexWrites()
    if op == "untrash":
        writes.untrash_message(g, undo["email_id"])
        return IndexWrites(messages=_fetch_back(lambda: writes.get_message(g, undo["email_id"])))
    if op == "delete_event":
        try:
            writes.delete_event(g, undo["event_id"], undo.get("send_updates", "none"))
        except GoogleError as exc:
            if exc.kind not in ("gone", "not_found"):
                raise
        return IndexWrites(deleted_events=[undo["event_id"]])
    if op == "patch_event":
        event = writes.patch_event(g, undo["event_id"], undo["patch"], undo.get("send_updates", "none"))
        return IndexWrites(events=[event])
    if op == "restore_event":
        event = writes.patch_event(g, undo["event_id"], {"status": "confirmed"}, undo.get("send_updates", "none"))
        return IndexWrites(events=[event])
    if op == "delete_permissions":
        for permission_id in undo["permission_ids"]:
            try:
                writes.delete_permission(g, undo["file_id"], permission_id)
            except GoogleError as exc:
                if exc.kind != "not_found":  # removed already
                    raise
        return IndexWrites(files=_fetch_back(lambda: writes.get_file(g, undo["file_id"], FILE_FIELDS)))
    raise ValueError(f"unknown undo operation {op!r}")
