"""The endpoints Google calls — the add-on's callbacks (`/addon/*`) and the Gmail push webhook — refuse malformed
bodies with a 4xx JSON error, never a 500 and never a card or a queued sync: not JSON, JSON nested too deeply,
the wrong types where the event or the Pub/Sub envelope has structure, missing fields, strings past their bounds,
bad base64, and bodies hypothesis makes up. Each request carries a valid Google-signed token (the emulator's
signer), so what is exercised is the body's handling, not the token check in front of it."""
from __future__ import annotations

import base64
import json
from typing import Any, Iterator

import pytest
import redis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rq import Queue

from emulator.push import Signer
from emulator.testing import EmulatorServer
from server.app import create_app
from server.config import Config
from server.crypto import generate_key
from server.store import users
from tests.integration.test_addon import AGENT, BASE, event, system_token
from tests.integration.test_push_webhook import AUDIENCE, SERVICE_ACCOUNT, pubsub_body

SAM = "sam@atlas.com"
ADDON_PATHS = ["/addon/homepage", "/addon/gmail/message", "/addon/query", "/addon/conversation", "/addon/actions",
               "/addon/actions/show", "/addon/actions/confirm", "/addon/actions/cancel", "/addon/actions/undo",
               "/addon/propose", "/addon/share"]
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.filter_too_much])
# Any JSON value (objects, arrays, strings with any character, numbers of any size).
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                max_size=4), max_leaves=12)


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture(scope="module")
def signer(emu: EmulatorServer) -> Signer:
    return emu.app.extensions["emulator.signer"]


@pytest.fixture(scope="module")
def google_app(config: Config, emu: EmulatorServer) -> Iterator[Flask]:
    """The add-on and the push webhook both configured, the emulator's certs standing in for Google's."""
    certs = emu.url + "/_emulator/oauth2/v1/certs"
    app = create_app(config.with_(addon_base_url=BASE, addon_service_agent=AGENT, addon_certs_url=certs,
                                  push_audience=AUDIENCE, push_service_account=SERVICE_ACCOUNT, push_certs_url=certs,
                                  google_api_base_url=emu.url, token_encryption_key=generate_key()))
    with app.extensions["wo"].pool.connection() as conn:
        users.upsert(conn, SAM)
    yield app
    app.extensions["wo"].close()


@pytest.fixture(scope="module")
def tokens(signer: Signer) -> dict[str, str]:
    """A valid system token per add-on endpoint, and a valid push token (made once: signing takes a while)."""
    made = {path: system_token(signer, path) for path in ADDON_PATHS}
    made["push"] = signer.oidc_token(audience=AUDIENCE, email=SERVICE_ACCOUNT)
    return made


@pytest.fixture(scope="module")
def rdb(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def _send(app: Flask, path: str, token: str, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    if isinstance(body, (bytes, str)):
        return client.post(path, data=body, headers=headers, content_type="application/json")
    return client.post(path, json=body, headers=headers)


def _refused(response: Any, status: int | None = 400) -> dict[str, Any]:
    """The answer is a JSON error (of `status`, or any 4xx when None); returns its body."""
    assert response.content_type == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    if status is None:
        assert 400 <= response.status_code < 500, (response.status_code, body)
    else:
        assert response.status_code == status, (response.status_code, body)
    assert isinstance(body["error"], str) and body["message"] and "renderActions" not in body and "action" not in body
    return body


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _with(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A deep copy of `base` with the value at `path` replaced."""
    out = json.loads(json.dumps(base))
    node = out
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return out


# -- the add-on -----------------------------------------------------------------------------------------------

def _valid_event(signer: Signer) -> dict[str, Any]:
    return event(signer, params={"action_id": "00000000-0000-0000-0000-000000000000"}, form={"query": ["hi"]},
                 gmail={"messageId": "m1", "accessToken": "ya29.x"})


# Where an add-on event has structure, and values of the wrong type for each place.
EVENT_PLACES = {
    ("commonEventObject",): st.one_of(st.text(), st.integers(), st.lists(st.integers(), max_size=3)),
    ("commonEventObject", "parameters"): st.one_of(st.text(), st.lists(st.text(), max_size=3), st.integers()),
    ("commonEventObject", "parameters", "action_id"): st.one_of(st.integers(), st.lists(st.text(), max_size=2),
                                                                st.dictionaries(st.text(max_size=3), st.text(),
                                                                                max_size=2), st.booleans()),
    ("commonEventObject", "formInputs"): st.one_of(st.text(), st.lists(st.text(), max_size=3)),
    ("commonEventObject", "formInputs", "query"): st.one_of(st.text(), st.integers()),
    ("commonEventObject", "formInputs", "query", "stringInputs", "value"): st.one_of(
        st.text(), st.lists(st.integers(), min_size=1, max_size=3)),
    ("authorizationEventObject",): st.one_of(st.text(), st.lists(st.text(), max_size=2)),
    ("authorizationEventObject", "userIdToken"): st.one_of(st.integers(), st.lists(st.text(), max_size=2)),
    ("gmail",): st.one_of(st.text(), st.integers()),
    ("gmail", "messageId"): st.one_of(st.integers(), st.lists(st.text(), max_size=2), st.booleans()),
}


@pytest.mark.parametrize("path", ADDON_PATHS)
@pytest.mark.parametrize("body, status", [
    (b"this is not json", 400), (b"", 400), (b"[1, 2, 3]", 400), (b'"an event"', 400), (b"\xff\xfe{", 400),
    (_deep(100_000).encode(), 400), (b"{" + b" " * (1024 * 1024 + 1) + b"}", 413),
], ids=["not_json", "empty", "array", "string", "not_utf8", "deeply_nested", "over_1_MiB"])
def test_add_on_bodies_that_are_not_an_event_are_refused(google_app, tokens, path, body, status) -> None:
    _refused(_send(google_app, path, tokens[path], body), status)


@pytest.mark.parametrize("place, value", [
    (("commonEventObject",), "homepage"),
    (("commonEventObject", "parameters"), ["action_id", "x"]),
    (("commonEventObject", "parameters", "action_id"), 42),
    (("commonEventObject", "parameters", "body"), "x" * 10_001),
    (("commonEventObject", "parameters", "id"), "a\u0000b"),
    (("commonEventObject", "formInputs", "query", "stringInputs", "value"), "what is due"),
    (("commonEventObject", "formInputs", "query", "stringInputs", "value"), ["y" * 10_001]),
    (("commonEventObject", "formInputs", "emails", "stringInputs", "value"), ["a@b.example"] * 51),
    (("authorizationEventObject", "userIdToken"), {"jwt": "x"}),
    (("gmail", "messageId"), 1234),
    (("gmail",), "m1"),
], ids=["common_not_object", "parameters_a_list", "parameter_not_string", "parameter_too_long", "parameter_nul",
        "form_value_not_list", "form_value_too_long", "too_many_form_values", "user_token_not_string",
        "message_id_not_string", "gmail_not_object"])
def test_add_on_events_with_wrong_types_or_sizes_are_400(google_app, signer, tokens, place, value) -> None:
    for path in ("/addon/homepage", "/addon/actions/show", "/addon/propose"):
        body = _refused(_send(google_app, path, tokens[path], _with(_valid_event(signer), place, value)))
        assert body["error"] == "bad_request" and "add-on event" in body["message"]


def test_the_valid_event_those_are_made_from_is_answered_with_a_card(google_app, signer, tokens) -> None:
    """The corruptions above are what make the difference: the event they start from gets a card."""
    response = _send(google_app, "/addon/actions/show", tokens["/addon/actions/show"], _valid_event(signer))
    assert response.status_code == 200 and "renderActions" in response.get_json()


@FUZZ
@given(data=st.data())
def test_add_on_events_with_made_up_wrong_values_are_400(google_app, signer, tokens, data) -> None:
    place = data.draw(st.sampled_from(sorted(EVENT_PLACES)))
    value = data.draw(EVENT_PLACES[place])
    path = data.draw(st.sampled_from(ADDON_PATHS))
    _refused(_send(google_app, path, tokens[path], _with(_valid_event(signer), place, value)))


@FUZZ
@given(body=JSON.filter(lambda b: not isinstance(b, dict)), path=st.sampled_from(ADDON_PATHS))
def test_add_on_bodies_that_are_any_other_json_are_400(google_app, tokens, body, path) -> None:
    _refused(_send(google_app, path, tokens[path], json.dumps(body)))


# -- the push webhook -----------------------------------------------------------------------------------------

def _push(app: Flask, tokens: dict[str, str], body: Any) -> Any:
    return _send(app, "/webhooks/gmail", tokens["push"], body)


def _data(raw: bytes | str) -> dict[str, Any]:
    raw = raw.encode() if isinstance(raw, str) else raw
    return {"message": {"data": base64.b64encode(raw).decode(), "messageId": "1"}, "subscription": "s"}


@pytest.mark.parametrize("body, status", [
    (b"", 400), (b"\xff\xfe{", 400), (_deep(100_000).encode(), 400), (b"{" + b" " * (1024 * 1024 + 1) + b"}", 413),
    ({"message": {"data": 12345}}, 400),
    ({"message": {"data": ["a", "b"]}}, 400),
    ({"message": {"data": "eyJ9", "messageId": {"id": 1}}}, 400),
    ({"message": {"data": "a" * 5000}}, 400),
    ({"message": {"data": "ab\u0000cd"}}, 400),
    ({"message": {"data": "===="}}, 400),
    ({"message": {"data": "Zm9v!"}}, 400),
    ({"message": [1]}, 400),
    (_data(_deep(5000)), 400),
    (_data(b"\xff\xfe\xfd"), 400),
    (_data(json.dumps({"emailAddress": SAM})), 400),
    (_data(json.dumps({"emailAddress": SAM, "historyId": -3})), 400),
    (_data(json.dumps({"emailAddress": SAM, "historyId": 2 ** 70})), 400),
    (_data(json.dumps({"emailAddress": SAM, "historyId": [1]})), 400),
    (_data(json.dumps({"emailAddress": ["sam@atlas.com"], "historyId": 1})), 400),
    (_data(json.dumps({"emailAddress": "x" * 400 + "@atlas.com", "historyId": 1})), 400),
], ids=["empty", "not_utf8", "deeply_nested", "over_1_MiB", "data_a_number", "data_a_list", "message_id_an_object",
        "data_too_long", "data_with_nul", "data_only_padding", "data_bad_character", "message_a_list",
        "decoded_deeply_nested", "decoded_not_utf8", "no_history_id", "negative_history_id", "huge_history_id",
        "history_id_a_list", "email_a_list", "email_too_long"])
def test_push_bodies_that_are_malformed_are_refused(google_app, tokens, rdb, body, status) -> None:
    _refused(_push(google_app, tokens, body), status)
    assert Queue("priority", connection=rdb).get_jobs() == []


@FUZZ
@given(body=JSON)
def test_push_bodies_that_are_any_json_are_400(google_app, tokens, rdb, body) -> None:
    _refused(_push(google_app, tokens, body))
    assert Queue("priority", connection=rdb).get_jobs() == []


@FUZZ
@given(decoded=JSON | st.binary(max_size=64))
def test_push_messages_whose_data_is_any_other_value_are_400(google_app, tokens, rdb, decoded) -> None:
    raw = decoded if isinstance(decoded, bytes) else json.dumps(decoded).encode()
    _refused(_push(google_app, tokens, _data(raw)))
    assert Queue("priority", connection=rdb).get_jobs() == []


def test_the_valid_push_those_are_made_from_is_accepted(google_app, tokens, rdb) -> None:
    """The malformed bodies differ from this one, which is queued."""
    response = _push(google_app, tokens, pubsub_body(email=SAM))
    assert response.status_code == 204
    jobs = Queue("priority", connection=rdb).get_jobs()
    assert [j.func_name for j in jobs] == ["workers.sync.run_delta_sync"]
    rdb.flushdb()
