"""Gmail v1: profile, messages, threads, labels, drafts, history, watch/stop.

Paths are the discovery paths (``gmail/v1/users/{userId}/...``) so googleapiclient built with
``api_endpoint=<emulator root>`` reaches them unchanged. ``userId`` may be ``me`` or the
authenticated user's own address.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, request

from . import errors, mime
from .common import api_method, arg_bool, arg_int, encode_token, get_state, json_body, token_int
from .query import GmailContext, QueryError, gmail_match, mentions_spam_trash, parse_gmail
from .state import MODIFIABLE_SYSTEM_LABELS, SYSTEM_LABELS, Mailbox, Message, State, User

bp = Blueprint("gmail", __name__, url_prefix="/gmail/v1/users/<userId>")
PAYLOADS = mime.PayloadCache()
WATCH_TTL = timedelta(days=7)


def _check_user(user: User, user_id: str) -> None:
    if user_id != "me" and user_id.lower() != user.email:
        raise errors.forbidden(f"Delegation denied for {user.email}")


def _msg(box: Mailbox, msg_id: str) -> Message:
    msg = box.messages.get(msg_id)
    if msg is None:
        raise errors.not_found()
    return msg


# -- resources ------------------------------------------------------------------------------


def message_resource(user: User, msg: Message, fmt: str = "full", metadata_headers: list[str] | None = None
                     ) -> dict[str, Any]:
    """A Message resource in one of Gmail's formats (full, metadata, minimal, raw)."""
    out: dict[str, Any] = {"id": msg.id, "threadId": msg.thread_id}
    labels = msg.label_list()
    if labels:
        out["labelIds"] = labels
    out["snippet"] = msg.meta().snippet
    if fmt == "full":
        out["payload"] = PAYLOADS.get((user.email, msg.id), msg.raw)
    elif fmt == "metadata":
        out["payload"] = mime.metadata_payload(msg.raw, metadata_headers)
    elif fmt == "raw":
        out["raw"] = mime.b64url_encode(msg.raw)
    out["sizeEstimate"] = len(msg.raw)
    out["historyId"] = str(msg.history_id)
    out["internalDate"] = str(msg.internal_date)
    return out


def _format() -> str:
    fmt = request.args.get("format", "full")
    if fmt not in ("full", "metadata", "minimal", "raw"):
        raise errors.invalid_parameter("format", f"Invalid value for format: {fmt}")
    return fmt


def _context(st: State, user: User) -> GmailContext:
    try:
        tz: Any = ZoneInfo(st.config.time_zone)
    except Exception:  # noqa: BLE001 - unknown zone names fall back to UTC
        tz = ZoneInfo("UTC")
    return GmailContext(mailbox=user.mailbox, user_email=user.email, now=st.clock.now(), tz=tz)


def _parse_q() -> Any:
    try:
        return parse_gmail(request.args.get("q", ""))
    except QueryError as exc:
        raise errors.bad_request(f"Invalid search query: {exc}", location="q", location_type="parameter") from exc


def _label_ids_arg(box: Mailbox) -> list[str]:
    ids = request.args.getlist("labelIds")
    for lid in ids:
        if lid not in SYSTEM_LABELS and lid not in box.labels:
            raise errors.bad_request(f"Invalid label: {lid}")
    return ids


def _filtered(st: State, user: User, q: Any, label_ids: list[str], include_spam_trash: bool) -> list[Message]:
    ctx = _context(st, user)
    hide = set() if include_spam_trash or mentions_spam_trash(q) else {"SPAM", "TRASH"}
    out = []
    for msg in user.mailbox.ordered():
        if hide and not hide.isdisjoint(msg.labels):
            continue
        if label_ids and not all(lid in msg.labels for lid in label_ids):
            continue
        if q is not None and not gmail_match(q, msg, ctx):
            continue
        out.append(msg)
    return out


def _page(items: list[Any], default: int, hi: int) -> tuple[list[Any], str | None]:
    size = arg_int("maxResults", default, 1, hi)
    offset = token_int(request.args.get("pageToken"), "o")
    page = items[offset:offset + size]
    nxt = encode_token({"o": offset + size}) if offset + size < len(items) else None
    return page, nxt


# -- profile, watch ---------------------------------------------------------------------------


@bp.get("/profile")
@api_method("gmail.users.getProfile")
def get_profile(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    with get_state().lock:
        box = user.mailbox
        return {"emailAddress": user.email, "messagesTotal": len(box.messages),
                "threadsTotal": len(box.threads), "historyId": str(box.history_id)}


@bp.post("/watch")
@api_method("gmail.users.watch")
def watch(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    body = json_body(required=True)
    topic = body.get("topicName")
    if not isinstance(topic, str) or not topic:
        raise errors.bad_request("Invalid topicName does not match projects/SOME-PROJECT/topics/SOME-TOPIC",
                                 "invalidArgument")
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "projects" or parts[2] != "topics" or not parts[1] or not parts[3]:
        raise errors.bad_request("Invalid topicName does not match projects/SOME-PROJECT/topics/SOME-TOPIC")
    behavior = (body.get("labelFilterBehavior") or body.get("labelFilterAction") or "include").lower()
    if behavior not in ("include", "exclude"):
        raise errors.bad_request(f"Invalid labelFilterBehavior: {behavior}")
    st = get_state()
    with st.lock:
        box = user.mailbox
        expiration = int((st.clock.now() + WATCH_TTL).timestamp() * 1000)
        box.watch = {"topicName": topic, "labelIds": list(body.get("labelIds") or []),
                     "labelFilterBehavior": behavior, "expiration": expiration, "historyId": box.history_id}
        st.dirty = True
        return {"historyId": str(box.history_id), "expiration": str(expiration)}


@bp.post("/stop")
@api_method("gmail.users.stop")
def stop(user: User, userId: str) -> None:
    _check_user(user, userId)
    st = get_state()
    with st.lock:
        user.mailbox.watch = None
        st.dirty = True


# -- messages -----------------------------------------------------------------------------------


@bp.get("/messages")
@api_method("gmail.users.messages.list")
def list_messages(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    q = _parse_q()
    st = get_state()
    with st.lock:
        label_ids = _label_ids_arg(user.mailbox)
        found = _filtered(st, user, q, label_ids, arg_bool("includeSpamTrash"))
        page, nxt = _page(found, 100, 500)
        out: dict[str, Any] = {}
        if page:
            out["messages"] = [m.ref(False) for m in page]
        if nxt:
            out["nextPageToken"] = nxt
        out["resultSizeEstimate"] = len(found)
        return out


@bp.get("/messages/<id>")
@api_method("gmail.users.messages.get")
def get_message(user: User, userId: str, id: str) -> dict[str, Any]:
    _check_user(user, userId)
    fmt = _format()
    with get_state().lock:
        msg = _msg(user.mailbox, id)
        return message_resource(user, msg, fmt, request.args.getlist("metadataHeaders"))


@bp.get("/messages/<messageId>/attachments/<id>")
@api_method("gmail.users.messages.attachments.get")
def get_attachment(user: User, userId: str, messageId: str, id: str) -> dict[str, Any]:
    _check_user(user, userId)
    with get_state().lock:
        msg = _msg(user.mailbox, messageId)
        where = mime.parse_attachment_id(id)
        if where is None or where[0] != messageId:
            raise errors.bad_request("Invalid attachment token")
        data = mime.find_part(msg.raw, where[1])
        if data is None:
            raise errors.not_found()
        return {"size": len(data), "data": mime.b64url_encode(data)}


def _check_labels(box: Mailbox, ids: list[str]) -> None:
    for lid in ids:
        if lid in SYSTEM_LABELS:
            if lid not in MODIFIABLE_SYSTEM_LABELS:
                raise errors.bad_request(f"Invalid label: {lid}")
        elif lid not in box.labels:
            raise errors.bad_request(f"Invalid label: {lid}")


def _modify_body() -> tuple[list[str], list[str]]:
    body = json_body()
    add, remove = body.get("addLabelIds") or [], body.get("removeLabelIds") or []
    if not isinstance(add, list) or not isinstance(remove, list) or not all(
            isinstance(x, str) for x in add + remove):
        raise errors.bad_request("addLabelIds and removeLabelIds must be lists of label ids")
    return add, remove


@bp.post("/messages/<id>/modify")
@api_method("gmail.users.messages.modify")
def modify_message(user: User, userId: str, id: str) -> dict[str, Any]:
    _check_user(user, userId)
    add, remove = _modify_body()
    st = get_state()
    with st.lock:
        box = user.mailbox
        msg = _msg(box, id)
        _check_labels(box, add + remove)
        if box.change_labels(msg, add, remove):
            st.dirty = True
        return message_resource(user, msg, "minimal")


@bp.post("/messages/batchModify")
@api_method("gmail.users.messages.batchModify")
def batch_modify(user: User, userId: str) -> None:
    _check_user(user, userId)
    body = json_body(required=True)
    ids = body.get("ids") or []
    add, remove = body.get("addLabelIds") or [], body.get("removeLabelIds") or []
    if not isinstance(ids, list) or len(ids) > 1000:
        raise errors.bad_request("ids must be a list of at most 1000 message ids")
    st = get_state()
    with st.lock:
        box = user.mailbox
        _check_labels(box, add + remove)
        for mid in ids:
            msg = box.messages.get(mid)
            if msg is not None:
                box.change_labels(msg, add, remove)
        st.dirty = True


def trash(box: Mailbox, msg: Message) -> None:
    """Move to trash: add TRASH, drop INBOX (restored by untrash)."""
    if "TRASH" in msg.labels:
        return
    msg.had_inbox = "INBOX" in msg.labels
    box.change_labels(msg, ["TRASH"], ["INBOX"])


def untrash(box: Mailbox, msg: Message) -> None:
    """Leave the trash, back to the inbox if it was there before."""
    if "TRASH" not in msg.labels:
        return
    box.change_labels(msg, ["INBOX"] if msg.had_inbox else [], ["TRASH"])


def _move(user: User, userId: str, id: str, action: Any) -> dict[str, Any]:
    """Apply `trash` or `untrash` to one message and answer it in the minimal format."""
    _check_user(user, userId)
    st = get_state()
    with st.lock:
        msg = _msg(user.mailbox, id)
        action(user.mailbox, msg)
        st.dirty = True
        return message_resource(user, msg, "minimal")


@bp.post("/messages/<id>/trash")
@api_method("gmail.users.messages.trash")
def trash_message(user: User, userId: str, id: str) -> dict[str, Any]:
    return _move(user, userId, id, trash)


@bp.post("/messages/<id>/untrash")
@api_method("gmail.users.messages.untrash")
def untrash_message(user: User, userId: str, id: str) -> dict[str, Any]:
    return _move(user, userId, id, untrash)


@bp.delete("/messages/<id>")
@api_method("gmail.users.messages.delete")
def delete_message(user: User, userId: str, id: str) -> None:
    _check_user(user, userId)
    st = get_state()
    with st.lock:
        _msg(user.mailbox, id)
        user.mailbox.remove(id)
        st.dirty = True


@bp.post("/messages/batchDelete")
@api_method("gmail.users.messages.batchDelete")
def batch_delete(user: User, userId: str) -> None:
    _check_user(user, userId)
    ids = json_body(required=True).get("ids") or []
    if not isinstance(ids, list):
        raise errors.bad_request("ids must be a list of message ids")
    st = get_state()
    with st.lock:
        for mid in ids:
            user.mailbox.remove(mid)
        st.dirty = True


def _raw_from_body(body: dict[str, Any]) -> bytes:
    raw = body.get("raw")
    if not isinstance(raw, str) or not raw:
        raise errors.bad_request("'raw' RFC822 payload message string or uploading message via /upload/* URL "
                                 "required")
    try:
        data = mime.b64url_decode(raw)
    except ValueError as exc:
        raise errors.bad_request("Invalid value for ByteString: " + raw[:40]) from exc
    if not data.strip():
        raise errors.bad_request("'raw' RFC822 payload message string or uploading message via /upload/* URL "
                                 "required")
    return data


def send_raw(st: State, user: User, raw: bytes, thread_id: str | None) -> Message:
    """Send: store a SENT copy, deliver to recipients who are emulator users. Caller holds the lock."""
    meta = mime.compute_meta(raw)
    recipients = mime.addresses(", ".join(x for x in (meta.to, meta.cc, meta.bcc) if x))
    if not recipients:
        raise errors.bad_request("Recipient address required")
    raw = mime.ensure_headers(raw, sender=user.email, date=st.clock.now())
    box = user.mailbox
    if thread_id is not None and thread_id not in box.threads:
        thread_id = None  # Gmail quietly starts a new thread for an unknown threadId
    labels = ["SENT"] + (["INBOX"] if user.email in recipients else [])
    if thread_id is None:
        meta2 = mime.compute_meta(raw)
        thread_id = box.thread_for_reply(meta2.in_reply_to, meta2.references)
    sent = st.deliver(user, raw, labels=labels, thread_id=thread_id)
    box.sent.append(sent.id)
    delivered = mime.strip_bcc(raw)
    for addr in dict.fromkeys(recipients):
        other = st.get_user(addr)
        if other is not None and other is not user:
            st.deliver(other, delivered, labels=("INBOX", "UNREAD"))
    return sent


@bp.post("/messages/send")
@api_method("gmail.users.messages.send")
def send_message(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    body = json_body(required=True)
    raw = _raw_from_body(body)
    st = get_state()
    with st.lock:
        msg = send_raw(st, user, raw, body.get("threadId"))
        return {"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.label_list()}


@bp.post("/messages")
@api_method("gmail.users.messages.insert")
def insert_message(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    body = json_body(required=True)
    raw = _raw_from_body(body)
    labels = body.get("labelIds") or []
    st = get_state()
    with st.lock:
        _check_labels(user.mailbox, [lab for lab in labels if lab not in ("SENT", "DRAFT")])
        thread_id = body.get("threadId") if body.get("threadId") in user.mailbox.threads else None
        msg = st.deliver(user, raw, labels=labels, thread_id=thread_id)
        return {"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.label_list()}


# -- threads --------------------------------------------------------------------------------------


def _thread_messages(box: Mailbox, thread_id: str) -> list[Message]:
    ids = box.threads.get(thread_id)
    if not ids:
        raise errors.not_found()
    return sorted((box.messages[i] for i in ids), key=lambda m: (m.internal_date, m.id))


def thread_resource(user: User, thread_id: str, fmt: str, headers: list[str] | None) -> dict[str, Any]:
    """A Thread resource with its messages in the requested format."""
    msgs = _thread_messages(user.mailbox, thread_id)
    return {"id": thread_id, "historyId": str(max(m.history_id for m in msgs)),
            "messages": [message_resource(user, m, fmt, headers) for m in msgs]}


@bp.get("/threads/<id>")
@api_method("gmail.users.threads.get")
def get_thread(user: User, userId: str, id: str) -> dict[str, Any]:
    _check_user(user, userId)
    fmt = _format()
    if fmt == "raw":
        raise errors.invalid_parameter("format", "Invalid value for format: raw")
    with get_state().lock:
        return thread_resource(user, id, fmt, request.args.getlist("metadataHeaders"))


@bp.get("/threads")
@api_method("gmail.users.threads.list")
def list_threads(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    q = _parse_q()
    st = get_state()
    with st.lock:
        label_ids = _label_ids_arg(user.mailbox)
        found = _filtered(st, user, q, label_ids, arg_bool("includeSpamTrash"))
        seen: dict[str, Message] = {}
        for m in found:  # newest first: the first hit of a thread is its newest matching message
            seen.setdefault(m.thread_id, m)
        threads = list(seen.values())
        page, nxt = _page(threads, 100, 500)
        out: dict[str, Any] = {}
        if page:
            out["threads"] = [
                {"id": m.thread_id, "snippet": m.meta().snippet,
                 "historyId": str(max(user.mailbox.messages[i].history_id for i in user.mailbox.threads[m.thread_id]))}
                for m in page
            ]
        if nxt:
            out["nextPageToken"] = nxt
        out["resultSizeEstimate"] = len(threads)
        return out


def _thread_op(user: User, thread_id: str, op: str) -> dict[str, Any]:
    st = get_state()
    with st.lock:
        box = user.mailbox
        msgs = _thread_messages(box, thread_id)
        if op == "modify":
            add, remove = _modify_body()
            _check_labels(box, add + remove)
            for m in msgs:
                box.change_labels(m, add, remove)
        else:
            for m in msgs:
                (trash if op == "trash" else untrash)(box, m)
        st.dirty = True
        return thread_resource(user, thread_id, "minimal", None)


@bp.post("/threads/<id>/modify")
@api_method("gmail.users.threads.modify")
def modify_thread(user: User, userId: str, id: str) -> dict[str, Any]:
    _check_user(user, userId)
    return _thread_op(user, id, "modify")


@bp.post("/threads/<id>/trash")
@api_method("gmail.users.threads.trash")
def trash_thread(user: User, userId: str, id: str) -> dict[str, Any]:
    _check_user(user, userId)
    return _thread_op(user, id, "trash")


@bp.post("/threads/<id>/untrash")
@api_method("gmail.users.threads.untrash")
def untrash_thread(user: User, userId: str, id: str) -> dict[str, Any]:
    _check_user(user, userId)
    return _thread_op(user, id, "untrash")


@bp.delete("/threads/<id>")
@api_method("gmail.users.threads.delete")
def delete_thread(user: User, userId: str, id: str) -> None:
    _check_user(user, userId)
    st = get_state()
    with st.lock:
        for m in _thread_messages(user.mailbox, id):
            user.mailbox.remove(m.id)
        st.dirty = True


# -- labels ---------------------------------------------------------------------------------------


def _system_label(lid: str) -> dict[str, Any]:
    return {"id": lid, "name": lid, "type": "system"}


@bp.get("/labels")
@api_method("gmail.users.labels.list")
def list_labels(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    with get_state().lock:
        return {"labels": [_system_label(lid) for lid in SYSTEM_LABELS] + list(user.mailbox.labels.values())}


@bp.get("/labels/<id>")
@api_method("gmail.users.labels.get")
def get_label(user: User, userId: str, id: str) -> dict[str, Any]:
    _check_user(user, userId)
    with get_state().lock:
        box = user.mailbox
        if id in SYSTEM_LABELS:
            lab = _system_label(id)
        elif id in box.labels:
            lab = dict(box.labels[id])
        else:
            raise errors.not_found()
        msgs = [m for m in box.messages.values() if id in m.labels]
        threads = {m.thread_id for m in msgs}
        unread = [m for m in msgs if "UNREAD" in m.labels]
        lab.update(messagesTotal=len(msgs), messagesUnread=len(unread), threadsTotal=len(threads),
                   threadsUnread=len({m.thread_id for m in unread}))
        return lab


@bp.post("/labels")
@api_method("gmail.users.labels.create")
def create_label(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    body = json_body(required=True)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request("Invalid label name")
    st = get_state()
    with st.lock:
        box = user.mailbox
        if name.upper() in SYSTEM_LABELS or any(lab["name"].lower() == name.lower() for lab in box.labels.values()):
            raise errors.ApiError(409, "Label name exists or conflicts", "failedPrecondition",
                                  status="ABORTED")
        n = 1
        while f"Label_{n}" in box.labels:
            n += 1
        lab = {"id": f"Label_{n}", "name": name, "type": "user",
               "messageListVisibility": body.get("messageListVisibility", "show"),
               "labelListVisibility": body.get("labelListVisibility", "labelShow")}
        box.labels[lab["id"]] = lab
        st.dirty = True
        return lab


@bp.delete("/labels/<id>")
@api_method("gmail.users.labels.delete")
def delete_label(user: User, userId: str, id: str) -> None:
    _check_user(user, userId)
    st = get_state()
    with st.lock:
        box = user.mailbox
        if id not in box.labels:
            raise errors.not_found() if id not in SYSTEM_LABELS else errors.bad_request("Invalid delete request")
        for m in box.messages.values():
            if id in m.labels:
                box.change_labels(m, [], [id])
        del box.labels[id]
        st.dirty = True


# -- drafts ---------------------------------------------------------------------------------------


def _draft(box: Mailbox, draft_id: str) -> Message:
    mid = box.drafts.get(draft_id)
    if mid is None or mid not in box.messages:
        raise errors.not_found()
    return box.messages[mid]


def _draft_message_raw(body: dict[str, Any]) -> tuple[bytes, str | None]:
    message = body.get("message")
    if not isinstance(message, dict):
        raise errors.bad_request("Invalid draft: 'message' is required")
    return _raw_from_body(message), message.get("threadId")


@bp.post("/drafts")
@api_method("gmail.users.drafts.create")
def create_draft(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    raw, thread_id = _draft_message_raw(json_body(required=True))
    st = get_state()
    with st.lock:
        box = user.mailbox
        raw = mime.ensure_headers(raw, sender=user.email, date=st.clock.now())
        msg = st.deliver(user, raw, labels=["DRAFT"], thread_id=thread_id if thread_id in box.threads else None)
        draft_id = st.new_draft_id(box)
        box.drafts[draft_id] = msg.id
        return {"id": draft_id, "message": {"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.label_list()}}


@bp.get("/drafts")
@api_method("gmail.users.drafts.list")
def list_drafts(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    with get_state().lock:
        box = user.mailbox
        items = sorted(((did, box.messages[mid]) for did, mid in box.drafts.items() if mid in box.messages),
                       key=lambda x: (x[1].internal_date, x[1].id), reverse=True)
        page, nxt = _page(items, 100, 500)
        out: dict[str, Any] = {}
        if page:
            out["drafts"] = [{"id": did, "message": m.ref(False)} for did, m in page]
        if nxt:
            out["nextPageToken"] = nxt
        out["resultSizeEstimate"] = len(items)
        return out


@bp.get("/drafts/<id>")
@api_method("gmail.users.drafts.get")
def get_draft(user: User, userId: str, id: str) -> dict[str, Any]:
    _check_user(user, userId)
    fmt = _format()
    with get_state().lock:
        msg = _draft(user.mailbox, id)
        return {"id": id, "message": message_resource(user, msg, fmt)}


@bp.put("/drafts/<id>")
@api_method("gmail.users.drafts.update")
def update_draft(user: User, userId: str, id: str) -> dict[str, Any]:
    _check_user(user, userId)
    raw, thread_id = _draft_message_raw(json_body(required=True))
    st = get_state()
    with st.lock:
        box = user.mailbox
        old = _draft(box, id)
        box.remove(old.id)
        raw = mime.ensure_headers(raw, sender=user.email, date=st.clock.now())
        msg = st.deliver(user, raw, labels=["DRAFT"], thread_id=old.thread_id)
        box.drafts[id] = msg.id
        return {"id": id, "message": {"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.label_list()}}


@bp.delete("/drafts/<id>")
@api_method("gmail.users.drafts.delete")
def delete_draft(user: User, userId: str, id: str) -> None:
    _check_user(user, userId)
    st = get_state()
    with st.lock:
        box = user.mailbox
        msg = _draft(box, id)
        box.remove(msg.id)
        del box.drafts[id]
        st.dirty = True


@bp.post("/drafts/send")
@api_method("gmail.users.drafts.send")
def send_draft(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    body = json_body(required=True)
    draft_id = body.get("id")
    if not isinstance(draft_id, str) or not draft_id:
        raise errors.bad_request("Invalid draft: 'id' is required")
    st = get_state()
    with st.lock:
        box = user.mailbox
        old = _draft(box, draft_id)
        raw = old.raw
        if isinstance(body.get("message"), dict) and body["message"].get("raw"):
            raw = _raw_from_body(body["message"])  # send-with-update, like Gmail allows
        thread_id = old.thread_id if len(box.threads.get(old.thread_id, [])) > 1 else None
        sent = send_raw(st, user, raw, thread_id)
        box.remove(old.id)
        del box.drafts[draft_id]
        return {"id": sent.id, "threadId": sent.thread_id, "labelIds": sent.label_list()}


# -- history --------------------------------------------------------------------------------------

HISTORY_TYPES = {"messageAdded": "messagesAdded", "messageDeleted": "messagesDeleted",
                 "labelAdded": "labelsAdded", "labelRemoved": "labelsRemoved"}


def _record_view(rec: dict[str, Any], keys: set[str], label_id: str | None) -> dict[str, Any] | None:
    out: dict[str, Any] = {"id": str(rec["id"])}
    kept = False
    for key in ("messages", "messagesAdded", "messagesDeleted", "labelsAdded", "labelsRemoved"):
        if key not in rec:
            continue
        if key != "messages" and key not in keys:
            continue
        items = rec[key]
        if label_id is not None and key != "messages":
            items = [it for it in items if label_id in it["message"].get("labelIds", [])
                     or label_id in it.get("labelIds", [])]
            if not items:
                continue
        out[key] = items
        if key != "messages":
            kept = True
    return out if kept else None


@bp.get("/history")
@api_method("gmail.users.history.list")
def list_history(user: User, userId: str) -> dict[str, Any]:
    _check_user(user, userId)
    start_raw = request.args.get("startHistoryId")
    if not start_raw:
        raise errors.bad_request("Missing required parameter startHistoryId", "required",
                                 location="startHistoryId", location_type="parameter")
    try:
        start = int(start_raw)
    except ValueError as exc:
        raise errors.invalid_parameter("startHistoryId", f"Invalid startHistoryId: {start_raw}") from exc
    types = request.args.getlist("historyTypes")
    for t in types:
        if t not in HISTORY_TYPES:
            raise errors.invalid_parameter("historyTypes", f"Invalid value for historyTypes: {t}")
    keys = {HISTORY_TYPES[t] for t in types} if types else set(HISTORY_TYPES.values())
    label_id = request.args.get("labelId")
    size = arg_int("maxResults", 100, 1, 500)
    st = get_state()
    with st.lock:
        box = user.mailbox
        if start < box.history_floor:
            raise errors.not_found()
        after = token_int(request.args.get("pageToken"), "h", start)
        out_records: list[dict[str, Any]] = []
        last_id = after
        more = False
        for rec in box.history:
            if rec["id"] <= after:
                continue
            view = _record_view(rec, keys, label_id)
            last_id = rec["id"]
            if view is None:
                continue
            if len(out_records) == size:
                more = True
                last_id = out_records[-1]["id"]
                break
            out_records.append(view)
        out: dict[str, Any] = {}
        if out_records:
            out["history"] = out_records
        if more:
            out["nextPageToken"] = encode_token({"h": int(last_id)})
        out["historyId"] = str(box.history_id)
        return out
