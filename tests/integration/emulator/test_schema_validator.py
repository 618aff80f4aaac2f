"""The validator itself must be able to fail, and must be wired into every call."""

from __future__ import annotations

import pytest

from emulator.discovery_schema import SchemaError


def test_validator_rejects_unknown_fields_wrong_types_and_missing_required(validator):
    good = {"id": "a", "threadId": "a", "labelIds": ["INBOX"], "historyId": "12", "internalDate": "1",
            "sizeEstimate": 3}
    validator.check_response("gmail.users.messages.get", good)
    with pytest.raises(SchemaError, match="unknown field 'bogus'"):
        validator.check_response("gmail.users.messages.get", dict(good, bogus=1))
    with pytest.raises(SchemaError, match="expected string"):
        validator.check_response("gmail.users.messages.get", dict(good, historyId=12))
    with pytest.raises(SchemaError, match="decimal string"):
        validator.check_response("gmail.users.messages.get", dict(good, historyId="12a"))
    with pytest.raises(SchemaError, match="expected integer"):
        validator.check_response("gmail.users.messages.get", dict(good, sizeEstimate="3"))
    with pytest.raises(SchemaError, match="missing required field 'threadId'"):
        validator.check_response("gmail.users.messages.get", {"id": "a"})
    # partial (fields=) responses may omit fields but still may not invent them
    validator.check_response("gmail.users.messages.get", {"id": "a"}, partial=True)
    with pytest.raises(SchemaError, match="not an RFC 3339"):
        validator.check_response("calendar.events.get", {"kind": "calendar#event", "etag": "x", "id": "abcde",
                                                         "status": "confirmed", "updated": "yesterday"})
    with pytest.raises(SchemaError, match="not in enum"):
        validator.check_response("gmail.users.labels.get", {"id": "Label_1", "name": "x", "type": "folder"})
    with pytest.raises(SchemaError, match="expected an empty body"):
        validator.check_response("gmail.users.stop", b"{}x")


def test_validator_checks_google_error_shape(validator):
    body = {"error": {"code": 404, "message": "Requested entity was not found.",
                      "errors": [{"message": "Requested entity was not found.", "domain": "global",
                                  "reason": "notFound"}], "status": "NOT_FOUND"}}
    validator.check_error(404, body)
    with pytest.raises(SchemaError, match="!= HTTP status"):
        validator.check_error(400, body)
    with pytest.raises(SchemaError, match="canonical status"):
        validator.check_error(404, {"error": dict(body["error"], status="Nope")})
    with pytest.raises(SchemaError):
        validator.check_error(404, {"message": "not found"})


def test_every_call_is_validated(emu):
    before = dict(emu.validator.checked)
    emu.gmail.users().getProfile(userId="me").execute()
    emu.calendar.events().list(calendarId="primary").execute()
    emu.drive.files().list().execute()
    after = emu.validator.checked
    for method in ("gmail.users.getProfile", "calendar.events.list", "drive.files.list"):
        assert after.get(method, 0) == before.get(method, 0) + 1
