"""The audit log through the Flask app: a confirm over REST records who, what, when, the request id and the face;
GET /api/v1/audit lists the signed-in person's own events only, newest first, page by page; each event is also one
JSON log line on `server.audit`."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from flask import Flask

from emulator.testing import EmulatorServer
from server.actions import propose
from server.app import create_app
from server.config import Config
from server.logs import JsonFormatter
from server.store import sessions, users
from tests.support.emulated import connect, emulated

SAM, OLGA = "sam@atlas.com", "olga@other.example"


@pytest.fixture(scope="module")
def api(config: Config, emulator: EmulatorServer) -> Iterator[Flask]:
    cfg = emulated(config, emulator)
    app = create_app(cfg)
    yield app
    app.extensions["wo"].close()


@pytest.fixture(scope="module")
def people(api: Flask, emulator: EmulatorServer) -> dict[str, Any]:
    """Sam (the demo user, connected to the emulator) and Olga (signed in with a bearer token)."""
    svc = api.extensions["wo"]
    made = {}
    for email in (SAM, OLGA):
        made[email] = connect(svc, emulator, email)
    with svc.pool.connection() as conn:
        olga_token = sessions.create(conn, made[OLGA].id, "bearer", "dev", timedelta(hours=1)).token
    return {"sam": made[SAM], "olga": made[OLGA], "olga_auth": {"Authorization": f"Bearer {olga_token}"}}


def make(api: Flask, user: users.User, subject: str, **args: Any) -> str:
    with api.extensions["wo"].pool.connection() as conn:
        return str(propose(conn, user.id, "send_email",
                           {"to": ["bob@partner.example"], "subject": subject, "body": "The secret body.",
                            **args}).id)


def test_a_rest_confirm_records_who_what_when_request_and_face(api, people, caplog) -> None:
    client = api.test_client()
    action = make(api, people["sam"], "Audited")
    with caplog.at_level(logging.INFO, logger="server.audit"):
        done = client.post(f"/api/v1/actions/{action}/confirm", headers={"X-Request-Id": "audit-req-1"})
    assert done.status_code == 200 and done.get_json()["state"] == "done"
    started = datetime.now(timezone.utc)
    page = client.get("/api/v1/audit").get_json()
    mine = [e for e in page["entries"] if e["action_id"] == action]
    assert [e["event"] for e in mine] == ["done", "confirmed", "proposed"]  # newest first
    done_entry, confirmed, proposed = mine
    assert confirmed["actor"] == SAM and confirmed["kind"] == "send_email"
    assert confirmed["request_id"] == done_entry["request_id"] == "audit-req-1"
    assert confirmed["face"] == "rest"
    assert confirmed["detail"]["recipients"] == ["bob@partner.example"]
    assert confirmed["detail"]["title"] == "Send “Audited”"
    assert abs(datetime.fromisoformat(confirmed["created_at"]) - started) < timedelta(minutes=1)
    assert done_entry["detail"]["result"]["message_id"]
    assert proposed["face"] is None and proposed["request_id"] is None  # proposed outside any request
    assert "The secret body." not in json.dumps(page), "no message body in the audit log"
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "server.audit"]
    logged = [line for line in lines if line["action_id"] == action]
    assert [line["event"] for line in logged] == ["confirmed", "done"]
    assert all(line["request_id"] == "audit-req-1" and line["face"] == "rest" and line["actor"] == SAM
               and line["kind"] == "send_email" for line in logged)


def test_each_person_sees_only_their_own_entries(api, people) -> None:
    client = api.test_client()
    sams = make(api, people["sam"], "Sam's")
    olgas = make(api, people["olga"], "Olga's")
    assert client.post(f"/api/v1/actions/{olgas}/cancel", headers=people["olga_auth"]).status_code == 200
    as_sam = client.get("/api/v1/audit?limit=200").get_json()["entries"]
    as_olga = client.get("/api/v1/audit?limit=200", headers=people["olga_auth"]).get_json()["entries"]
    assert sams in {e["action_id"] for e in as_sam} and olgas not in {e["action_id"] for e in as_sam}
    assert {e["action_id"] for e in as_olga} == {olgas}
    assert [e["event"] for e in as_olga] == ["cancelled", "proposed"] and as_olga[0]["actor"] == OLGA
    assert {e["actor"] for e in as_sam} == {SAM}


def test_pages_go_back_in_time_without_overlap(api, people) -> None:
    client = api.test_client()
    for i in range(3):
        make(api, people["sam"], f"Page {i}")
    everything = client.get("/api/v1/audit?limit=200").get_json()
    assert everything["next_before"] is None
    ids = [e["id"] for e in everything["entries"]]
    assert ids == sorted(ids, reverse=True) and len(ids) >= 3
    seen: list[int] = []
    before = None
    while True:
        page = client.get("/api/v1/audit", query_string={"limit": 2, **({"before": before} if before else {})})
        body = page.get_json()
        assert page.status_code == 200 and len(body["entries"]) <= 2
        seen += [e["id"] for e in body["entries"]]
        before = body["next_before"]
        if before is None:
            break
        assert before == body["entries"][-1]["id"]
    assert seen == ids


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=ten", "before=0", "before=x", "page=2"])
def test_bad_paging_parameters_are_a_400_naming_the_field(api, people, query) -> None:
    response = api.test_client().get(f"/api/v1/audit?{query}")
    body = response.get_json()
    assert response.status_code == 400 and body["error"] == "bad_request"
    assert query.split("=")[0] in body["message"]


def test_the_openapi_document_describes_the_audit_route(api) -> None:
    doc = api.test_client().get("/api/v1/openapi.json").get_json()
    get = doc["paths"]["/api/v1/audit"]["get"]
    limit = next(p for p in get["parameters"] if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
    entry = get["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["entries"]["items"]
    assert {"actor", "event", "kind", "request_id", "face", "created_at"} <= set(entry["properties"])
    assert "/metrics" in doc["paths"]
