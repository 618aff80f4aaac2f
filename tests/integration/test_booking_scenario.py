"""The design's scenario, "Cancel my Turkish Airlines flight", through the whole product: the emulator holds the demo
trip's mail and calendar (the booking, an older booking already flown, a hotel booking and two airline
newsletters), the sync indexes them, and the request goes through POST /api/v1/query with the offline classifier.

The booking email and the calendar entry are looked up in parallel; a cancellation email is drafted and removing
the flight is offered; nothing is sent or changed until the person confirms, and confirming the draft only saves
a draft (the booking came from a no-reply address).
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest
from flask import Flask

from emulator.demo.travel import PAST, UPCOMING, travel_events, travel_messages
from emulator.loader import load_events, load_messages
from emulator.state import State
from emulator.testing import EmulatorServer
from server import accounts
from server.app import create_app
from server.config import Config
from workers import calendar_sync, gmail_sync
from tests.support.emulated import connect, emulated

SAM = "sam@atlas.com"
ASK = {"query": "Cancel my Turkish Airlines flight", "now": "2023-11-30T00:00:00Z"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    state = State()
    load_messages(state, SAM, travel_messages())
    load_events(state, SAM, travel_events())
    with EmulatorServer(state=state) as emu:
        yield emu


@pytest.fixture(scope="module")
def api(config: Config, emulator: EmulatorServer) -> Iterator[Flask]:
    cfg = emulated(config, emulator)
    app = create_app(cfg)
    svc = app.extensions["wo"]
    sam = connect(svc, emulator, SAM)
    with accounts.google_for(svc.pool, svc.config, sam) as g:
        gmail_sync.full(svc, g, sam.id)
        calendar_sync.full(svc, g, sam.id)
    yield app
    svc.close()


def _mailbox(emulator: EmulatorServer) -> dict[str, Any]:
    return emulator.control.state(SAM)["users"][SAM]


def _live_events(box: dict[str, Any]) -> set[str]:
    return {e["id"] for e in box["calendars"]["primary"] if e.get("status") != "cancelled"}


def test_the_booking_and_the_flight_are_found_at_once_and_only_proposals_come_back(api, emulator) -> None:
    body = api.test_client().post("/api/v1/query", json=ASK).get_json()

    assert body["intent"]["operation"] == "cancel_booking"
    steps = {s["id"]: s for s in body["plan"]["steps"]}
    first_wave = body["plan"]["groups"][0]
    assert {steps[i]["agent"] for i in first_wave} == {"gmail", "calendar"}  # both searches in one wave
    assert all(steps[i]["op"] == "search" for i in first_wave)
    found = {r["step"]: [i.get("id") for i in r["items"]] for r in body["results"]}
    gmail_step = next(i for i in first_wave if steps[i]["agent"] == "gmail")
    calendar_step = next(i for i in first_wave if steps[i]["agent"] == "calendar")
    assert found[gmail_step][0] == UPCOMING.message_id  # not the booking flown in September
    assert found[calendar_step] == [UPCOMING.event_id] and PAST.event_id not in found[calendar_step]

    kinds = {a["kind"]: a for a in body["pending_actions"]}
    assert set(kinds) == {"draft_email", "delete_event"}
    draft = kinds["draft_email"]["preview"]["details"]
    assert UPCOMING.pnr in draft["subject"] and UPCOMING.pnr in draft["body"]
    assert draft["to"] == []  # the booking came from noreply@thy.com: nobody reads mail sent there
    assert kinds["delete_event"]["preview"]["details"]["event_id"] == UPCOMING.event_id
    assert "Manage Booking" in body["answer"]["text"] and "no-reply" in body["answer"]["text"]

    box = _mailbox(emulator)
    assert box["sent"] == [] and box["drafts"] == []  # proposing sends and saves nothing
    assert UPCOMING.event_id in _live_events(box)


def test_confirming_the_draft_saves_one_draft_sends_nothing_and_undo_removes_it(api, emulator) -> None:
    client = api.test_client()
    body = client.post("/api/v1/query", json=ASK).get_json()
    action = next(a for a in body["pending_actions"] if a["kind"] == "draft_email")

    first = client.post(f"/api/v1/actions/{action['id']}/confirm")
    again = client.post(f"/api/v1/actions/{action['id']}/confirm")
    assert first.status_code == 200 and again.get_json() == first.get_json()
    box = _mailbox(emulator)
    assert box["sent"] == []
    assert [d["message"]["subject"] for d in box["drafts"]] == [f"Cancellation request: booking {UPCOMING.pnr}"]
    assert UPCOMING.event_id in _live_events(box)  # the flight stays until that is confirmed too

    assert client.post(f"/api/v1/actions/{action['id']}/undo").status_code == 200
    assert _mailbox(emulator)["drafts"] == []
