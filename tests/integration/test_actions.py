"""Pending actions end to end: real PostgreSQL, the Google client library against the emulator.

For every kind: propose → the preview says the right things → confirm → the emulator shows the effect → the
index shows it → undo where possible → the emulator (and the index) are as before. Then exactly-once (twice in a
row, two threads at once, a run that died half-way), cancel, expiry, another user's id, and Google failures.
"""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import psycopg
import pytest

from emulator.testing import EmulatorServer
from server import accounts
from server.actions import (ActionBusy, ActionExpired, ActionFailed, ActionNotFound, InvalidAction, NotUndoable,
                            WrongState, cancel, confirm, get, list_open, propose, undo)
from server.actions import compose, service, store
from server.config import Config
from server.crypto import generate_key
from server.google import writes
from server.store import users
from workers import calendar_sync, drive_sync, gmail_sync
from workers import context as job_context

SAM = "sam@atlas.com"
NADIA = "nadia.petrova@partner.example"
DOC = "application/vnd.google-apps.document"


@pytest.fixture(scope="module")
def ctx(config: Config, emulator: EmulatorServer) -> Iterator[job_context.JobContext]:
    cfg = config.with_(google_api_base_url=emulator.url + "/", google_token_uri=emulator.url + "/token",
                       token_encryption_key=generate_key())
    ctx = job_context.from_config(cfg)
    yield ctx
    ctx.pool.close()


def connect(ctx: job_context.JobContext, emulator: EmulatorServer, email: str) -> users.User:
    tokens = emulator.control.create_user(email)
    return accounts.connect(ctx.pool, ctx.config, email, access_token=tokens["access_token"],
                            refresh_token=tokens["refresh_token"],
                            expires_at=datetime.now(timezone.utc) + timedelta(seconds=tokens["expires_in"]))


def _event(emu: EmulatorServer, event_id: str, title: str, start: str, end: str, attendees: list[str]) -> None:
    emu.control._call("POST", f"/users/{SAM}/events", json={
        "id": event_id, "summary": title, "start": {"dateTime": start}, "end": {"dateTime": end},
        "attendees": [{"email": a} for a in attendees]})


@pytest.fixture(scope="module")
def sam(ctx: job_context.JobContext, emulator: EmulatorServer) -> users.User:
    """Sam with a few emails, events and files in the emulator, fully synced into the index."""
    user = connect(ctx, emulator, SAM)
    control = emulator.control
    control.deliver(SAM, **{"from": f"Nadia Petrova <{NADIA}>", "subject": "Q4 budget draft", "id": "budget01",
                            "body": "Here is the draft budget.\nHeadcount is flat.", "date": "2023-11-28T09:12:00Z",
                            "messageId": "<budget-1@partner.example>"})
    control.deliver(SAM, **{"from": "promo@shop.example", "subject": "Weekend sale", "id": "promo01",
                            "body": "Everything half price.", "date": "2023-11-29T07:00:00Z"})
    control.deliver(SAM, **{"from": "li.wei@atlas.com", "subject": "Offsite agenda", "id": "agenda01",
                            "body": "Day one: planning. Day two: hike.", "date": "2023-11-29T10:00:00Z"})
    _event(emulator, "review0001", "Design review", "2023-11-30T15:00:00Z", "2023-11-30T15:30:00Z",
           [SAM, "aisha.chen@atlas.com", "bob@partner.example"])
    _event(emulator, "budget0001", "Budget sync", "2023-11-30T16:00:00Z", "2023-11-30T17:00:00Z", [SAM])
    _event(emulator, "retro00001", "Sprint retro", "2023-12-01T09:00:00Z", "2023-12-01T10:00:00Z", [SAM])
    _event(emulator, "rename0001", "Lunch", "2023-12-01T12:00:00Z", "2023-12-01T13:00:00Z", [SAM])
    control._call("POST", f"/users/{SAM}/files", json={
        "file": {"id": "docQ4", "name": "Q4 deck", "mimeType": DOC, "createdTime": "2023-11-01T09:00:00Z",
                 "modifiedTime": "2023-11-20T09:00:00Z"},
        "text": "Revenue grew 12% in Q4.",
        "permissions": [{"type": "user", "role": "writer", "emailAddress": "aisha.chen@atlas.com"}]})
    with accounts.google_for(ctx.pool, ctx.config, user) as g:
        for syncer in (gmail_sync, calendar_sync, drive_sync):
            syncer.full(ctx, g, user.id)
    return user


@pytest.fixture(scope="module")
def olga(ctx: job_context.JobContext, emulator: EmulatorServer) -> users.User:
    return connect(ctx, emulator, "olga@other.example")


@pytest.fixture(autouse=True)
def _no_faults(emulator: EmulatorServer) -> Iterator[None]:
    yield
    emulator.control.clear_faults()


# -- helpers -------------------------------------------------------------------------------------------


def state(emulator: EmulatorServer, email: str = SAM) -> dict[str, Any]:
    return emulator.control.state(email)["users"][email]


def sent(emulator: EmulatorServer, subject: str) -> list[dict[str, Any]]:
    return [m for m in state(emulator)["sent"] if m["subject"] == subject]


def emulator_event(emulator: EmulatorServer, event_id: str) -> dict[str, Any] | None:
    return next((e for e in state(emulator)["calendars"]["primary"] if e["id"] == event_id), None)


def emulator_file(emulator: EmulatorServer, file_id: str) -> dict[str, Any]:
    return next(f for f in state(emulator)["files"] if f["file"]["id"] == file_id)


def index(ctx: job_context.JobContext, sql: str, *params: Any) -> list[tuple]:
    with ctx.pool.connection() as conn:
        return conn.execute(sql, params).fetchall()


def make(ctx: job_context.JobContext, user: users.User, kind: str, args: dict[str, Any], **kw: Any):
    with ctx.pool.connection() as conn:
        return propose(conn, user.id, kind, args, **kw)


def run(ctx: job_context.JobContext, user: users.User, action: Any, **kw: Any):
    return confirm(ctx.pool, ctx.config, user, action.id, **kw)


def events_of(ctx: job_context.JobContext, user: users.User, action: Any) -> list[tuple[str, str]]:
    with ctx.pool.connection() as conn:
        return [(e, actor) for e, actor, _ in store.history(conn, user.id, action.id)]


# -- each kind -----------------------------------------------------------------------------------------


def test_send_email_previews_sends_once_and_is_indexed_but_not_undoable(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "send_email", {"to": ["Bob@Partner.example", "aisha.chen@atlas.com"],
                                           "subject": "Offsite plan", "body": "Let's meet Thursday."})
    p = action.preview
    assert action.state == "pending" and p["title"] == "Send “Offsite plan”"
    assert "To: bob@partner.example, aisha.chen@atlas.com" in p["lines"] and "Let's meet Thursday." in p["lines"]
    assert p["details"]["external"] == [{"email": "bob@partner.example", "domain": "partner.example"}]
    assert p["details"]["undoable"] is False

    done = run(ctx, sam, action)
    assert done.state == "done" and done.result["message_id"]
    [message] = sent(emulator, "Offsite plan")
    assert message["id"] == done.result["message_id"] and "bob@partner.example" in message["to"]
    assert message["messageId"] == compose.marker(action.id, SAM) and message["body"].strip() == "Let's meet Thursday."
    assert state(emulator)["drafts"] == [], "the draft it was sent from is gone"
    row = index(ctx, "SELECT subject, labels FROM gmail_cache WHERE user_id = %s AND email_id = %s", sam.id,
                message["id"])
    assert row and row[0][0] == "Offsite plan" and "SENT" in row[0][1]
    with pytest.raises(NotUndoable):
        undo(ctx.pool, ctx.config, sam, action.id)
    assert events_of(ctx, sam, action) == [("proposed", SAM), ("confirmed", SAM), ("done", SAM)]


def test_reply_goes_to_the_sender_in_the_thread(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "reply", {"email_id": "budget01", "body": "Thanks, looks good."})
    p = action.preview
    assert p["title"] == "Reply to “Q4 budget draft”"
    assert f"To: {NADIA}" in p["lines"] and "Subject: Re: Q4 budget draft" in p["lines"]
    assert any(line.startswith("In reply to Nadia Petrova") and "Tue 28 Nov 2023 09:12" in line
               for line in p["lines"])
    done = run(ctx, sam, action)
    [message] = sent(emulator, "Re: Q4 budget draft")
    original = next(m for m in state(emulator)["messages"] if m["id"] == "budget01")
    assert NADIA in message["to"] and message["inReplyTo"] == "<budget-1@partner.example>"
    assert message["threadId"] == original["threadId"] == done.result["thread_id"]
    assert message["body"].startswith("Thanks, looks good.") and "> Here is the draft budget." in message["body"]
    assert index(ctx, "SELECT thread_id FROM gmail_cache WHERE user_id = %s AND email_id = %s", sam.id,
                 message["id"]) == [(original["threadId"],)]


def test_forward_carries_the_original_to_new_recipients(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "forward", {"email_id": "agenda01", "to": ["carol@vendor.example"], "note": "FYI"})
    assert "Subject: Fwd: Offsite agenda" in action.preview["lines"]
    assert action.preview["details"]["external"] == [{"email": "carol@vendor.example", "domain": "vendor.example"}]
    run(ctx, sam, action)
    [message] = sent(emulator, "Fwd: Offsite agenda")
    assert "carol@vendor.example" in message["to"]
    body = message["body"]
    assert body.startswith("FYI") and "---------- Forwarded message ---------" in body
    assert "From: li.wei@atlas.com" in body and "Day one: planning." in body


def test_trash_then_undo_restores_the_email_in_google_and_the_index(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "trash_email", {"email_id": "promo01"})
    p = action.preview
    assert p["title"] == "Move “Weekend sale” to Trash"
    assert "From: Promo <promo@shop.example>" in p["lines"] and "Date: Wed 29 Nov 2023 07:00" in p["lines"]
    done = run(ctx, sam, action)
    assert done.undoable
    message = next(m for m in state(emulator)["messages"] if m["id"] == "promo01")
    assert message["trashed"] and "INBOX" not in message["labelIds"]
    assert index(ctx, "SELECT 1 FROM gmail_cache WHERE user_id = %s AND email_id = 'promo01'", sam.id) == []

    undone = undo(ctx.pool, ctx.config, sam, action.id)
    assert undone.state == "undone"
    message = next(m for m in state(emulator)["messages"] if m["id"] == "promo01")
    assert not message["trashed"] and "INBOX" in message["labelIds"]
    assert index(ctx, "SELECT subject FROM gmail_cache WHERE user_id = %s AND email_id = 'promo01'",
                 sam.id) == [("Weekend sale",)]
    assert undo(ctx.pool, ctx.config, sam, action.id).state == "undone", "undoing twice answers the same"


def test_create_event_uses_the_action_id_and_undo_deletes_it(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "create_event", {"title": "Zephyr kickoff", "start": "2023-11-30T15:15:00Z",
                                             "end": "2023-11-30T15:45:00", "attendees": ["bob@partner.example"]})
    p = action.preview
    assert p["title"] == "Create “Zephyr kickoff”" and "When: Thu 30 Nov 15:15–15:45" in p["lines"]
    assert "Invites (they get an email): bob@partner.example" in p["lines"]
    assert p["warnings"] == ["Overlaps “Design review” (Thu 30 Nov 15:00–15:30)."]
    done = run(ctx, sam, action)
    event = emulator_event(emulator, action.id.hex)
    assert done.result["event_id"] == action.id.hex and event["status"] == "confirmed"
    assert event["summary"] == "Zephyr kickoff" and [a["email"] for a in event["attendees"]] == ["bob@partner.example"]
    assert index(ctx, "SELECT title, start_time FROM gcal_cache WHERE user_id = %s AND event_id = %s", sam.id,
                 action.id.hex) == [("Zephyr kickoff", datetime(2023, 11, 30, 15, 15, tzinfo=timezone.utc))]

    undo(ctx.pool, ctx.config, sam, action.id)
    assert emulator_event(emulator, action.id.hex)["status"] == "cancelled"
    assert index(ctx, "SELECT 1 FROM gcal_cache WHERE user_id = %s AND event_id = %s", sam.id, action.id.hex) == []


def test_update_event_moves_keeping_its_length_and_undo_moves_it_back(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "update_event", {"event_id": "review0001", "start": "2023-11-30T16:00:00Z"})
    p = action.preview
    assert p["title"] == "Move “Design review”"
    assert "When: Thu 30 Nov 15:00–15:30 → 16:00–16:30" in p["lines"]
    assert "Attendees (they get the update): aisha.chen@atlas.com, bob@partner.example" in p["lines"]
    assert p["warnings"] == ["Overlaps “Budget sync” (Thu 30 Nov 16:00–17:00)."]
    run(ctx, sam, action)
    event = emulator_event(emulator, "review0001")
    assert (event["start"]["dateTime"], event["end"]["dateTime"]) == ("2023-11-30T16:00:00Z", "2023-11-30T16:30:00Z")
    assert index(ctx, "SELECT start_time, end_time FROM gcal_cache WHERE user_id = %s AND event_id = 'review0001'",
                 sam.id) == [(datetime(2023, 11, 30, 16, tzinfo=timezone.utc),
                              datetime(2023, 11, 30, 16, 30, tzinfo=timezone.utc))]
    undo(ctx.pool, ctx.config, sam, action.id)
    event = emulator_event(emulator, "review0001")
    assert (event["start"]["dateTime"], event["end"]["dateTime"]) == ("2023-11-30T15:00:00Z", "2023-11-30T15:30:00Z")
    assert index(ctx, "SELECT start_time FROM gcal_cache WHERE user_id = %s AND event_id = 'review0001'",
                 sam.id) == [(datetime(2023, 11, 30, 15, tzinfo=timezone.utc),)]


def test_update_event_renames_and_undo_restores_the_title(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "update_event", {"event_id": "rename0001", "title": "Team lunch"})
    assert action.preview["title"] == "Rename “Lunch”" and "Title: “Lunch” → “Team lunch”" in action.preview["lines"]
    assert "When: Fri 1 Dec 12:00–13:00" in action.preview["lines"]
    run(ctx, sam, action)
    assert emulator_event(emulator, "rename0001")["summary"] == "Team lunch"
    assert index(ctx, "SELECT title FROM gcal_cache WHERE user_id = %s AND event_id = 'rename0001'",
                 sam.id) == [("Team lunch",)]
    undo(ctx.pool, ctx.config, sam, action.id)
    assert emulator_event(emulator, "rename0001")["summary"] == "Lunch"
    assert emulator_event(emulator, "rename0001")["start"]["dateTime"] == "2023-12-01T12:00:00Z"


def test_delete_event_then_undo_restores_it(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "delete_event", {"event_id": "retro00001"})
    assert action.preview["title"] == "Delete “Sprint retro”"
    assert "When: Fri 1 Dec 09:00–10:00" in action.preview["lines"]
    run(ctx, sam, action)
    assert emulator_event(emulator, "retro00001")["status"] == "cancelled"
    assert index(ctx, "SELECT 1 FROM gcal_cache WHERE user_id = %s AND event_id = 'retro00001'", sam.id) == []
    undo(ctx.pool, ctx.config, sam, action.id)
    assert emulator_event(emulator, "retro00001")["status"] == "confirmed"
    assert index(ctx, "SELECT title FROM gcal_cache WHERE user_id = %s AND event_id = 'retro00001'",
                 sam.id) == [("Sprint retro",)]


def _emails_with_access(emulator: EmulatorServer, file_id: str) -> dict[str, str]:
    return {p.get("emailAddress"): p["role"] for p in emulator_file(emulator, file_id)["permissions"]}


def test_share_file_names_outsiders_and_existing_access_and_undo_removes_only_what_it_added(ctx, emulator,
                                                                                            sam) -> None:
    args = {"file_id": "docQ4", "emails": ["bob@partner.example", "aisha.chen@atlas.com"], "role": "reader"}
    from_index = make(ctx, sam, "share_file", args)
    with accounts.google_for(ctx.pool, ctx.config, sam) as g, ctx.pool.connection() as conn:
        action = propose(conn, sam.id, "share_file", args, google=g)
    for p in (from_index.preview, action.preview):
        assert p["title"] == "Share “Q4 deck”" and "Gains reader access: bob@partner.example" in p["lines"]
        assert "Already has access: aisha.chen@atlas.com (writer), left as it is" in p["lines"]
        assert p["details"]["external_domains"] == ["partner.example"]
        assert p["warnings"][0] == "Gives access outside atlas.com: bob@partner.example (partner.example)"
    assert "Shared now with: aisha.chen@atlas.com (writer)" in action.preview["lines"]
    cancel(ctx.pool, sam, from_index.id)

    before = _emails_with_access(emulator, "docQ4")
    run(ctx, sam, action)
    after = _emails_with_access(emulator, "docQ4")
    assert after == {**before, "bob@partner.example": "reader"} and after["aisha.chen@atlas.com"] == "writer"
    shared, text = index(ctx, "SELECT shared_with, content_text FROM gdrive_cache WHERE user_id = %s "
                              "AND file_id = 'docQ4'", sam.id)[0]
    assert {p["email"]: p["role"] for p in shared}["bob@partner.example"] == "reader"
    assert text == "Revenue grew 12% in Q4.", "sharing keeps the indexed text"

    undo(ctx.pool, ctx.config, sam, action.id)
    assert _emails_with_access(emulator, "docQ4") == before
    shared = index(ctx, "SELECT shared_with FROM gdrive_cache WHERE user_id = %s AND file_id = 'docQ4'", sam.id)
    assert "bob@partner.example" not in {p["email"] for p in shared[0][0]}


# -- exactly once --------------------------------------------------------------------------------------


def test_a_retried_confirm_answers_the_first_result_without_sending_again(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "send_email", {"to": ["bob@partner.example"], "subject": "Twice?", "body": "Once."})
    first = run(ctx, sam, action)
    again = run(ctx, sam, action)
    assert again.state == "done" and again.result == first.result
    assert len(sent(emulator, "Twice?")) == 1


@pytest.mark.parametrize("kind, args", [
    ("send_email", {"to": ["bob@partner.example"], "subject": "Race", "body": "Who wins?"}),
    ("create_event", {"title": "Race event", "start": "2023-12-05T10:00:00Z", "end": "2023-12-05T11:00:00Z"}),
])
def test_two_concurrent_confirms_run_it_once(ctx, emulator, sam, kind, args) -> None:
    action = make(ctx, sam, kind, args)
    # Slow Google down so that the second confirm arrives while the first is running.
    emulator.control.fault("gmail.users.drafts.send" if kind == "send_email" else "calendar.events.insert",
                           200, count=1, delay_ms=300)
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def confirm_it() -> None:
        barrier.wait()
        results.append(run(ctx, sam, action))

    threads = [threading.Thread(target=confirm_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 2 and all(r.state == "done" for r in results)
    assert results[0].result == results[1].result
    if kind == "send_email":
        assert len(sent(emulator, "Race")) == 1
    else:
        assert [e["id"] for e in state(emulator)["calendars"]["primary"] if e.get("summary") == "Race event"] == \
            [action.id.hex]
    with ctx.pool.connection() as conn:
        assert [e for e, _, _ in store.history(conn, sam.id, action.id)].count("confirmed") == 1


def _start(ctx, sam, action) -> store.PendingAction:
    """What a confirm does before it calls Google: the action is `running` (as if its process then died)."""
    with ctx.pool.connection() as conn, conn.transaction():
        running, _ = store.start(conn, sam.id, action.id, SAM, datetime.now(timezone.utc))
    return running


def test_a_send_that_died_after_drafting_is_resumed_and_sent_once(ctx, emulator, sam) -> None:
    recorded = make(ctx, sam, "send_email", {"to": ["bob@partner.example"], "subject": "Resume A", "body": "a"})
    unrecorded = make(ctx, sam, "send_email", {"to": ["bob@partner.example"], "subject": "Resume B", "body": "b"})
    with accounts.google_for(ctx.pool, ctx.config, sam) as g:
        for action, subject in ((recorded, "Resume A"), (unrecorded, "Resume B")):
            running = _start(ctx, sam, action)
            raw = compose.build(sender=SAM, to=["bob@partner.example"], subject=subject, body="x",
                                message_id=compose.marker(action.id, SAM))
            draft = writes.create_draft(g, raw)
            if action is recorded:  # died after recording the draft; the other died just before
                with ctx.pool.connection() as conn, conn.transaction():
                    store.checkpoint(conn, running, {"draft_id": draft["id"]})
    for action, subject in ((recorded, "Resume A"), (unrecorded, "Resume B")):
        done = run(ctx, sam, action)
        assert done.state == "done" and len(sent(emulator, subject)) == 1
        assert [e for e, _ in events_of(ctx, sam, action)] == ["proposed", "confirmed", "resumed", "done"]
    assert not [d for d in state(emulator)["drafts"] if d["message"]["subject"].startswith("Resume")]


def test_a_send_that_died_after_sending_is_not_sent_again(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "send_email", {"to": ["bob@partner.example"], "subject": "Resume C", "body": "c"})
    _start(ctx, sam, action)
    with accounts.google_for(ctx.pool, ctx.config, sam) as g:
        raw = compose.build(sender=SAM, to=["bob@partner.example"], subject="Resume C", body="c",
                            message_id=compose.marker(action.id, SAM))
        message = writes.send_draft(g, writes.create_draft(g, raw)["id"])
    done = run(ctx, sam, action)
    assert done.result["message_id"] == message["id"] and len(sent(emulator, "Resume C")) == 1


def test_a_create_that_died_after_google_made_the_event_adopts_it(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "create_event", {"title": "Adopted", "start": "2023-12-06T10:00:00Z",
                                             "end": "2023-12-06T10:30:00Z"})
    _start(ctx, sam, action)
    with accounts.google_for(ctx.pool, ctx.config, sam) as g:
        writes.insert_event(g, {"id": action.id.hex, "summary": "Adopted",
                                "start": {"dateTime": "2023-12-06T10:00:00Z"},
                                "end": {"dateTime": "2023-12-06T10:30:00Z"}})
    done = run(ctx, sam, action)
    assert done.state == "done" and done.result["event_id"] == action.id.hex
    assert [e["id"] for e in state(emulator)["calendars"]["primary"] if e.get("summary") == "Adopted"] == \
        [action.id.hex]
    assert index(ctx, "SELECT title FROM gcal_cache WHERE user_id = %s AND event_id = %s", sam.id,
                 action.id.hex) == [("Adopted",)]


def test_a_confirm_waiting_too_long_for_a_running_one_is_told_it_is_in_progress(ctx, sam) -> None:
    action = make(ctx, sam, "trash_email", {"email_id": "agenda01"})
    with psycopg.connect(ctx.config.database_url, autocommit=True) as other:
        with service.run_lock(other, action.id, wait=1):
            with pytest.raises(ActionBusy):
                run(ctx, sam, action, wait=0.2)
    with ctx.pool.connection() as conn:
        assert get(conn, sam.id, action.id).state == "pending"
    cancel(ctx.pool, sam, action.id)


# -- refusals ------------------------------------------------------------------------------------------


def test_cancel_then_confirm_is_refused(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "send_email", {"to": ["bob@partner.example"], "subject": "Never", "body": "no"})
    with ctx.pool.connection() as conn:
        assert action.id in {a.id for a in list_open(conn, sam.id)}
    assert cancel(ctx.pool, sam, action.id).state == "cancelled"
    assert cancel(ctx.pool, sam, action.id).state == "cancelled", "cancelling twice is fine"
    with pytest.raises(WrongState) as refused:
        run(ctx, sam, action)
    assert refused.value.state == "cancelled"
    with pytest.raises(WrongState):
        undo(ctx.pool, ctx.config, sam, action.id)
    with ctx.pool.connection() as conn:
        assert action.id not in {a.id for a in list_open(conn, sam.id)}
    assert sent(emulator, "Never") == []
    assert [e for e, _ in events_of(ctx, sam, action)] == ["proposed", "cancelled"]


def test_an_expired_action_is_refused_and_marked_expired(ctx, emulator, sam) -> None:
    then = datetime.now(timezone.utc) - timedelta(hours=1)
    action = make(ctx, sam, "send_email", {"to": ["bob@partner.example"], "subject": "Too late", "body": "x"},
                  now=then, ttl=timedelta(minutes=15))
    assert action.expires_at == then + timedelta(minutes=15)
    with ctx.pool.connection() as conn:
        assert action.id not in {a.id for a in list_open(conn, sam.id)}
    with pytest.raises(ActionExpired):
        run(ctx, sam, action)
    with pytest.raises(ActionExpired):
        run(ctx, sam, action)
    with ctx.pool.connection() as conn:
        assert get(conn, sam.id, action.id).state == "expired"
    assert sent(emulator, "Too late") == []
    assert [e for e, _ in events_of(ctx, sam, action)] == ["proposed", "expired"]


def test_another_users_action_is_not_found_and_never_runs(ctx, emulator, sam, olga) -> None:
    theirs = make(ctx, olga, "send_email", {"to": ["bob@partner.example"], "subject": "Olga's", "body": "mine"})
    for attempt in (lambda: run(ctx, sam, theirs), lambda: cancel(ctx.pool, sam, theirs.id),
                    lambda: undo(ctx.pool, ctx.config, sam, theirs.id),
                    lambda: confirm(ctx.pool, ctx.config, sam, uuid.uuid4()),
                    lambda: confirm(ctx.pool, ctx.config, sam, "not-a-uuid")):
        with pytest.raises(ActionNotFound):
            attempt()
    with ctx.pool.connection() as conn:
        assert get(conn, sam.id, theirs.id) is None
        assert get(conn, olga.id, theirs.id).state == "pending"
    assert sent(emulator, "Olga's") == [] and state(emulator, "olga@other.example")["sent"] == []


def test_bad_proposals_are_refused_before_anything_is_stored(ctx, sam) -> None:
    cases = [("launch_rocket", {}), ("send_email", {"to": [], "subject": "x", "body": "y"}),
             ("send_email", {"to": ["not-an-address"], "subject": "x", "body": "y"}),
             ("trash_email", {"email_id": "promo01", "permanently": True}),
             ("trash_email", {"email_id": "no-such-mail"}), ("update_event", {"event_id": "nope00001", "title": "x"}),
             ("update_event", {"event_id": "review0001"}), ("share_file", {"file_id": "docQ4", "emails": ["a@b.c"],
                                                                           "role": "owner"})]
    with ctx.pool.connection() as conn:
        before = conn.execute("SELECT count(*) FROM pending_actions WHERE user_id = %s", (sam.id,)).fetchone()[0]
        for kind, args in cases:
            with pytest.raises(InvalidAction):
                propose(conn, sam.id, kind, args)
        after = conn.execute("SELECT count(*) FROM pending_actions WHERE user_id = %s", (sam.id,)).fetchone()[0]
    assert after == before


# -- Google failures -----------------------------------------------------------------------------------


def test_a_send_google_refuses_fails_cleanly(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "send_email", {"to": ["bob@partner.example"], "subject": "Outage", "body": "x"})
    emulator.control.fault("gmail.users.drafts.send", 503, count=3)  # the call and both retries
    with pytest.raises(ActionFailed) as failed:
        run(ctx, sam, action)
    assert failed.value.kind == "unavailable" and "nothing was changed" in failed.value.message
    with ctx.pool.connection() as conn:
        stored = get(conn, sam.id, action.id)
    assert stored.state == "failed" and "unavailable" in stored.error
    assert sent(emulator, "Outage") == []
    assert not [d for d in state(emulator)["drafts"] if d["message"]["subject"] == "Outage"], "no stray draft"
    assert index(ctx, "SELECT 1 FROM gmail_cache WHERE user_id = %s AND subject = 'Outage'", sam.id) == []
    with pytest.raises(WrongState):
        run(ctx, sam, action)
    assert [e for e, _ in events_of(ctx, sam, action)] == ["proposed", "confirmed", "failed"]


def test_a_share_that_fails_half_way_takes_back_what_it_added(ctx, emulator, sam) -> None:
    before = _emails_with_access(emulator, "docQ4")
    action = make(ctx, sam, "share_file", {"file_id": "docQ4", "emails": ["dan@atlas.com", "eve@partner.example"],
                                           "role": "commenter"})
    emulator.control.fault("drive.permissions.create", 200, count=1)  # the first goes through
    emulator.control.fault("drive.permissions.create", 500, count=3)  # the second fails, retries too
    with pytest.raises(ActionFailed) as failed:
        run(ctx, sam, action)
    assert failed.value.kind == "unavailable"
    assert _emails_with_access(emulator, "docQ4") == before
    shared = index(ctx, "SELECT shared_with FROM gdrive_cache WHERE user_id = %s AND file_id = 'docQ4'", sam.id)
    assert {p["email"] for p in shared[0][0]} == {e for e in before if e != SAM}


def test_a_move_google_refuses_changes_nothing(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "update_event", {"event_id": "budget0001", "start": "2023-11-30T18:00:00Z"})
    emulator.control.fault("calendar.events.patch", 500, count=3)
    with pytest.raises(ActionFailed):
        run(ctx, sam, action)
    assert emulator_event(emulator, "budget0001")["start"]["dateTime"] == "2023-11-30T16:00:00Z"
    assert index(ctx, "SELECT start_time FROM gcal_cache WHERE user_id = %s AND event_id = 'budget0001'",
                 sam.id) == [(datetime(2023, 11, 30, 16, tzinfo=timezone.utc),)]


def test_an_undo_google_refuses_keeps_the_action_done_and_can_be_retried(ctx, emulator, sam) -> None:
    action = make(ctx, sam, "trash_email", {"email_id": "agenda01"})
    run(ctx, sam, action)
    emulator.control.fault("gmail.users.messages.untrash", 503, count=3)
    with pytest.raises(ActionFailed):
        undo(ctx.pool, ctx.config, sam, action.id)
    with ctx.pool.connection() as conn:
        stored = get(conn, sam.id, action.id)
    assert stored.state == "done" and stored.error.startswith("Undo failed")
    assert undo(ctx.pool, ctx.config, sam, action.id).state == "undone"
    assert not next(m for m in state(emulator)["messages"] if m["id"] == "agenda01")["trashed"]


def test_a_revoked_grant_fails_the_run_and_then_keeps_new_confirms_pending(ctx, emulator) -> None:
    leaver = connect(ctx, emulator, "leaver@atlas.com")
    first = make(ctx, leaver, "send_email", {"to": ["bob@partner.example"], "subject": "Bye", "body": "x"})
    second = make(ctx, leaver, "send_email", {"to": ["bob@partner.example"], "subject": "Bye 2", "body": "y"})
    emulator.control.revoke("leaver@atlas.com")
    with ctx.pool.connection() as conn:  # our copy of the token looks expired, so google-auth must refresh
        conn.execute("UPDATE users SET token_expires_at = now() - interval '1 minute' WHERE id = %s", (leaver.id,))
        leaver = users.get(conn, leaver.id)
    with pytest.raises(ActionFailed) as failed:
        run(ctx, leaver, first)
    assert failed.value.kind == "auth_required"
    with ctx.pool.connection() as conn:
        assert get(conn, leaver.id, first.id).state == "failed"
        leaver = users.get(conn, leaver.id)
    assert leaver.needs_reauth
    with pytest.raises(ActionFailed) as refused:
        run(ctx, leaver, second)
    assert refused.value.kind == "auth_required"
    with ctx.pool.connection() as conn:
        assert get(conn, leaver.id, second.id).state == "pending", "it can still run after reconnecting"
    assert state(emulator, "leaver@atlas.com")["sent"] == []
