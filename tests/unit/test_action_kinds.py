"""Action arguments: each kind's schema, unknown fields refused, addresses and times normalised."""
from datetime import timezone
from zoneinfo import ZoneInfo

import pytest

from server.actions.errors import InvalidAction
from server.actions.kinds import KINDS, parse_time, validate_args

UTC = timezone.utc


def test_every_kind_of_the_design_is_known() -> None:
    assert set(KINDS) == {"send_email", "draft_email", "reply", "forward", "trash_email", "create_event",
                          "update_event", "delete_event", "share_file"}


def test_addresses_are_lower_cased_and_deduplicated_and_defaults_filled() -> None:
    args = validate_args("send_email", {"to": ["Bob@X.example", "bob@x.example"], "subject": "Hi", "body": "."}, UTC)
    assert args == {"to": ["bob@x.example"], "cc": [], "subject": "Hi", "body": "."}
    assert validate_args("share_file", {"file_id": "f", "emails": ["A@b.example"]}, UTC)["role"] == "reader"


def test_a_time_without_offset_is_read_in_the_persons_zone() -> None:
    args = validate_args("create_event", {"title": "T", "start": "2023-11-30T15:00:00", "end": "2023-11-30T16:00:00Z"},
                         ZoneInfo("Europe/Paris"))
    assert args["start"] == "2023-11-30T15:00:00+01:00" and args["end"] == "2023-11-30T16:00:00+00:00"
    assert parse_time(args["start"]).astimezone(UTC).hour == 14


@pytest.mark.parametrize("kind, args, field", [
    ("send_email", {"to": ["bob@x.example"], "subject": "s", "body": "b", "bcc": ["x@y.example"]}, "bcc"),
    ("send_email", {"to": [], "subject": "s", "body": "b"}, "to"),
    ("send_email", {"to": ["not an address"], "subject": "s", "body": "b"}, "to.0"),
    ("reply", {"email_id": "m1", "body": ""}, "body"),
    ("forward", {"email_id": "m1"}, "to"),
    ("create_event", {"title": "T", "start": "2023-11-30T15:00:00Z", "end": "2023-11-30T14:00:00Z"}, "end"),
    ("create_event", {"title": "T", "start": "tomorrow", "end": "2023-11-30T14:00:00Z"}, "start"),
    ("update_event", {"event_id": "e1"}, "give at least one of start, end, title"),
    ("share_file", {"file_id": "f", "emails": ["a@b.example"], "role": "owner"}, "role"),
])
def test_bad_arguments_name_the_field(kind, args, field) -> None:
    with pytest.raises(InvalidAction) as refused:
        validate_args(kind, args, UTC)
    assert field in refused.value.message and refused.value.message.startswith(f"Invalid {kind}:")


def test_unknown_kind_and_non_object_arguments_are_refused() -> None:
    with pytest.raises(InvalidAction, match="Unknown action kind"):
        validate_args("launch_rocket", {}, UTC)
    with pytest.raises(InvalidAction, match="must be an object"):
        validate_args("trash_email", ["m1"], UTC)
