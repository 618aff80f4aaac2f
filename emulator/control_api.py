"""``/_emulator/...``: the control API used by tests, benchmarks, the demo and evaluations.

No auth (the emulator binds to loopback). Errors use the same Google error shape as the APIs.
See emulator/README.md for the full list of routes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, current_app, request

from . import errors, mime
from .calendar_api import new_event_id, normalize_event
from .common import get_state, json_body, json_response
from .dump import dump
from .faults import parse_fault
from .gmail_api import PAYLOADS
from .loader import LoaderError, load_demo, load_files, load_scale
from .oauth_api import issue_code
from .state import User, parse_rfc3339, rfc3339

bp = Blueprint("control", __name__, url_prefix="/_emulator")


def _user(email: str) -> User:
    user = get_state().get_user(email)
    if user is None:
        raise errors.not_found(f"No such user: {email}")
    return user


def _tokens(email: str) -> dict[str, Any]:
    st = get_state()
    access, ttl = st.valid_access_token(email)
    return {"email": email, "refresh_token": st.refresh_token_for(email), "access_token": access,
            "expires_in": ttl}


@bp.get("/healthz")
def healthz() -> Response:
    st = get_state()
    return json_response({"ok": True, "users": len(st.users)})


def _body_with_email() -> tuple[dict[str, Any], str]:
    """The JSON body and its required `email` (400 when missing or not an address)."""
    body = json_body(required=True)
    email = body.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise errors.bad_request("email is required", "required")
    return body, email


@bp.post("/users")
def create_user() -> Response:
    body, email = _body_with_email()
    st = get_state()
    with st.lock:
        user = st.ensure_user(email)
        if isinstance(body.get("name"), str):
            user.name = body["name"]
        return json_response(_tokens(user.email))


@bp.get("/users")
def list_users() -> Response:
    st = get_state()
    with st.lock:
        return json_response({"users": sorted(st.users)})


@bp.post("/users/<email>/revoke")
def revoke_user(email: str) -> Response:
    st = get_state()
    with st.lock:
        _user(email)
        return json_response({"revoked": st.revoke(email.lower())})


@bp.post("/users/<email>/expire_tokens")
def expire_tokens(email: str) -> Response:
    st = get_state()
    with st.lock:
        _user(email)
        st.expire_access_tokens(email.lower())
        return json_response({"ok": True})


@bp.post("/users/<email>/messages")
def deliver_message(email: str) -> Response:
    """Simulate incoming mail: raw RFC 2822 (body or ``raw``) or ``{from,to,subject,body,date,cc}``."""
    st = get_state()
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("message/rfc822") or ctype.startswith("text/plain"):
        body: dict[str, Any] = {"raw_bytes": request.get_data()}
    else:
        body = json_body(required=True)
    with st.lock:
        user = _user(email)
        date = None
        if body.get("date"):
            try:
                date = parse_rfc3339(str(body["date"]))
            except ValueError:
                raise errors.bad_request("date must be RFC 3339") from None
        if "raw_bytes" in body:
            raw = body["raw_bytes"]
        elif isinstance(body.get("raw"), str):
            raw = body["raw"].encode("utf-8")
        elif isinstance(body.get("raw_base64url"), str):
            try:
                raw = mime.b64url_decode(body["raw_base64url"])
            except ValueError:
                raise errors.bad_request("raw_base64url is not base64url") from None
        else:
            if not body.get("from"):
                raise errors.bad_request("'from' (or 'raw') is required", "required")
            raw = mime.build_raw(sender=body["from"], to=body.get("to") or user.email,
                                 subject=body.get("subject", ""), body=body.get("body", ""),
                                 date=date or st.clock.now(), cc=body.get("cc", ""),
                                 message_id=body.get("messageId"), in_reply_to=body.get("inReplyTo"),
                                 html_body=body.get("html"))
        if not raw.strip():
            raise errors.bad_request("empty message")
        internal = int(date.timestamp() * 1000) if date else None
        labels = body.get("labelIds") or ["INBOX", "UNREAD"]
        try:
            msg = st.deliver(user, raw, labels=labels, internal_date=internal, thread_id=body.get("threadId"),
                             msg_id=body.get("id"))
        except KeyError:
            raise errors.conflict("A message with this id already exists.") from None
        return json_response({"id": msg.id, "threadId": msg.thread_id, "historyId": str(msg.history_id)})


@bp.post("/users/<email>/events")
def put_event(email: str) -> Response:
    body = json_body(required=True)
    st = get_state()
    with st.lock:
        user = _user(email)
        body.setdefault("id", new_event_id())
        ev = normalize_event(body, user.calendar, user.email, rfc3339(st.clock.now()))
        user.calendar.put(ev)
        st.dirty = True
        return json_response(ev)


@bp.post("/users/<email>/calendar/invalidate_sync_tokens")
def invalidate_sync(email: str) -> Response:
    st = get_state()
    with st.lock:
        cal = _user(email).calendar
        cal.sync_floor = cal.seq + 1
        cal.seq += 1  # a fresh full sync gets a token above the floor
        return json_response({"syncFloor": cal.sync_floor})


@bp.post("/users/<email>/files")
def put_file(email: str) -> Response:
    body = json_body(required=True)
    st = get_state()
    with st.lock:
        user = _user(email)
        try:
            load_files(st, user.email, [body], log_changes=True)
        except LoaderError as exc:
            raise errors.bad_request(str(exc)) from None
        return json_response(user.drive.files[body["file"]["id"]].file)


@bp.post("/faults")
def add_fault() -> Response:
    try:
        fault = parse_fault(json_body(required=True))
    except ValueError as exc:
        raise errors.bad_request(str(exc)) from None
    st = get_state()
    st.faults.add(fault)
    return json_response({"faults": st.faults.list()})


@bp.get("/faults")
def list_faults() -> Response:
    return json_response({"faults": get_state().faults.list(), "fired": get_state().faults.fired})


@bp.delete("/faults")
def clear_faults() -> Response:
    get_state().faults.clear()
    return json_response({"faults": []})


@bp.post("/reset")
def reset() -> Response:
    st = get_state()
    with st.lock:
        st.reset()
        PAYLOADS.clear()
        current_app.extensions["emulator.push"].log.clear()
    return json_response({"ok": True})


@bp.post("/load")
def load() -> Response:
    body = json_body(required=True)
    dataset = body.get("dataset")
    st = get_state()
    try:
        if dataset == "demo":
            counts = load_demo(st)
            with st.lock:
                counts["tokens"] = _tokens(counts["user"])
        elif dataset == "scale":
            users, messages = body.get("users"), body.get("messages")
            if not isinstance(users, int) or not isinstance(messages, int) or users < 1 or messages < 0:
                raise errors.bad_request("scale needs integer 'users' >= 1 and 'messages' >= 0")
            counts = load_scale(st, users, messages, int(body.get("seed", 0)))
            if body.get("tokens", True):
                with st.lock:
                    counts["tokens"] = [_tokens(e) for e in sorted(st.users)]
        else:
            raise errors.bad_request("dataset must be 'demo' or 'scale'")
    except LoaderError as exc:
        raise errors.ApiError(501, str(exc), "notImplemented") from None
    return json_response(counts)


@bp.get("/state")
def state_dump() -> Response:
    st = get_state()
    with st.lock:
        return json_response(dump(st, request.args.get("user")))


@bp.get("/clock")
def get_clock() -> Response:
    st = get_state()
    return json_response({"now": rfc3339(st.clock.now()), "frozen": st.clock.frozen is not None})


@bp.post("/clock")
def set_clock() -> Response:
    body = json_body(required=True)
    st = get_state()
    with st.lock:
        if "now" in body:
            if body["now"] is None:
                st.clock.freeze(None)
            else:
                try:
                    st.clock.freeze(parse_rfc3339(str(body["now"])))
                except ValueError:
                    raise errors.bad_request("now must be RFC 3339 or null") from None
        if body.get("advance_seconds"):
            if st.clock.frozen is None:
                raise errors.bad_request("advance_seconds needs a frozen clock")
            st.clock.advance(float(body["advance_seconds"]))
        st.dirty = True
        return json_response({"now": rfc3339(st.clock.now()), "frozen": st.clock.frozen is not None})


@bp.get("/oauth2/v1/certs")
def certs() -> Response:
    resp = json_response(current_app.extensions["emulator.signer"].certs())
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@bp.post("/oauth/codes")
def new_code() -> Response:
    body, email = _body_with_email()
    st = get_state()
    with st.lock:
        st.ensure_user(email)
        code = issue_code(email.lower(), str(body.get("client_id", "")), str(body.get("redirect_uri", "")),
                          str(body.get("scope", "")), str(body.get("nonce", "")))
    return json_response({"code": code})


@bp.post("/oauth/consent")
def queue_consent() -> Response:
    """Queue how the consent screen answers the next ``count`` authorizations: ``decision`` allow|deny, ``grant``
    (the scopes the person leaves ticked; default all requested), ``email`` (who signs in), ``code_ttl`` (s)."""
    body = json_body(required=True)
    decision = body.get("decision", "allow")
    if decision not in ("allow", "deny"):
        raise errors.bad_request("decision must be allow or deny")
    grant = body.get("grant")
    if grant is not None and not (isinstance(grant, list) and all(isinstance(g, str) for g in grant)):
        raise errors.bad_request("grant must be a list of scopes")
    entry: dict[str, Any] = {"decision": decision, "grant": grant}
    if body.get("email"):
        entry["email"] = str(body["email"]).lower()
    if body.get("code_ttl") is not None:
        entry["code_ttl"] = float(body["code_ttl"])
    st = get_state()
    with st.lock:
        st.consent_queue.extend(dict(entry) for _ in range(max(1, int(body.get("count", 1)))))
        queued = len(st.consent_queue)
    return json_response({"queued": queued})


@bp.delete("/oauth/consent")
def clear_consent() -> Response:
    st = get_state()
    with st.lock:
        st.consent_queue.clear()
    return json_response({"queued": 0})


@bp.post("/oauth/clients")
def register_client() -> Response:
    """Register an OAuth client (``client_id``, ``client_secret``); from then on only registered ones are accepted."""
    body = json_body(required=True)
    cid, secret = body.get("client_id"), body.get("client_secret")
    if not isinstance(cid, str) or not cid or not isinstance(secret, str) or not secret:
        raise errors.bad_request("client_id and client_secret are required strings")
    st = get_state()
    with st.lock:
        st.oauth_clients[cid] = secret
        return json_response({"clients": sorted(st.oauth_clients)})


@bp.delete("/oauth/clients")
def clear_clients() -> Response:
    st = get_state()
    with st.lock:
        st.oauth_clients.clear()
    return json_response({"clients": []})


@bp.post("/push")
def configure_push() -> Response:
    body = json_body(required=True)
    push = current_app.extensions["emulator.push"]
    push.configure(body.get("url"), body.get("audience"))
    return json_response({"url": push.url, "audience": push.audience or push.url})


@bp.get("/push/log")
def push_log() -> Response:
    push = current_app.extensions["emulator.push"]
    if request.args.get("wait"):
        push.drain(float(request.args["wait"]))
    return json_response({"deliveries": list(push.log)})


@bp.post("/snapshot")
def snapshot() -> Response:
    st = get_state()
    path = (json_body().get("path") if request.get_data() else None) or st.config.snapshot
    if not path:
        raise errors.bad_request("no snapshot path configured")
    st.save_snapshot(path)
    return json_response({"path": path, "saved_at": rfc3339(datetime.now(timezone.utc))})
