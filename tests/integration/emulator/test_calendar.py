"""Calendar v3 through googleapiclient: list filters, CRUD, idempotent insert, sync tokens, freeBusy."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError


def event(eid, summary, start, end, **extra):
    body = {"id": eid, "summary": summary, "start": {"dateTime": start}, "end": {"dateTime": end}}
    body.update(extra)
    return body


def seed(emu):
    ev = emu.calendar.events()
    ev.insert(calendarId="primary", body=event("standup01", "sync up", "2023-11-27T09:00:00Z",
                                               "2023-11-27T10:00:00Z",
                                               attendees=[{"email": "luis.ortiz@atlas.com"}])).execute()
    ev.insert(calendarId="primary", body=event("budget0001", "Budget review", "2023-11-28T14:00:00Z",
                                               "2023-11-28T15:30:00Z", location="Room 2.14",
                                               description="Q4 numbers")).execute()
    ev.insert(calendarId="primary", body=event("lunch0001", "Team lunch", "2023-12-01T12:00:00+01:00",
                                               "2023-12-01T13:00:00+01:00")).execute()


def ids(resp):
    return [e["id"] for e in resp["items"]]


def test_insert_fills_server_fields_and_is_idempotent(emu):
    ev = emu.calendar.events()
    created = ev.insert(calendarId="primary", body=event("abcdef123", "Planning", "2023-11-29T10:00:00Z",
                                                         "2023-11-29T11:00:00Z",
                                                         attendees=[{"email": "sam@atlas.com"},
                                                                    {"email": "amir.ali@atlas.com"}])).execute()
    assert created["status"] == "confirmed" and created["kind"] == "calendar#event"
    assert created["organizer"] == {"email": "sam@atlas.com", "self": True}
    assert created["attendees"][0]["self"] is True
    assert created["htmlLink"].startswith("https://www.google.com/calendar/event?eid=")
    with pytest.raises(HttpError) as err:
        ev.insert(calendarId="primary", body=event("abcdef123", "Again", "2023-11-29T10:00:00Z",
                                                   "2023-11-29T11:00:00Z")).execute()
    assert err.value.resp.status == 409 and err.value.error_details[0]["reason"] == "duplicate"
    generated = ev.insert(calendarId="sam@atlas.com", body={"summary": "No id", "start": {"date": "2023-12-24"},
                                                            "end": {"date": "2023-12-25"}}).execute()
    assert len(generated["id"]) == 26
    with pytest.raises(HttpError) as err:
        ev.insert(calendarId="primary", body={"id": "BAD_ID!", "summary": "x", "start": {"date": "2023-12-24"},
                                              "end": {"date": "2023-12-25"}}).execute()
    assert err.value.resp.status == 400
    with pytest.raises(HttpError) as err:
        ev.insert(calendarId="primary", body={"summary": "no end", "start": {"date": "2023-12-24"}}).execute()
    assert err.value.resp.status == 400 and "end" in err.value.reason


def test_list_time_window_query_and_ordering(emu):
    seed(emu)
    ev = emu.calendar.events()
    resp = ev.list(calendarId="primary", timeMin="2023-11-28T00:00:00Z", timeMax="2023-12-31T00:00:00Z",
                   singleEvents=True, orderBy="startTime").execute()
    assert ids(resp) == ["budget0001", "lunch0001"]
    assert resp["kind"] == "calendar#events" and resp["timeZone"] == "UTC"
    # an event ending exactly at timeMin is excluded; one overlapping it is included
    edge = ev.list(calendarId="primary", timeMin="2023-11-27T10:00:00Z", timeMax="2023-11-28T14:30:00Z").execute()
    assert ids(edge) == ["budget0001"]
    assert ids(ev.list(calendarId="primary", q="budget").execute()) == ["budget0001"]
    assert ids(ev.list(calendarId="primary", q="luis").execute()) == ["standup01"]
    assert ids(ev.list(calendarId="primary", q="room").execute()) == ["budget0001"]
    with pytest.raises(HttpError) as err:
        ev.list(calendarId="primary", orderBy="startTime").execute()
    assert err.value.resp.status == 400
    with pytest.raises(HttpError) as err:
        ev.list(calendarId="primary", timeMin="yesterday").execute()
    assert err.value.resp.status == 400
    with pytest.raises(HttpError) as err:
        ev.list(calendarId="someone.else@atlas.com").execute()
    assert err.value.resp.status == 404


def test_list_paging(emu):
    seed(emu)
    ev = emu.calendar.events()
    page1 = ev.list(calendarId="primary", maxResults=2, singleEvents=True, orderBy="startTime").execute()
    assert ids(page1) == ["standup01", "budget0001"] and "nextSyncToken" not in page1
    page2 = ev.list(calendarId="primary", maxResults=2, singleEvents=True, orderBy="startTime",
                    pageToken=page1["nextPageToken"]).execute()
    assert ids(page2) == ["lunch0001"] and "nextPageToken" not in page2 and page2["nextSyncToken"]


def test_get_patch_update_delete(emu):
    seed(emu)
    ev = emu.calendar.events()
    got = ev.get(calendarId="primary", eventId="budget0001").execute()
    assert got["location"] == "Room 2.14"
    patched = ev.patch(calendarId="primary", eventId="budget0001",
                       body={"location": "Room 3.01", "start": {"dateTime": "2023-11-28T15:00:00Z"},
                             "end": {"dateTime": "2023-11-28T16:00:00Z"}}).execute()
    assert patched["location"] == "Room 3.01" and patched["summary"] == "Budget review"
    assert patched["sequence"] == 1 and patched["etag"] != got["etag"]
    updated = ev.update(calendarId="primary", eventId="budget0001",
                        body={"summary": "Budget review (moved)", "start": {"dateTime": "2023-11-29T15:00:00Z"},
                              "end": {"dateTime": "2023-11-29T16:00:00Z"}}).execute()
    assert "location" not in updated and updated["created"] == got["created"]
    ev.delete(calendarId="primary", eventId="budget0001").execute()
    assert ev.get(calendarId="primary", eventId="budget0001").execute()["status"] == "cancelled"
    assert "budget0001" not in ids(ev.list(calendarId="primary").execute())
    assert "budget0001" in ids(ev.list(calendarId="primary", showDeleted=True).execute())
    with pytest.raises(HttpError) as err:
        ev.delete(calendarId="primary", eventId="budget0001").execute()
    assert err.value.resp.status == 410
    for call in (ev.get(calendarId="primary", eventId="nothere1"),
                 ev.patch(calendarId="primary", eventId="nothere1", body={"summary": "x"}),
                 ev.delete(calendarId="primary", eventId="nothere1")):
        with pytest.raises(HttpError) as err:
            call.execute()
        assert err.value.resp.status == 404


def test_sync_token_after_insert_patch_delete(emu):
    seed(emu)
    ev = emu.calendar.events()
    full = ev.list(calendarId="primary").execute()
    token = full["nextSyncToken"]
    assert len(full["items"]) == 3
    nothing = ev.list(calendarId="primary", syncToken=token).execute()
    assert nothing["items"] == [] and nothing["nextSyncToken"]

    ev.insert(calendarId="primary", body=event("fresh00001", "New", "2023-12-05T09:00:00Z",
                                               "2023-12-05T10:00:00Z")).execute()
    ev.patch(calendarId="primary", eventId="standup01", body={"summary": "sync up (renamed)"}).execute()
    ev.delete(calendarId="primary", eventId="lunch0001").execute()
    inc = ev.list(calendarId="primary", syncToken=token).execute()
    by_id = {e["id"]: e for e in inc["items"]}
    assert set(by_id) == {"fresh00001", "standup01", "lunch0001"}
    assert by_id["standup01"]["summary"] == "sync up (renamed)"
    assert by_id["lunch0001"]["status"] == "cancelled"
    # paging through an incremental result keeps the sync context
    inc1 = ev.list(calendarId="primary", syncToken=token, maxResults=2).execute()
    inc2 = ev.list(calendarId="primary", syncToken=token, maxResults=2, pageToken=inc1["nextPageToken"]).execute()
    assert {e["id"] for e in inc1["items"] + inc2["items"]} == set(by_id)
    again = ev.list(calendarId="primary", syncToken=inc["nextSyncToken"]).execute()
    assert again["items"] == []
    with pytest.raises(HttpError) as err:
        ev.list(calendarId="primary", syncToken=token, q="x").execute()
    assert err.value.resp.status == 400


def test_expired_and_invalidated_sync_tokens_are_410(emu):
    seed(emu)
    ev = emu.calendar.events()
    emu.control.clock(now="2023-11-30T00:00:00Z")
    token = ev.list(calendarId="primary").execute()["nextSyncToken"]
    emu.state.config.sync_token_ttl_seconds = 3600
    emu.control.clock(advance_seconds=3601)
    with pytest.raises(HttpError) as err:
        ev.list(calendarId="primary", syncToken=token).execute()
    assert err.value.resp.status == 410 and err.value.error_details[0]["reason"] == "fullSyncRequired"
    fresh = ev.list(calendarId="primary").execute()["nextSyncToken"]
    assert ev.list(calendarId="primary", syncToken=fresh).execute()["items"] == []
    emu.control._call("POST", f"/users/{emu.email}/calendar/invalidate_sync_tokens")
    with pytest.raises(HttpError) as err:
        ev.list(calendarId="primary", syncToken=fresh).execute()
    assert err.value.resp.status == 410
    with pytest.raises(HttpError) as err:
        ev.list(calendarId="primary", syncToken="garbage").execute()
    assert err.value.resp.status == 400


def test_recurring_event_expansion(emu):
    ev = emu.calendar.events()
    ev.insert(calendarId="primary", body=event("oneonone01", "Weekly 1:1", "2023-11-06T09:00:00Z",
                                               "2023-11-06T09:30:00Z",
                                               recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"])).execute()
    single = ev.list(calendarId="primary", singleEvents=True, orderBy="startTime",
                     timeMin="2023-11-10T00:00:00Z", timeMax="2023-12-31T00:00:00Z").execute()
    assert ids(single) == ["oneonone01_20231113T090000Z", "oneonone01_20231120T090000Z",
                           "oneonone01_20231127T090000Z"]
    assert single["items"][0]["recurringEventId"] == "oneonone01"
    assert "recurrence" not in single["items"][0]
    master = ev.list(calendarId="primary", timeMin="2023-11-10T00:00:00Z").execute()
    assert ids(master) == ["oneonone01"] and master["items"][0]["recurrence"]
    inst = ev.instances(calendarId="primary", eventId="oneonone01").execute()
    assert len(inst["items"]) == 4
    one = ev.get(calendarId="primary", eventId="oneonone01_20231120T090000Z").execute()
    assert one["start"]["dateTime"].startswith("2023-11-20T09:00:00")


def test_freebusy(emu):
    seed(emu)
    emu.calendar.events().insert(calendarId="primary", body=event(
        "overlap01", "Overlap", "2023-11-28T15:00:00Z", "2023-11-28T16:00:00Z")).execute()
    emu.calendar.events().insert(calendarId="primary", body=event(
        "free00001", "Focus (free)", "2023-11-28T08:00:00Z", "2023-11-28T09:00:00Z",
        transparency="transparent")).execute()
    resp = emu.calendar.freebusy().query(body={
        "timeMin": "2023-11-28T00:00:00Z", "timeMax": "2023-11-29T00:00:00Z",
        "items": [{"id": "primary"}, {"id": "ghost@atlas.com"}]}).execute()
    assert resp["calendars"]["primary"]["busy"] == [{"start": "2023-11-28T14:00:00Z", "end": "2023-11-28T16:00:00Z"}]
    assert resp["calendars"]["ghost@atlas.com"]["errors"][0]["reason"] == "notFound"
    with pytest.raises(HttpError) as err:
        emu.calendar.freebusy().query(body={"timeMin": "2023-11-28T00:00:00Z", "items": []}).execute()
    assert err.value.resp.status == 400


def test_calendar_metadata(emu):
    cal = emu.calendar.calendars().get(calendarId="primary").execute()
    assert cal["id"] == "sam@atlas.com" and cal["timeZone"] == "UTC"
    entries = emu.calendar.calendarList().list().execute()["items"]
    assert entries[0]["primary"] is True
