"""Hybrid search on real PostgreSQL + pgvector: fusion, filters, and per-user isolation through every filter."""
from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone

import numpy as np
import psycopg
import pytest
from pgvector.psycopg import register_vector

from server.embeddings.minilm import MiniLMEmbedder
from server.search import METHODS, SearchFilters, search
from server.store import workspace_cache
from server.sync.calendar_event import EventRow
from server.sync.drive_file import FileRow
from server.sync.gmail_message import GmailRow

NOW = datetime(2023, 11, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def model() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(scope="module")
def conn(database_url: str):
    with psycopg.connect(database_url, autocommit=True) as conn:
        register_vector(conn)
        yield conn


def _user(conn: psycopg.Connection, email: str) -> uuid.UUID:
    return conn.execute("INSERT INTO users (email) VALUES (%s) RETURNING id", (email,)).fetchone()[0]


def _mail(i: int, subject: str, body: str, sender: str, days_ago: int, labels=("INBOX",), attach=False):
    return GmailRow(f"m{i}", f"t{i}", subject, sender, sender.split("@")[0].title(),
                    [{"email": "me@example.com", "name": "", "kind": "to"}], body, body[:100], list(labels),
                    "UNREAD" not in labels, attach, received_at=NOW - timedelta(days=days_ago))


def _embed_all(conn: psycopg.Connection, model: MiniLMEmbedder, user: uuid.UUID) -> None:
    for service in ("gmail", "calendar", "drive"):
        while True:
            pass_, rows = workspace_cache.claim_for_embedding(conn, service, user, 64)
            if not rows:
                break
            workspace_cache.store_embeddings(conn, service, user, [r[0] for r in rows],
                                             model.embed([r[1] for r in rows]), pass_)


def _load(conn: psycopg.Connection, model: MiniLMEmbedder, email: str, flavour: str) -> uuid.UUID:
    """A small workspace; both users' workspaces share words and topics on purpose."""
    user = _user(conn, email)
    workspace_cache.upsert_messages(conn, user, [
        _mail(1, f"Q4 budget review ({flavour})", "The quarterly budget numbers are attached for review.",
              "sarah@finance.example", 3, attach=True),
        _mail(2, f"Lunch on Friday? ({flavour})", "Shall we try the new ramen place near the office?",
              "bob@friends.example", 1, labels=("INBOX", "UNREAD")),
        _mail(3, f"Invoice overdue ({flavour})", "Your invoice for cloud hosting is overdue; please pay.",
              "billing@vendor.example", 20),
        _mail(4, f"Flight booking confirmation ({flavour})", "Your flight to London is confirmed, ref ABC123.",
              "noreply@airline.example", 8),
    ])
    workspace_cache.upsert_events(conn, user, [
        EventRow(f"e1{flavour}", "primary", f"Budget planning ({flavour})", "Plan the 2024 budget",
                 NOW + timedelta(days=2), NOW + timedelta(days=2, hours=1), False,
                 [{"email": "sarah@finance.example", "name": "", "response_status": "accepted", "organizer": False}]),
        EventRow(f"e2{flavour}", "primary", f"Dentist ({flavour})", "", NOW + timedelta(days=5),
                 NOW + timedelta(days=5, hours=1), False, []),
    ])
    workspace_cache.upsert_files(conn, user, [
        FileRow(f"f1{flavour}", f"Q4 financial review deck ({flavour})", "application/vnd.google-apps.presentation",
                "Revenue, costs and the budget outlook", "Revenue", None, "https://docs.example/f1",
                [{"email": email, "name": ""}], [], modified_at=NOW - timedelta(days=10)),
        FileRow(f"f2{flavour}", f"Team offsite photos ({flavour})", "image/jpeg", "", "", None, "",
                [{"email": email, "name": ""}], [], modified_at=NOW - timedelta(days=40)),
    ])
    _embed_all(conn, model, user)
    return user


@pytest.fixture(scope="module")
def users(conn, model) -> dict[str, uuid.UUID]:
    return {"ann": _load(conn, model, "ann@a.example", "ann"), "ben": _load(conn, model, "ben@b.example", "ben")}


def test_hybrid_finds_by_meaning_and_by_words(conn, model, users) -> None:
    query = "emails about the budget"
    hits = search(conn, "gmail", users["ann"], query, model.embed([query])[0])
    assert hits[0].id == "m1" and hits[0].fts_rank == 1 and hits[0].vec_rank is not None
    trip = "my trip to London"
    hits = search(conn, "gmail", users["ann"], trip, model.embed([trip])[0])
    assert hits[0].id == "m4"
    assert hits[0].link.startswith("https://mail.google.com/") and hits[0].score > 0


def test_each_method_can_be_run_alone(conn, model, users) -> None:
    query = "quarterly numbers"
    vector = model.embed([query])[0]
    fts = search(conn, "gmail", users["ann"], query, vector, method="fts")
    assert [h.id for h in fts] == ["m1"] and fts[0].vec_rank is None
    vec = search(conn, "gmail", users["ann"], query, vector, method="vector")
    assert len(vec) == 4 and all(h.fts_rank is None for h in vec)


def test_filters_lift_matching_items_in_the_filtered_list(conn, model, users) -> None:
    query = "payment"
    hits = search(conn, "gmail", users["ann"], query, model.embed([query])[0],
                  SearchFilters(senders=["billing@vendor.example"]))
    assert hits[0].id == "m3" and hits[0].fvec_rank == 1
    filtered = search(conn, "gmail", users["ann"], query, model.embed([query])[0],
                      SearchFilters(senders=["billing@vendor.example"]), method="filtered")
    assert [h.id for h in filtered] == ["m3"]


@pytest.mark.parametrize("service, filters, expected", [
    ("gmail", SearchFilters(after=NOW - timedelta(days=5)), {"m1", "m2"}),
    ("gmail", SearchFilters(unread=True), {"m2"}),
    ("gmail", SearchFilters(has_attachment=True, labels=["INBOX"]), {"m1"}),
    ("gmail", SearchFilters(recipients=["me@example.com"], before=NOW - timedelta(days=5)), {"m3", "m4"}),
    ("gmail", SearchFilters(senders=["nobody@example.com"]), set()),
    ("calendar", SearchFilters(attendees=["sarah@finance.example"], after=NOW, before=NOW + timedelta(days=3)),
     {"e1ann"}),
    ("calendar", SearchFilters(after=NOW + timedelta(days=4)), {"e2ann"}),
    ("drive", SearchFilters(mime_types=["application/vnd.google-apps.presentation"]), {"f1ann"}),
    ("drive", SearchFilters(owners=["ann@a.example", "ben@b.example"], after=NOW - timedelta(days=30)), {"f1ann"}),
])
def test_the_filtered_list_holds_exactly_the_matching_items(conn, model, users, service, filters, expected) -> None:
    hits = search(conn, service, users["ann"], "budget review", model.embed(["budget review"])[0], filters,
                  method="filtered", limit=50)
    assert {h.id for h in hits} == expected


FILTER_SETS = [SearchFilters(), SearchFilters(senders=["sarah@finance.example"]),
               SearchFilters(after=NOW - timedelta(days=30), before=NOW + timedelta(days=30)),
               SearchFilters(attendees=["sarah@finance.example"]), SearchFilters(labels=["INBOX"], unread=False),
               SearchFilters(owners=["ann@a.example", "ben@b.example"]),
               SearchFilters(mime_types=["application/vnd.google-apps.presentation", "image/jpeg"])]


@pytest.mark.parametrize("service, method, filters", list(itertools.product(
    ("gmail", "calendar", "drive"), METHODS, FILTER_SETS)))
def test_no_user_ever_sees_the_other_users_items(conn, model, users, service, method, filters) -> None:
    for me, other in (("ann", "ben"), ("ben", "ann")):
        for query in ("budget review", f"budget review ({other})", other):
            hits = search(conn, service, users[me], query, model.embed([query])[0], filters, limit=50,
                          method=method)
            assert all(f"({other})" not in h.title and f"({me})" in h.title for h in hits), \
                (query, [h.title for h in hits])


def test_without_a_vector_full_text_still_answers(conn, users) -> None:
    hits = search(conn, "drive", users["ben"], "financial review", None)
    assert [h.id for h in hits] == ["f1ben"]


def test_the_recency_boost_favours_items_near_now(conn) -> None:
    user = _user(conn, "recency@example.com")
    workspace_cache.upsert_messages(conn, user, [_mail(1, "Booking confirmation", "Your booking", "a@b.example", 1),
                                                 _mail(2, "Booking confirmation", "Your booking", "a@b.example", 200)])
    plain = search(conn, "gmail", user, "booking", None, now=NOW)
    assert [h.id for h in plain] == ["m1", "m2"]  # equal matches: the newer first
    then = NOW - timedelta(days=200)
    boosted = search(conn, "gmail", user, "booking", None, now=then, recency=0.5)
    assert [h.id for h in boosted] == ["m2", "m1"] and boosted[0].score > plain[1].score


def test_date_order_lists_the_latest_or_the_first_matching_item(conn, model) -> None:
    user = _user(conn, "order@example.com")
    workspace_cache.upsert_messages(conn, user, [
        _mail(1, "Project update", "Status of the rollout", "nadia@atlas.example", 9),
        _mail(2, "Lunch?", "Ramen at noon", "nadia@atlas.example", 2),
        _mail(3, "Project update", "Final numbers", "kofi@atlas.example", 1),
        _mail(4, "Project kickoff", "Agenda", "nadia@atlas.example", 30),
    ])
    workspace_cache.upsert_events(conn, user, [
        EventRow(f"o{i}", "primary", title, "", start, start + timedelta(hours=1), False, [])
        for i, (title, start) in enumerate([("Standup", NOW + timedelta(days=13, hours=15)),
                                            ("Review", NOW + timedelta(days=13, hours=9)),
                                            ("Project checkpoint", NOW + timedelta(days=20)),
                                            ("Project checkpoint", NOW + timedelta(days=6)),
                                            ("Project checkpoint", NOW - timedelta(days=1))])])
    _embed_all(conn, model, user)
    from_nadia = SearchFilters(senders=["nadia@atlas.example"])
    assert [h.id for h in search(conn, "gmail", user, "", None, from_nadia, order="newest")] == ["m2", "m1", "m4"]
    # with a topic, the items with every word of it come first: "project update" is not "project kickoff"...
    latest = search(conn, "gmail", user, "project update", None, from_nadia, limit=2, order="newest")
    assert [h.id for h in latest] == ["m1", "m2"]
    # ...but a command's leftover words hide nothing: the latest mail from Nadia is still the latest
    leftover = search(conn, "gmail", user, "can you get rid of it", None, from_nadia, limit=1, order="newest")
    assert [h.id for h in leftover] == ["m2"]
    day = SearchFilters(after=NOW + timedelta(days=13), before=NOW + timedelta(days=14))
    assert [h.id for h in search(conn, "calendar", user, "", None, day, limit=1, order="oldest")] == ["o1"]
    upcoming = SearchFilters(after=NOW)
    assert [h.id for h in search(conn, "calendar", user, "project checkpoint", None, upcoming, limit=1,
                                 order="oldest")] == ["o3"]
    # no item with every word of the topic and nobody named: relevance decides, not the date order...
    fallback = search(conn, "gmail", user, "rollout status zebra", None, order="newest")
    assert fallback and fallback[0].id == "m1" and fallback[0].fts_rank == 1
    # ...but with a person named, the words left over ("she is off sick") do not reorder their mail
    named = search(conn, "gmail", user, "rollout status zebra", None, from_nadia, order="newest")
    assert [h.id for h in named][:1] == ["m2"]
