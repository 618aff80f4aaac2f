"""Demo data through the APIs, the state dump, snapshots, the loader contract and the CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import requests

from emulator.state import Config
from emulator.testing import EmulatorServer, build_service

ROOT = Path(__file__).resolve().parents[3]


def test_demo_world_through_the_apis(demo):
    from emulator.demo import load_demo

    data = load_demo()
    gmail, calendar, drive = demo.gmail, demo.calendar, demo.drive
    profile = gmail.users().getProfile(userId="me").execute()
    assert profile["messagesTotal"] == len(data.messages)

    # every demo message, fetched in full through batch requests, passes the schema check
    ids, req = [], gmail.users().messages().list(userId="me", includeSpamTrash=True, maxResults=500)
    while req is not None:
        resp = req.execute()
        ids += [m["id"] for m in resp.get("messages", [])]
        req = gmail.users().messages().list_next(req, resp)
    assert sorted(ids) == sorted(m["id"] for m in data.messages)
    fetched = {}
    for start in range(0, len(ids), 100):
        batch = demo.batch("gmail", lambda rid, resp, exc: fetched.__setitem__(rid, (resp, exc)))
        for mid in ids[start:start + 100]:
            batch.add(gmail.users().messages().get(userId="me", id=mid), request_id=mid)
        batch.execute()
    assert all(exc is None for _, exc in fetched.values()) and len(fetched) == len(ids)
    before = demo.validator.checked["gmail.users.messages.get"]
    assert before >= len(ids)

    events, req = [], calendar.events().list(calendarId="primary", singleEvents=True, orderBy="startTime",
                                             maxResults=100)
    while req is not None:
        resp = req.execute()
        events += resp["items"]
        req = calendar.events().list_next(req, resp)
    assert len(events) >= len([e for e in data.events if not e.get("recurrence")])
    starts = [e["start"].get("dateTime") or e["start"].get("date") for e in events]
    assert starts == sorted(starts)

    files = drive.files().list(fields="files(*)", pageSize=1000).execute()["files"]
    assert len(files) == len(data.files)
    exportable = {"application/vnd.google-apps.document": "text/plain",
                  "application/vnd.google-apps.presentation": "text/plain",
                  "application/vnd.google-apps.spreadsheet": "text/csv"}
    exported = 0
    for f in files:
        if f["mimeType"] in exportable:
            text = drive.files().export(fileId=f["id"], mimeType=exportable[f["mimeType"]]).execute()
            assert isinstance(text, bytes)
            exported += 1
    assert exported > 0

    nadia = gmail.users().messages().list(userId="me", q="from:nadia", maxResults=500).execute()["messages"]
    dump = demo.control.state(demo.email)["users"][demo.email]
    by_id = {m["id"]: m for m in dump["messages"]}
    assert nadia and all("nadia" in by_id[m["id"]]["from"].lower() for m in nadia)
    assert len(dump["calendars"]["primary"]) == len(data.events)
    assert len(dump["files"]) == len(data.files)


def test_state_dump_shape(emu):
    emu.control.deliver(emu.email, **{"from": "Nadia <nadia@atlas.com>", "subject": "Hi", "body": "Body text",
                                      "date": "2023-11-01T10:00:00Z"})
    dump = emu.control.state()
    assert set(dump) == {"clock", "users"}
    user = dump["users"]["sam@atlas.com"]
    assert set(user) == {"email", "historyId", "labels", "messages", "drafts", "sent", "watch", "calendars",
                         "files"}
    msg = user["messages"][0]
    assert msg["from"] == "Nadia <nadia@atlas.com>" and msg["body"].strip() == "Body text"
    assert msg["labelIds"] == ["INBOX", "UNREAD"] and msg["trashed"] is False
    assert msg["date"] == "2023-11-01T10:00:00.000Z"


def test_snapshot_round_trip(emu, tmp_path):
    emu.control.clock(now="2023-11-30T00:00:00Z")
    emu.control.deliver(emu.email, **{"from": "a@b.c", "subject": "kept", "body": "x"})
    emu.calendar.events().insert(calendarId="primary", body={
        "id": "keep00001", "summary": "Kept", "start": {"dateTime": "2023-12-01T09:00:00Z"},
        "end": {"dateTime": "2023-12-01T10:00:00Z"}}).execute()
    token = emu.calendar.events().list(calendarId="primary").execute()["nextSyncToken"]
    path = tmp_path / "snap.json"
    emu.control._call("POST", "/snapshot", json={"path": str(path)})
    before = emu.control.state()

    with EmulatorServer(Config(snapshot=str(path), snapshot_interval=3600)) as again:
        assert again.control.state() == before
        cal = build_service("calendar", again.url, emu.tokens)  # the old tokens still work
        assert cal.events().list(calendarId="primary", syncToken=token).execute()["items"] == []
        kid = list(requests.get(again.url + "/_emulator/oauth2/v1/certs").json())
    assert (tmp_path / "emulator_signing_key.pem").exists()
    with EmulatorServer(Config(snapshot=str(path), snapshot_interval=3600)) as third:
        assert list(requests.get(third.url + "/_emulator/oauth2/v1/certs").json()) == kid  # same key


def test_loader_contract_with_small_dicts(emu, monkeypatch):
    from emulator import loader

    raw = b"From: kofi@atlas.com\r\nTo: sam@atlas.com\r\nSubject: Hello\r\nDate: Mon, 2 Oct 2023 09:00:00 +0000\r\n\r\nHi"
    with emu.state.lock:
        n = loader.load_messages(emu.state, emu.email, [
            {"id": "00000001", "threadId": "00000001", "labelIds": ["INBOX", "UNREAD", "Work"],
             "internalDate": "1696237200000", "raw": raw},
            {"id": "00000002", "threadId": "00000001", "labelIds": ["INBOX"], "raw": raw.decode()}])
        loader.load_events(emu.state, emu.email, [{
            "id": "00000013", "summary": "sync up", "status": "confirmed",
            "start": {"dateTime": "2023-08-01T09:00:00Z", "timeZone": "UTC"},
            "end": {"dateTime": "2023-08-01T10:30:00Z", "timeZone": "UTC"},
            "attendees": [{"email": "luis.ortiz@atlas.com", "responseStatus": "accepted"}],
            "organizer": {"email": "sam@atlas.com"}, "creator": {"email": "sam@atlas.com"},
            "created": "2023-07-01T00:00:00.000Z", "updated": "2023-07-01T00:00:00.000Z"}])
        loader.load_files(emu.state, emu.email, [{
            "file": {"id": "doc1", "name": "Notes", "mimeType": "application/vnd.google-apps.document",
                     "owners": [{"displayName": "Sam", "emailAddress": "sam@atlas.com"}],
                     "createdTime": "2023-06-01T00:00:00.000Z", "modifiedTime": "2023-06-02T00:00:00.000Z",
                     "parents": ["root"], "webViewLink": "https://docs.google.com/document/d/doc1/edit"},
            "text": "notes", "permissions": [{"id": "p1", "type": "domain", "role": "reader",
                                              "domain": "atlas.com", "displayName": "Atlas"}]}])
    assert n == 2
    thread = emu.gmail.users().threads().get(userId="me", id="00000001").execute()
    assert [m["id"] for m in thread["messages"]] == ["00000002", "00000001"] or len(thread["messages"]) == 2
    assert emu.gmail.users().messages().get(userId="me", id="00000002", format="minimal").execute()[
        "internalDate"] == "1696237200000"  # from the Date header when internalDate is absent
    assert "Work" in {lab["name"] for lab in emu.gmail.users().labels().list(userId="me").execute()["labels"]}
    ev = emu.calendar.events().get(calendarId="primary", eventId="00000013").execute()
    assert ev["etag"] and ev["organizer"]["self"] is True
    assert emu.drive.permissions().list(fileId="doc1").execute()["permissions"][1]["domain"] == "atlas.com"
    # history starts after a bulk load
    start = emu.gmail.users().getProfile(userId="me").execute()["historyId"]
    assert "history" not in emu.gmail.users().history().list(userId="me", startHistoryId=start).execute()

    fake = types.ModuleType("emulator.demo.scale")
    fake.generate = lambda n_users, n_messages, seed=0: (
        (f"user{u}@scale.test", {"id": f"{u:04d}{i:012d}", "threadId": f"{u:04d}{i:012d}", "labelIds": ["INBOX"],
                                 "internalDate": str(1696237200000 + i), "raw": raw})
        for u in range(n_users) for i in range(n_messages))
    monkeypatch.setitem(sys.modules, "emulator.demo.scale", fake)
    out = emu.control.load(dataset="scale", users=3, messages=7)
    assert out["users"] == 3 and out["messages"] == 21 and len(out["tokens"]) == 4
    scaled = build_service("gmail", emu.url, next(t for t in out["tokens"] if t["email"] == "user2@scale.test"))
    assert scaled.users().getProfile(userId="me").execute()["messagesTotal"] == 7


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else "exited"
        try:
            if requests.get(url + "/_emulator/healthz", timeout=1).ok:
                return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise AssertionError("emulator did not start")


@pytest.mark.parametrize("server_kind", ["gunicorn", "werkzeug"])
def test_cli_serves_demo_and_saves_snapshot_on_exit(tmp_path, server_kind):
    port = _free_port()
    snap = tmp_path / "state.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", str(port), "--data", "demo",
           "--snapshot", str(snap), "--snapshot-interval", "3600", "--clock", "2023-11-30T00:00:00Z",
           "--server", server_kind]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        tokens = requests.post(url + "/_emulator/users", json={"email": "sam@atlas.com"}).json()
        gmail = build_service("gmail", url, tokens)
        assert gmail.users().getProfile(userId="me").execute()["messagesTotal"] > 500
        assert requests.get(url + "/_emulator/clock").json()["now"] == "2023-11-30T00:00:00.000Z"
        requests.post(url + "/_emulator/users/sam@atlas.com/messages",
                      json={"from": "cli@test", "subject": "persist me", "body": "x"}).raise_for_status()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    saved = json.loads(snap.read_text())
    raws = [m["raw"] for m in saved["users"]["sam@atlas.com"]["mailbox"]["messages"]]
    import base64
    assert any(b"persist me" in base64.b64decode(r) for r in raws)


def test_real_scale_generator_and_user_isolation(emu):
    out = emu.control.load(dataset="scale", users=3, messages=40)
    assert out == {**out, "users": 3, "messages": 120}
    tokens = {t["email"]: t for t in out["tokens"]}
    users = sorted(e for e in tokens if e.endswith("@scale.example"))
    a = build_service("gmail", emu.url, tokens[users[0]])
    b = build_service("gmail", emu.url, tokens[users[1]])
    a_ids = [m["id"] for m in a.users().messages().list(userId="me", maxResults=500,
                                                       includeSpamTrash=True).execute()["messages"]]
    assert len(a_ids) == 40
    full = a.users().messages().get(userId="me", id=a_ids[0]).execute()
    assert full["payload"]["headers"]
    from googleapiclient.errors import HttpError

    b_ids = {m["id"] for m in b.users().messages().list(userId="me", maxResults=500,
                                                       includeSpamTrash=True).execute()["messages"]}
    foreign = next(i for i in a_ids if i not in b_ids)
    with pytest.raises(HttpError) as err:
        b.users().messages().get(userId="me", id=foreign).execute()
    assert err.value.resp.status == 404
    with pytest.raises(HttpError) as err:
        b.users().getProfile(userId=users[0]).execute()
    assert err.value.resp.status == 403
