"""GET /api/v1/search: validation, the demo user's results only, and people resolution of `from`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.store import users, workspace_cache
from server.sync.gmail_message import GmailRow

NOW = datetime(2023, 11, 30, tzinfo=timezone.utc)


def _mail(i: int, subject: str, sender: str, name: str, days_ago: int) -> GmailRow:
    return GmailRow(f"m{i}", f"t{i}", subject, sender, name, [], f"{subject} body", subject, ["INBOX"], True,
                    False, received_at=NOW - timedelta(days=days_ago))


@pytest.fixture(scope="module")
def seeded(app) -> dict:
    pool = app.extensions["wo"].pool
    with pool.connection() as conn:
        sam = users.upsert(conn, "sam@atlas.com")
        other = users.upsert(conn, "other@elsewhere.example")
        workspace_cache.upsert_messages(conn, sam.id, [
            _mail(1, "Q4 budget review", "sarah.lee@finance.example", "Sarah Lee", 3),
            _mail(2, "Budget questions", "bob@vendor.example", "Bob Stone", 10),
            _mail(3, "Team lunch", "sarah.lee@finance.example", "Sarah Lee", 1),
        ])
        workspace_cache.upsert_messages(conn, other.id, [_mail(9, "Secret budget plan", "x@y.example", "X", 2)])
    return {"sam": sam, "other": other}


def test_a_search_returns_the_demo_users_hits_with_their_ranks(client, seeded) -> None:
    response = client.get("/api/v1/search", query_string={"q": "budget", "service": "gmail"})
    assert response.status_code == 200
    hits = response.get_json()["hits"]
    assert {h["id"] for h in hits} >= {"m1", "m2"} and "m9" not in {h["id"] for h in hits}
    assert hits[0]["ranks"]["fts"] is not None and hits[0]["link"].startswith("https://mail.google.com/")


def test_from_takes_a_name_and_dates_bound_the_window(client, seeded) -> None:
    response = client.get("/api/v1/search", query_string={"q": "budget", "from": "sarah", "service": "gmail",
                                                          "after": "2023-11-20", "before": "2023-11-30"})
    body = response.get_json()
    assert body["people"]["from"] == {"query": "sarah", "ambiguous": False,
                                      "matches": [{"email": "sarah.lee@finance.example", "name": "Sarah Lee"}]}
    hits = body["hits"]
    # not embedded yet: Sarah's mail in the window still rises through the filtered list (newest first)
    assert [h["id"] for h in hits] == ["m1", "m3", "m2"]
    assert [h["ranks"]["filtered"] for h in hits] == [2, 1, None]


@pytest.mark.parametrize("params, field", [
    ({}, "q"),
    ({"q": "x", "limit": "0"}, "limit"),
    ({"q": "x", "limit": "101"}, "limit"),
    ({"q": "x", "limit": "ten"}, "limit"),
    ({"q": "x", "after": "last tuesday"}, "after"),
    ({"q": "x", "after": "2023-11-20", "before": "2023-11-01"}, "after"),
    ({"q": "x", "service": "photos"}, "service"),
    ({"q": "x", "sort": "date"}, "sort"),
    ({"q": "x" * 501}, "q"),
])
def test_bad_parameters_are_a_400_naming_the_field(client, seeded, params, field) -> None:
    response = client.get("/api/v1/search", query_string=params)
    body = response.get_json()
    assert response.status_code == 400 and body["error"] == "bad_request"
    assert field in body["fields"] and field in body["message"]
