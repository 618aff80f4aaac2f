"""POST /api/v1/query, its SSE twin, conversations and the OpenAPI document, through the Flask app on the real
index, with the offline classifier (no LLM configured)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from server.store import users, workspace_cache
from server.sync.calendar_event import EventRow
from server.sync.gmail_message import GmailRow

NOW = "2023-11-30T00:00:00Z"
T0 = datetime(2023, 11, 30, tzinfo=timezone.utc)


def _mail(i: str, subject: str, sender: str, days_ago: float) -> GmailRow:
    return GmailRow(i, f"t{i}", subject, sender, sender.split("@")[0].title(),
                    [{"email": "sam@atlas.com", "name": "Sam", "kind": "to"}], f"{subject}.", subject, ["INBOX"],
                    True, False, received_at=T0 - timedelta(days=days_ago))


@pytest.fixture(scope="module")
def seeded(app) -> dict:
    pool = app.extensions["wo"].pool
    with pool.connection() as conn:
        sam = users.upsert(conn, "sam@atlas.com")
        other = users.upsert(conn, "eve@elsewhere.example")
        workspace_cache.upsert_messages(conn, sam.id, [
            _mail("b1", "Your Turkish Airlines booking SXK4QZ", "noreply@thy.example", 20),
            _mail("n1", "Budget draft", "nadia.moreau@atlas.com", 5),
            _mail("n2", "Lunch on Friday?", "nadia.moreau@atlas.com", 1),
        ])
        workspace_cache.upsert_events(conn, sam.id, [
            EventRow("tk1", "primary", "Flight to Istanbul (TK1980)", "Turkish Airlines", T0 + timedelta(days=9),
                     T0 + timedelta(days=9, hours=3), False, [])])
        workspace_cache.upsert_messages(conn, other.id, [_mail("e1", "Turkish Airlines booking", "a@b.example", 1)])
    return {"sam": sam, "other": other}


def test_a_query_answers_with_intent_plan_results_and_text(client, seeded) -> None:
    response = client.post("/api/v1/query", json={"query": "emails about my Turkish Airlines booking", "now": NOW})
    assert response.status_code == 200
    body = response.get_json()
    assert body["intent"]["service"] == "gmail" and body["intent"]["operation"] == "search"
    ids = [i["id"] for r in body["results"] for i in r["items"]]
    assert "b1" in ids and "e1" not in ids
    assert "Turkish Airlines booking" in body["answer"]["text"]
    assert body["pending_actions"] == [] and body["conversation_id"]


def test_a_change_is_only_proposed_and_a_retried_request_proposes_nothing_twice(client, seeded, app) -> None:
    ask = {"query": "Forward my most recent email from nadia to kofi@atlas.com", "now": NOW, "request_id": "r-1"}
    first = client.post("/api/v1/query", json=ask).get_json()
    assert [a["kind"] for a in first["pending_actions"]] == ["forward"]
    again = client.post("/api/v1/query", json=ask).get_json()
    assert again["pending_actions"] == first["pending_actions"]
    with app.extensions["wo"].pool.connection() as conn:
        count = conn.execute("SELECT count(*) FROM pending_actions WHERE user_id = %s AND kind = 'forward'",
                             (seeded["sam"].id,)).fetchone()[0]
    assert count == 1


def test_conversations_keep_their_turns_and_unknown_ones_are_404(client, seeded) -> None:
    created = client.post("/api/v1/conversations", json={"title": "Trip"})
    assert created.status_code == 201
    cid = created.get_json()["id"]
    client.post("/api/v1/query", json={"query": "my flight to Istanbul", "conversation_id": cid, "now": NOW})
    got = client.get(f"/api/v1/conversations/{cid}").get_json()
    assert got["title"] == "Trip" and [t["query"] for t in got["turns"]] == ["my flight to Istanbul"]
    assert cid in [c["id"] for c in client.get("/api/v1/conversations").get_json()["conversations"]]
    assert client.get("/api/v1/conversations/00000000-0000-0000-0000-000000000000").status_code == 404
    missing = client.post("/api/v1/query", json={"query": "x", "conversation_id": "00000000-0000-0000-0000-"
                                                                                  "000000000000"})
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"


def _ask(client, query: str, conversation_id: str | None = None) -> dict:
    body = {"query": query, "now": NOW, **({"conversation_id": conversation_id} if conversation_id else {})}
    return client.post("/api/v1/query", json=body).get_json()


def test_a_follow_up_acts_on_the_item_the_previous_answer_listed_without_searching_again(client, seeded) -> None:
    first = _ask(client, "emails from nadia")
    listed = [i["id"] for r in first["results"] for i in r["items"]]
    assert sorted(listed) == ["n1", "n2"]
    reply = _ask(client, "reply to the second one saying see you then", first["conversation_id"])
    assert [s["op"] for s in reply["plan"]["steps"]] == ["propose"]  # no new search
    (action,) = reply["pending_actions"]
    assert action["kind"] == "reply" and action["preview"]["details"]["email_id"] == listed[1]
    assert action["preview"]["details"]["body"] == "see you then"
    # A pointer past the end of the list is not guessed: the request is read as a request of its own.
    third = _ask(client, "forward the fifth one to kofi@atlas.com", first["conversation_id"])
    assert not any(a["preview"]["details"].get("email_id") in listed[1:] for a in third["pending_actions"])


def test_the_same_words_without_a_conversation_point_at_nothing(client, seeded) -> None:
    alone = _ask(client, "reply to the second one saying see you then")
    assert all(a["preview"]["details"].get("email_id") != "n1" for a in alone["pending_actions"])
    assert alone["plan"]["steps"][0]["op"] == "search"


def test_and_from_someone_reruns_the_previous_search_with_them(client, seeded, app) -> None:
    with app.extensions["wo"].pool.connection() as conn:
        workspace_cache.upsert_messages(conn, seeded["sam"].id, [
            _mail("k1", "Budget numbers for Q4", "kofi.mensah@atlas.com", 3)])
    first = _ask(client, "emails about the budget from nadia")
    assert [i["id"] for r in first["results"] for i in r["items"]][0] == "n1"
    then = _ask(client, "and from kofi?", first["conversation_id"])
    assert then["intent"]["text"] == "emails about the budget from kofi"
    assert [i["id"] for r in then["results"] for i in r["items"]] == ["k1"]
    assert then["answer"]["text"].startswith("(Taking that as “emails about the budget from kofi”.)")


@pytest.mark.parametrize("body, field", [({}, "query"), ({"query": ""}, "query"), ({"query": "x" * 2001}, "query"),
                                         ({"query": "x", "extra": 1}, "extra"),
                                         ({"query": "x", "now": "yesterday"}, "now"),
                                         ({"query": "x", "conversation_id": "nope"}, "conversation_id")])
def test_bad_bodies_are_400_with_the_field_named(client, seeded, body, field) -> None:
    response = client.post("/api/v1/query", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request" and field in response.get_json()["message"]


def test_the_stream_sends_pipeline_events_in_order_ending_with_done(client, seeded) -> None:
    response = client.post("/api/v1/query/stream", json={"query": "my Turkish Airlines flight", "now": NOW})
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    events = [line.split(": ", 1)[1] for line in response.get_data(as_text=True).splitlines()
              if line.startswith("event: ")]
    assert events[:3] == ["conversation", "intent", "plan"] and events[-1] == "done"
    assert "step_done" in events and "token" in events
    last = json.loads(response.get_data(as_text=True).strip().splitlines()[-1].split("data: ", 1)[1])
    assert "Turkish" in last["answer"]["text"]


def test_the_openapi_document_describes_the_query_body_from_its_schema(client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    body = doc["paths"]["/api/v1/query"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["query"] and body["properties"]["query"]["maxLength"] == 2000
    assert body["additionalProperties"] is False
    limit = next(p for p in doc["paths"]["/api/v1/search"]["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
