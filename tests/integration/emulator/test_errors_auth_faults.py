"""Google-style errors for bad input, OAuth token handling, and injected faults."""

from __future__ import annotations

import json
import time

import pytest
import requests
from google.auth.exceptions import RefreshError
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from emulator.testing import ValidatingHttp, api_endpoint, request_builder


def error_of(exc: HttpError) -> dict:
    return json.loads(exc.content)["error"]


def test_malformed_json_body_is_400_parse_error(emu):
    req = emu.calendar.events().insert(calendarId="primary", body={"summary": "x"})
    req.body = '{"summary": "x",'  # break the serialized body before it is sent
    req.headers["content-length"] = str(len(req.body))
    with pytest.raises(HttpError) as err:
        req.execute()
    body = error_of(err.value)
    assert err.value.resp.status == 400 and body["status"] == "INVALID_ARGUMENT"
    assert body["errors"][0]["reason"] == "parseError"
    req = emu.gmail.users().messages().send(userId="me", body={"raw": "x"})
    req.body = "[not json"
    req.headers["content-length"] = str(len(req.body))
    with pytest.raises(HttpError) as err:
        req.execute()
    assert err.value.resp.status == 400


def test_error_body_is_exactly_googles(emu):
    with pytest.raises(HttpError) as err:
        emu.gmail.users().messages().get(userId="me", id="abc").execute()
    assert json.loads(err.value.content) == {"error": {
        "code": 404, "message": "Requested entity was not found.",
        "errors": [{"message": "Requested entity was not found.", "domain": "global", "reason": "notFound"}],
        "status": "NOT_FOUND"}}


def test_bad_gmail_query_is_400(emu):
    for q in ["from:(nadia", '"unclosed', "after:someday", "newer_than:2w", "subject:", "a OR"]:
        with pytest.raises(HttpError) as err:
            emu.gmail.users().messages().list(userId="me", q=q).execute()
        assert err.value.resp.status == 400, q
        assert error_of(err.value)["errors"][0]["reason"] == "invalidArgument"


def test_bad_parameters(emu):
    with pytest.raises(HttpError) as err:
        emu.gmail.users().history().list(userId="me", startHistoryId="abc").execute()
    assert err.value.resp.status == 400
    with pytest.raises(HttpError) as err:
        emu.gmail.users().messages().list(userId="me", pageToken="%%%").execute()
    assert err.value.resp.status == 400
    with pytest.raises(HttpError) as err:
        emu.drive.files().list(fields="files(id").execute()
    assert err.value.resp.status == 400


def test_unknown_route_and_missing_token_use_google_shape(emu):
    resp = requests.get(emu.url + "/gmail/v1/users/me/nothing-here")
    assert resp.status_code == 404 and resp.json()["error"]["status"] == "NOT_FOUND"
    # a client without credentials: no Authorization header at all
    anonymous = build("gmail", "v1", http=ValidatingHttp(emu.validator), static_discovery=True,
                      client_options={"api_endpoint": api_endpoint("gmail", emu.url)},
                      requestBuilder=request_builder(emu.validator))
    with pytest.raises(HttpError) as err:
        anonymous.users().getProfile(userId="me").execute()
    body = error_of(err.value)
    assert err.value.resp.status == 401 and body["status"] == "UNAUTHENTICATED"
    assert body["errors"][0] == {"message": "Invalid Credentials", "domain": "global", "reason": "authError",
                                 "locationType": "header", "location": "Authorization"}
    assert err.value.resp["www-authenticate"].startswith("Bearer")


def test_token_endpoint_refresh_and_invalid_grant(emu):
    ok = requests.post(emu.url + "/token", data={"grant_type": "refresh_token", "client_id": "c",
                                                 "client_secret": "s", "refresh_token": emu.tokens["refresh_token"]})
    assert ok.status_code == 200
    assert set(ok.json()) == {"access_token", "expires_in", "token_type", "scope"}
    assert ok.json()["token_type"] == "Bearer"
    bad = requests.post(emu.url + "/token", data={"grant_type": "refresh_token", "refresh_token": "nope"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    odd = requests.post(emu.url + "/token", data={"grant_type": "password"})
    assert odd.status_code == 400 and odd.json()["error"] == "unsupported_grant_type"


def test_expired_access_token_is_refreshed_transparently(emu):
    gmail = emu.gmail
    gmail.users().getProfile(userId="me").execute()
    emu.control.expire_tokens(emu.email)
    # google-auth sees the 401, refreshes at the emulator's /token and retries
    assert gmail.users().getProfile(userId="me").execute()["emailAddress"] == emu.email


def test_revoked_user_gets_invalid_grant(emu):
    gmail = emu.gmail
    emu.control.revoke(emu.email)
    with pytest.raises(RefreshError) as err:
        gmail.users().getProfile(userId="me").execute()
    assert "invalid_grant" in str(err.value)


def test_fault_429_with_retry_after_then_recovers(emu):
    emu.control.fault("gmail.users.getProfile", 429, count=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(HttpError) as err:
            emu.gmail.users().getProfile(userId="me").execute()
        assert err.value.resp.status == 429 and err.value.resp["retry-after"] == "7"
        assert error_of(err.value)["status"] == "RESOURCE_EXHAUSTED"
        assert error_of(err.value)["errors"][0]["reason"] == "rateLimitExceeded"
    assert emu.gmail.users().getProfile(userId="me").execute()["emailAddress"] == emu.email


def test_fault_5xx_retried_by_googleapiclient(emu):
    emu.control.fault("calendar.events.list", 503, count=1)
    emu.control.fault("calendar.events.list", 500, count=1)
    req = emu.calendar.events().list(calendarId="primary")
    req._sleep = lambda s: None  # no real backoff in tests
    assert req.execute(num_retries=2)["items"] == []
    faults = requests.get(emu.url + "/_emulator/faults").json()
    assert faults["faults"] == [] and faults["fired"] >= 2


def test_fault_401_triggers_refresh(emu):
    emu.control.fault("drive.files.list", 401, count=1)
    assert emu.drive.files().list().execute()["files"] == []


def test_fault_scoping_by_user_glob_and_slow_reply(emu):
    other = emu.control.create_user("kofi.mensah@atlas.com")
    emu.control.fault("gmail.*", 500, count=5, user="kofi.mensah@atlas.com")
    emu.gmail.users().getProfile(userId="me").execute()  # sam is unaffected
    with pytest.raises(HttpError) as err:
        emu.service("gmail", other).users().labels().list(userId="me").execute()
    assert err.value.resp.status == 500
    emu.control.clear_faults()
    emu.control.fault("*", 200, delay_ms=300)
    t0 = time.monotonic()
    emu.drive.files().list().execute()
    assert time.monotonic() - t0 >= 0.3
    t0 = time.monotonic()
    emu.drive.files().list().execute()
    assert time.monotonic() - t0 < 0.3
    bad = requests.post(emu.url + "/_emulator/faults", json={"method": "x", "status": 418})
    assert bad.status_code == 400


def test_batch_inner_fault_and_outer_fault(emu):
    emu.control.fault("gmail.users.getProfile", 503, count=1)
    results = {}
    batch = emu.batch("gmail", lambda rid, resp, exc: results.__setitem__(rid, (resp, exc)))
    batch.add(emu.gmail.users().getProfile(userId="me"), request_id="a")
    batch.add(emu.gmail.users().getProfile(userId="me"), request_id="b")
    batch.execute()
    statuses = sorted((exc.resp.status if exc else 200) for _, exc in results.values())
    assert statuses == [200, 503]
    emu.control.fault("batch", 503)
    batch = emu.batch("gmail")
    batch.add(emu.gmail.users().getProfile(userId="me"))
    with pytest.raises(HttpError) as err:
        batch.execute()
    assert err.value.resp.status == 503
