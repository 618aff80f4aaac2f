"""Calendar v3: events list/get/insert/patch/update/delete/instances, freeBusy, calendars, calendarList.

Every write bumps the calendar's sync sequence; ``syncToken`` lists what changed since a token
(deleted events come back as ``status: "cancelled"``) and expired/invalidated tokens answer 410
``fullSyncRequired`` like Google.
"""

from __future__ import annotations

import base64
import copy
import re
import secrets
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from flask import Blueprint, request

from . import errors
from .common import api_method, arg_bool, arg_int, decode_token, encode_token, get_state, json_body, token_int
from .state import CalendarStore, State, User, parse_rfc3339, rfc3339

bp = Blueprint("calendar", __name__, url_prefix="/calendar/v3")

_ID_RE = re.compile(r"^[a-v0-9]{5,1024}$")
_B32HEX = "0123456789abcdefghijklmnopqrstuv"
MAX_INSTANCES = 730
KEY_ORDER = ["kind", "etag", "id", "status", "htmlLink", "created", "updated", "summary", "description",
             "location", "colorId", "creator", "organizer", "start", "end", "endTimeUnspecified", "recurrence",
             "recurringEventId", "originalStartTime", "transparency", "visibility", "iCalUID", "sequence",
             "attendees", "hangoutLink", "conferenceData", "reminders", "eventType"]


def _not_found() -> errors.ApiError:
    return errors.ApiError(404, "Not Found", "notFound")


def _calendar(user: User, calendar_id: str) -> CalendarStore:
    if calendar_id == "primary" or calendar_id.lower() == user.email:
        return user.calendar
    raise _not_found()


# -- time helpers -------------------------------------------------------------------------------


def _zone(name: str | None, default: str = "UTC") -> Any:
    try:
        return ZoneInfo(name or default)
    except Exception:  # noqa: BLE001 - unknown zone name: behave like UTC
        return timezone.utc


def when(w: dict[str, Any], default_tz: str) -> datetime:
    """An EventDateTime as an aware datetime (all-day dates at midnight in the zone)."""
    if w.get("dateTime"):
        v = w["dateTime"]
        v = v[:-1] + "+00:00" if v.endswith(("Z", "z")) else v
        dt = datetime.fromisoformat(v)
        return dt if dt.tzinfo else dt.replace(tzinfo=_zone(w.get("timeZone"), default_tz))
    if w.get("date"):
        return datetime.combine(date.fromisoformat(w["date"]), time(0), _zone(w.get("timeZone"), default_tz))
    raise ValueError("no dateTime or date")


def bounds(ev: dict[str, Any], default_tz: str) -> tuple[datetime, datetime]:
    """(start, end) of an event as aware datetimes."""
    start = when(ev["start"], default_tz)
    end = when(ev.get("end") or ev["start"], default_tz)
    return start, end


def _etag(ev: dict[str, Any], seq: int) -> str:
    try:
        ms = int(parse_rfc3339(ev["updated"]).timestamp() * 1000)
    except (KeyError, ValueError):
        ms = 0
    return f'"{ms * 1000 + seq % 1000}"'


def _ordered(ev: dict[str, Any]) -> dict[str, Any]:
    out = {k: ev[k] for k in KEY_ORDER if k in ev}
    out.update({k: v for k, v in ev.items() if k not in out})
    return out


def new_event_id() -> str:
    """26 base32hex characters, like Google-generated ids."""
    return "".join(secrets.choice(_B32HEX) for _ in range(26))


def normalize_event(ev: dict[str, Any], cal: CalendarStore, owner: str, now: str) -> dict[str, Any]:
    """Fill the server-side fields Google adds (kind, etag, htmlLink, creator, iCalUID, ...)."""
    ev = copy.deepcopy(ev)
    ev.setdefault("kind", "calendar#event")
    ev.setdefault("status", "confirmed")
    eid = base64.b64encode(f"{ev['id']} {cal.id}".encode()).decode().rstrip("=")
    ev.setdefault("htmlLink", f"https://www.google.com/calendar/event?eid={eid}")
    ev.setdefault("created", now)
    ev.setdefault("updated", now)
    ev.setdefault("creator", {"email": owner})
    ev.setdefault("organizer", {"email": owner})
    for person in (ev["creator"], ev["organizer"]):
        if isinstance(person, dict) and person.get("email", "").lower() == owner:
            person["self"] = True
    ev.setdefault("iCalUID", f"{ev['id']}@google.com")
    ev.setdefault("sequence", 0)
    ev.setdefault("reminders", {"useDefault": True})
    ev.setdefault("eventType", "default")
    for att in ev.get("attendees") or []:
        att.setdefault("responseStatus", "needsAction")
        if att.get("email", "").lower() == owner:
            att["self"] = True
        if att.get("email", "").lower() == ev["organizer"].get("email", "").lower():
            att["organizer"] = True
    ev["etag"] = _etag(ev, cal.seq + 1)
    return _ordered(ev)


def _validate_times(ev: dict[str, Any], default_tz: str) -> None:
    for key, label in (("start", "start"), ("end", "end")):
        w = ev.get(key)
        if not isinstance(w, dict) or not (w.get("dateTime") or w.get("date")):
            raise errors.bad_request(f"Missing {label} time.", "required")
        try:
            when(w, default_tz)
        except (ValueError, TypeError) as exc:
            raise errors.bad_request(f"Invalid {label} time.", "invalid") from exc
    start, end = bounds(ev, default_tz)
    if end < start:
        raise errors.bad_request("The specified time range is empty.", "timeRangeEmpty")


def _time_param(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        v = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
        dt = datetime.fromisoformat(v)
        if dt.tzinfo is None:
            raise ValueError("offset required")
        return dt
    except ValueError as exc:
        raise errors.ApiError(400, "Bad Request", "badRequest") from exc


# -- recurrence -----------------------------------------------------------------------------------


def _fmt_like(w: dict[str, Any], dt: datetime) -> dict[str, Any]:
    if w.get("date") and not w.get("dateTime"):
        return {"date": dt.date().isoformat()}
    out: dict[str, Any] = {"dateTime": dt.isoformat()}
    if w.get("timeZone"):
        out["timeZone"] = w["timeZone"]
    return out


def instances(ev: dict[str, Any], default_tz: str, lo: datetime | None, hi: datetime | None
              ) -> Iterator[dict[str, Any]]:
    """Expand a recurring event into instance resources overlapping [lo, hi) (bounded count)."""
    from dateutil import rrule  # python-dateutil, installed with the project's dependencies

    start, end = bounds(ev, default_tz)
    duration = end - start
    zone = start.tzinfo
    text = "\n".join(ev.get("recurrence") or [])
    try:
        rule = rrule.rrulestr(text, dtstart=start, forceset=True, unfold=True)
    except (ValueError, TypeError):
        # UNTIL without Z with an aware DTSTART: expand in naive local time instead.
        naive = rrule.rrulestr(text, dtstart=start.replace(tzinfo=None), forceset=True, unfold=True, ignoretz=True)
        rule = (dt.replace(tzinfo=zone) for dt in naive)
    all_day = bool(ev["start"].get("date")) and not ev["start"].get("dateTime")
    count = 0
    for occ in rule:
        if hi is not None and occ >= hi:
            break
        count += 1
        if count > MAX_INSTANCES:
            break
        if lo is not None and occ + duration <= lo:
            continue
        inst = {k: v for k, v in ev.items() if k != "recurrence"}
        suffix = occ.strftime("%Y%m%d") if all_day else occ.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        inst["id"] = f"{ev['id']}_{suffix}"
        inst["recurringEventId"] = ev["id"]
        inst["originalStartTime"] = _fmt_like(ev["start"], occ)
        inst["start"] = _fmt_like(ev["start"], occ)
        inst["end"] = _fmt_like(ev.get("end") or ev["start"], occ + duration)
        yield _ordered(inst)


# -- list filters -------------------------------------------------------------------------------


def _matches_q(ev: dict[str, Any], q: str) -> bool:
    people = [ev.get("organizer") or {}, ev.get("creator") or {}] + list(ev.get("attendees") or [])
    doc = " ".join([ev.get("summary", ""), ev.get("description", ""), ev.get("location", "")]
                   + [p.get("email", "") + " " + p.get("displayName", "") for p in people]).lower()
    words = re.findall(r"\w+", q.lower())
    return all(re.search(r"(?<![0-9a-z])" + re.escape(w), doc) for w in words)


def _overlaps(ev: dict[str, Any], default_tz: str, lo: datetime | None, hi: datetime | None) -> bool:
    start, end = bounds(ev, default_tz)
    if end == start:
        end = start + timedelta(microseconds=1)  # zero-length events still count at their instant
    return (lo is None or end > lo) and (hi is None or start < hi)


def _cancelled_view(ev: dict[str, Any]) -> dict[str, Any]:
    out = {"kind": "calendar#event", "etag": ev.get("etag"), "id": ev["id"], "status": "cancelled"}
    for key in ("recurringEventId", "originalStartTime"):
        if key in ev:
            out[key] = ev[key]
    return out


def _sync_token(cal: CalendarStore, seq: int, now: datetime) -> str:
    return "CAL" + encode_token({"c": cal.id, "s": seq, "t": int(now.timestamp())})


def _check_sync_token(st: State, cal: CalendarStore, token: str) -> int:
    if not token.startswith("CAL"):
        raise errors.invalid_parameter("syncToken", "Invalid sync token value.")
    data = decode_token(token[3:], "syncToken")
    seq, issued = data.get("s"), data.get("t")
    if data.get("c") != cal.id or not isinstance(seq, int) or not isinstance(issued, int):
        raise errors.invalid_parameter("syncToken", "Invalid sync token value.")
    age = st.clock.now().timestamp() - issued
    if seq < cal.sync_floor or seq > cal.seq or age > st.config.sync_token_ttl_seconds:
        raise errors.gone("Sync token is no longer valid, a full sync is required.", "fullSyncRequired")
    return seq


_SYNC_INCOMPATIBLE = ("timeMin", "timeMax", "q", "orderBy", "updatedMin", "iCalUID", "privateExtendedProperty",
                      "sharedExtendedProperty")


@bp.get("/calendars/<calendarId>/events")
@api_method("calendar.events.list")
def list_events(user: User, calendarId: str) -> dict[str, Any]:
    st = get_state()
    size = arg_int("maxResults", 250, 1, 2500)
    single = arg_bool("singleEvents")
    show_deleted = arg_bool("showDeleted")
    order_by = request.args.get("orderBy")
    if order_by not in (None, "startTime", "updated"):
        raise errors.invalid_parameter("orderBy")
    if order_by == "startTime" and not single:
        raise errors.ApiError(400, "The requested ordering is not available for the particular query.",
                              "badRequest")
    sync_token = request.args.get("syncToken")
    if sync_token and any(request.args.get(k) for k in _SYNC_INCOMPATIBLE):
        raise errors.ApiError(400, "Sync token cannot be combined with other filtering parameters.",
                              "invalid", location="syncToken", location_type="parameter")
    lo, hi = _time_param("timeMin"), _time_param("timeMax")
    if lo and hi and hi <= lo:
        raise errors.ApiError(400, "The specified time range is empty.", "timeRangeEmpty",
                              location="timeMax", location_type="parameter")
    updated_min = _time_param("updatedMin")
    q = request.args.get("q")
    token = request.args.get("pageToken")
    with st.lock:
        cal = _calendar(user, calendarId)
        tz = cal.time_zone
        page_state = decode_token(token) if token else {}
        snap_seq = token_int(token, "s", cal.seq)
        offset = token_int(token, "o")
        items: list[dict[str, Any]]
        since: int | None = token_int(token, "y") if token and "y" in page_state else None
        if sync_token and since is None:
            since = _check_sync_token(st, cal, sync_token)
        if since is not None:
            items = [ev if ev.get("status") != "cancelled" else _cancelled_view(ev) for ev in cal.changed_since(since)]
        else:
            items = []
            for ev in cal.events.values():
                cancelled = ev.get("status") == "cancelled"
                if cancelled and not show_deleted:
                    continue
                if cancelled:
                    items.append(_cancelled_view(ev))
                    continue
                if updated_min and parse_rfc3339(ev["updated"]) < updated_min:
                    continue
                if q and not _matches_q(ev, q):
                    continue
                if single and ev.get("recurrence"):
                    overridden = {e["id"] for e in cal.events.values() if e.get("recurringEventId") == ev["id"]}
                    items.extend(i for i in instances(ev, tz, lo, hi) if i["id"] not in overridden)
                elif ev.get("recurrence"):
                    if next(instances(ev, tz, lo, hi), None) is not None:
                        items.append(ev)
                elif _overlaps(ev, tz, lo, hi):
                    items.append(ev)
            if order_by == "updated":
                items.sort(key=lambda e: (e.get("updated", ""), e["id"]))
            else:
                items.sort(key=lambda e: (bounds(e, tz)[0] if "start" in e else datetime.min.replace(
                    tzinfo=timezone.utc), e["id"]))
        page = items[offset:offset + size]
        out: dict[str, Any] = {
            "kind": "calendar#events", "etag": f'"p{cal.seq}"', "summary": cal.summary,
            "description": "",
            "updated": max((e.get("updated", "") for e in cal.events.values()), default=rfc3339(st.clock.now())),
            "timeZone": tz, "accessRole": "owner", "defaultReminders": [{"method": "popup", "minutes": 10}],
        }
        if offset + size < len(items):
            state = {"o": offset + size, "s": snap_seq}
            if since is not None:
                state["y"] = since
            out["nextPageToken"] = encode_token(state)
        else:
            out["nextSyncToken"] = _sync_token(cal, snap_seq, st.clock.now())
        out["items"] = page
        return out


def _event(cal: CalendarStore, event_id: str) -> dict[str, Any]:
    ev = cal.events.get(event_id)
    if ev is not None:
        return ev
    # An instance id of a recurring event: expand the master to find it.
    if "_" in event_id:
        master = cal.events.get(event_id.rsplit("_", 1)[0])
        if master is not None and master.get("recurrence"):
            for inst in instances(master, cal.time_zone, None, None):
                if inst["id"] == event_id:
                    return inst
    raise _not_found()


@bp.get("/calendars/<calendarId>/events/<eventId>")
@api_method("calendar.events.get")
def get_event(user: User, calendarId: str, eventId: str) -> dict[str, Any]:
    with get_state().lock:
        return _event(_calendar(user, calendarId), eventId)


@bp.get("/calendars/<calendarId>/events/<eventId>/instances")
@api_method("calendar.events.instances")
def list_instances(user: User, calendarId: str, eventId: str) -> dict[str, Any]:
    lo, hi = _time_param("timeMin"), _time_param("timeMax")
    size = arg_int("maxResults", 250, 1, 2500)
    token = request.args.get("pageToken")
    st = get_state()
    with st.lock:
        cal = _calendar(user, calendarId)
        ev = cal.events.get(eventId)
        if ev is None:
            raise _not_found()
        items = list(instances(ev, cal.time_zone, lo, hi)) if ev.get("recurrence") else [ev]
        offset = token_int(token, "o")
        out: dict[str, Any] = {"kind": "calendar#events", "etag": f'"p{cal.seq}"', "summary": cal.summary,
                               "updated": ev.get("updated"), "timeZone": cal.time_zone, "accessRole": "owner",
                               "defaultReminders": [{"method": "popup", "minutes": 10}]}
        if offset + size < len(items):
            out["nextPageToken"] = encode_token({"o": offset + size})
        out["items"] = items[offset:offset + size]
        return out


def store_event(st: State, user: User, body: dict[str, Any], *, existing: dict[str, Any] | None = None
                ) -> dict[str, Any]:
    """Validate, fill and store an event (insert when ``existing`` is None). Caller holds the lock."""
    cal = user.calendar
    now = rfc3339(st.clock.now())
    _validate_times(body, cal.time_zone)
    if existing is None:
        ev = dict(body)
        ev.pop("etag", None)
        ev["created"] = ev["updated"] = now
    else:
        ev = dict(body)
        for key in ("id", "created", "iCalUID", "creator", "htmlLink", "kind"):
            if key in existing:
                ev[key] = existing[key]
        if "organizer" not in ev and "organizer" in existing:
            ev["organizer"] = existing["organizer"]
        if "status" not in ev:
            ev["status"] = existing.get("status", "confirmed")
        ev["sequence"] = int(existing.get("sequence", 0)) + 1
        ev["updated"] = now
        ev.pop("etag", None)
    ev = normalize_event(ev, cal, user.email, now)
    cal.put(ev)
    st.dirty = True
    return ev


@bp.post("/calendars/<calendarId>/events")
@api_method("calendar.events.insert")
def insert_event(user: User, calendarId: str) -> dict[str, Any]:
    body = json_body(required=True)
    st = get_state()
    with st.lock:
        cal = _calendar(user, calendarId)
        eid = body.get("id")
        if eid is None:
            body["id"] = new_event_id()
        elif not isinstance(eid, str) or not _ID_RE.match(eid):
            raise errors.bad_request("Invalid resource id value.", "invalid")
        elif eid in cal.events:
            raise errors.conflict()
        return store_event(st, user, body)


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _stored(cal: CalendarStore, event_id: str) -> dict[str, Any]:
    ev = cal.events.get(event_id)
    if ev is None:
        raise _not_found()
    return ev


@bp.patch("/calendars/<calendarId>/events/<eventId>")
@api_method("calendar.events.patch")
def patch_event(user: User, calendarId: str, eventId: str) -> dict[str, Any]:
    body = json_body()
    st = get_state()
    with st.lock:
        existing = _stored(_calendar(user, calendarId), eventId)
        merged = _merge({k: v for k, v in existing.items() if k != "etag"}, body)
        return store_event(st, user, merged, existing=existing)


@bp.put("/calendars/<calendarId>/events/<eventId>")
@api_method("calendar.events.update")
def update_event(user: User, calendarId: str, eventId: str) -> dict[str, Any]:
    body = json_body(required=True)
    st = get_state()
    with st.lock:
        existing = _stored(_calendar(user, calendarId), eventId)
        return store_event(st, user, body, existing=existing)


@bp.delete("/calendars/<calendarId>/events/<eventId>")
@api_method("calendar.events.delete")
def delete_event(user: User, calendarId: str, eventId: str) -> None:
    st = get_state()
    with st.lock:
        cal = _calendar(user, calendarId)
        ev = _stored(cal, eventId)
        if ev.get("status") == "cancelled":
            raise errors.gone("Resource has been deleted", "deleted")
        ev = dict(ev, status="cancelled", updated=rfc3339(st.clock.now()))
        ev["etag"] = _etag(ev, cal.seq + 1)
        cal.put(ev)
        st.dirty = True


# -- freeBusy, calendars ----------------------------------------------------------------------------


def busy_blocks(user: User, lo: datetime, hi: datetime) -> list[dict[str, str]]:
    """Merged busy intervals of a user's primary calendar within [lo, hi)."""
    cal = user.calendar
    spans: list[tuple[datetime, datetime]] = []
    for ev in cal.events.values():
        if ev.get("status") == "cancelled" or ev.get("transparency") == "transparent":
            continue
        if any(a.get("self") and a.get("responseStatus") == "declined" for a in ev.get("attendees") or []):
            continue
        occs = instances(ev, cal.time_zone, lo, hi) if ev.get("recurrence") else [ev]
        for occ in occs:
            start, end = bounds(occ, cal.time_zone)
            if end > lo and start < hi:
                spans.append((max(start, lo), min(end, hi)))
    spans.sort()
    merged: list[list[datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return [{"start": s.astimezone(timezone.utc).strftime(fmt), "end": e.astimezone(timezone.utc).strftime(fmt)}
            for s, e in merged]


@bp.post("/freeBusy")
@api_method("calendar.freebusy.query")
def freebusy(user: User) -> dict[str, Any]:
    body = json_body(required=True)
    out_times = {}
    for key in ("timeMin", "timeMax"):
        raw = body.get(key)
        if not raw:
            raise errors.bad_request(f"Missing {key} parameter.", "required")
        try:
            out_times[key] = parse_rfc3339(raw)
        except (ValueError, AttributeError) as exc:
            raise errors.ApiError(400, "Bad Request", "badRequest") from exc
    lo, hi = out_times["timeMin"], out_times["timeMax"]
    if hi <= lo:
        raise errors.ApiError(400, "The specified time range is empty.", "timeRangeEmpty")
    items = body.get("items") or []
    st = get_state()
    with st.lock:
        calendars: dict[str, Any] = {}
        for item in items:
            cid = item.get("id", "") if isinstance(item, dict) else ""
            target = user if cid == "primary" else st.get_user(cid) if cid else None
            if target is None:
                calendars[cid] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
            else:
                calendars[cid] = {"busy": busy_blocks(target, lo, hi)}
        return {"kind": "calendar#freeBusy", "timeMin": rfc3339(lo), "timeMax": rfc3339(hi), "calendars": calendars}


@bp.get("/calendars/<calendarId>")
@api_method("calendar.calendars.get")
def get_calendar(user: User, calendarId: str) -> dict[str, Any]:
    with get_state().lock:
        cal = _calendar(user, calendarId)
        return {"kind": "calendar#calendar", "etag": f'"c{cal.seq}"', "id": cal.id, "summary": cal.summary,
                "timeZone": cal.time_zone}


@bp.get("/users/me/calendarList")
@api_method("calendar.calendarList.list")
def calendar_list(user: User) -> dict[str, Any]:
    with get_state().lock:
        cal = user.calendar
        entry = {"kind": "calendar#calendarListEntry", "etag": f'"c{cal.seq}"', "id": cal.id,
                 "summary": cal.summary, "timeZone": cal.time_zone, "colorId": "14",
                 "backgroundColor": "#9fe1e7", "foregroundColor": "#000000", "selected": True,
                 "accessRole": "owner", "defaultReminders": [{"method": "popup", "minutes": 10}],
                 "primary": True}
        return {"kind": "calendar#calendarList", "etag": f'"l{cal.seq}"', "items": [entry]}
