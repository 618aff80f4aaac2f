"""/api/v1/actions through the Flask test client: the demo user's actions only, JSON in and out, and the error
statuses (404 for unknown and other people's ids alike, 409 wrong state, 410 expired, 503 when Google fails)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from flask import Flask

from emulator.testing import EmulatorServer
from server import accounts
from server.actions import propose
from server.app import create_app
from server.config import Config
from server.store import users
from workers import gmail_sync
from tests.support.emulated import connect, emulated

SAM = "sam@atlas.com"


@pytest.fixture(scope="module")
def api(config: Config, emulator: EmulatorServer) -> Iterator[Flask]:
    cfg = emulated(config, emulator)
    app = create_app(cfg)
    yield app
    app.extensions["wo"].close()


@pytest.fixture(scope="module")
def people(api: Flask, emulator: EmulatorServer) -> dict[str, users.User]:
    """Sam (the demo user, connected, two emails synced) and Olga (someone else with actions of her own)."""
    svc = api.extensions["wo"]
    sam = connect(svc, emulator, SAM)
    for message_id, subject in (("promo01", "Weekend sale"), ("promo02", "Flash sale")):
        emulator.control.deliver(SAM, **{"from": "promo@shop.example", "subject": subject, "id": message_id,
                                         "body": "Everything half price."})
    with accounts.google_for(svc.pool, svc.config, sam) as g:
        gmail_sync.full(svc, g, sam.id)
    with svc.pool.connection() as conn:
        olga = users.upsert(conn, "olga@other.example")
    return {"sam": sam, "olga": olga}


@pytest.fixture
def client(api: Flask) -> Any:
    return api.test_client()


@pytest.fixture(autouse=True)
def _no_faults(emulator: EmulatorServer) -> Iterator[None]:
    yield
    emulator.control.clear_faults()


def make(api: Flask, user: users.User, kind: str, args: dict[str, Any], **kw: Any) -> str:
    with api.extensions["wo"].pool.connection() as conn:
        return str(propose(conn, user.id, kind, args, **kw).id)


def sent(emulator: EmulatorServer, subject: str) -> list[dict[str, Any]]:
    return [m for m in emulator.control.state(SAM)["users"][SAM]["sent"] if m["subject"] == subject]


def mail(subject: str) -> dict[str, Any]:
    return {"to": ["bob@partner.example"], "subject": subject, "body": "Hello Bob."}


def test_list_and_get_show_only_the_users_own_actions(api, client, people) -> None:
    mine = make(api, people["sam"], "send_email", mail("Listed"))
    theirs = make(api, people["olga"], "send_email", mail("Hers"))
    listed = client.get("/api/v1/actions")
    assert listed.status_code == 200
    ids = [a["id"] for a in listed.get_json()["actions"]]
    assert mine in ids and theirs not in ids
    one = client.get(f"/api/v1/actions/{mine}")
    body = one.get_json()
    assert one.status_code == 200 and body["state"] == "pending" and body["kind"] == "send_email"
    assert body["preview"]["title"] == "Send “Listed”" and "To: bob@partner.example" in body["preview"]["lines"]
    assert body["args"]["subject"] == "Listed" and body["undo"] == {"possible": False, "reason": None}
    assert body["expires_at"] and body["result"] is None
    unknown = [client.get(f"/api/v1/actions/{x}") for x in (theirs, uuid.uuid4(), "not-an-id")]
    assert {r.status_code for r in unknown} == {404}
    assert len({(r.get_json()["error"], r.get_json()["message"]) for r in unknown}) == 1, \
        "another user's action looks exactly like one that does not exist"


def test_confirm_runs_it_once_and_a_retry_answers_the_same(api, client, emulator, people) -> None:
    action = make(api, people["sam"], "send_email", mail("Confirmed by REST"))
    first = client.post(f"/api/v1/actions/{action}/confirm")
    again = client.post(f"/api/v1/actions/{action}/confirm", json={})
    assert first.status_code == again.status_code == 200
    assert first.get_json()["state"] == "done" and first.get_json()["result"] == again.get_json()["result"]
    assert len(sent(emulator, "Confirmed by REST")) == 1
    refused = client.post(f"/api/v1/actions/{action}/undo")
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_undoable"
    assert action not in [a["id"] for a in client.get("/api/v1/actions").get_json()["actions"]]


def test_trash_then_undo(api, client, emulator, people) -> None:
    action = make(api, people["sam"], "trash_email", {"email_id": "promo01"})
    early = client.post(f"/api/v1/actions/{action}/undo")
    assert early.status_code == 409 and early.get_json()["error"] == "wrong_state"
    assert early.get_json()["state"] == "pending"
    done = client.post(f"/api/v1/actions/{action}/confirm").get_json()
    assert done["state"] == "done" and done["undo"] == {"possible": True, "reason": None}
    assert "undo" not in done["result"], "the undo recipe stays inside"
    undone = client.post(f"/api/v1/actions/{action}/undo")
    assert undone.status_code == 200 and undone.get_json()["state"] == "undone"
    message = next(m for m in emulator.control.state(SAM)["users"][SAM]["messages"] if m["id"] == "promo01")
    assert not message["trashed"]


def test_cancel_then_confirm_is_a_409(api, client, emulator, people) -> None:
    action = make(api, people["sam"], "send_email", mail("Cancelled by REST"))
    cancelled = client.post(f"/api/v1/actions/{action}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    refused = client.post(f"/api/v1/actions/{action}/confirm")
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "wrong_state" and refused.get_json()["state"] == "cancelled"
    assert sent(emulator, "Cancelled by REST") == []


def test_an_expired_action_is_a_410(api, client, emulator, people) -> None:
    action = make(api, people["sam"], "send_email", mail("Expired by REST"),
                  now=datetime.now(timezone.utc) - timedelta(hours=1))
    assert client.get(f"/api/v1/actions/{action}").get_json()["state"] == "expired"
    refused = client.post(f"/api/v1/actions/{action}/confirm")
    assert refused.status_code == 410 and refused.get_json()["error"] == "expired"
    assert client.post(f"/api/v1/actions/{action}/cancel").status_code == 410
    assert sent(emulator, "Expired by REST") == []


def test_another_users_action_is_a_404_and_nothing_runs(api, client, emulator, people) -> None:
    theirs = make(api, people["olga"], "send_email", mail("Not Sam's"))
    for verb in ("confirm", "cancel", "undo"):
        response = client.post(f"/api/v1/actions/{theirs}/{verb}")
        assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    with api.extensions["wo"].pool.connection() as conn:
        state = conn.execute("SELECT state FROM pending_actions WHERE id = %s", (theirs,)).fetchone()[0]
    assert state == "pending" and sent(emulator, "Not Sam's") == []


def test_a_google_outage_is_a_503_and_the_action_is_failed_with_its_error(api, client, emulator, people) -> None:
    action = make(api, people["sam"], "trash_email", {"email_id": "promo02"})
    emulator.control.fault("gmail.users.messages.trash", 503, count=3)
    response = client.post(f"/api/v1/actions/{action}/confirm")
    body = response.get_json()
    assert response.status_code == 503 and body["error"] == "unavailable" and body["kind"] == "unavailable"
    assert body["action"]["state"] == "failed" and "unavailable" in body["action"]["error"]
    again = client.post(f"/api/v1/actions/{action}/confirm")
    assert again.status_code == 409 and again.get_json()["state"] == "failed"
    message = next(m for m in emulator.control.state(SAM)["users"][SAM]["messages"] if m["id"] == "promo02")
    assert not message["trashed"]


@pytest.mark.parametrize("payload", [{"json": {"force": True}}, {"data": "yes please",
                                                                   "content_type": "text/plain"}])
def test_a_decision_with_a_body_is_a_400(api, client, people, payload) -> None:
    action = make(api, people["sam"], "send_email", mail("Bad body"))
    response = client.post(f"/api/v1/actions/{action}/confirm", **payload)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    assert client.get(f"/api/v1/actions/{action}").get_json()["state"] == "pending"
