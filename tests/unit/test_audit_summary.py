"""What the audit log keeps of an action: its title, the ids it acts on and who it reaches, never a body."""
from server.actions.audit import MAX_TITLE, summary


def test_a_summary_names_targets_and_recipients_but_no_body_note_or_description() -> None:
    forward = summary("forward", {"email_id": "m1", "to": ["b@x.example", "a@x.example"], "note": "private note"},
                      {"title": "Forward “Budget”", "lines": ["private note"]})
    assert forward == {"title": "Forward “Budget”", "targets": {"email_id": "m1"},
                       "recipients": ["a@x.example", "b@x.example"]}
    event = summary("create_event", {"title": "Sync", "start": "2023-12-01T10:00:00+00:00",
                                     "end": "2023-12-01T11:00:00+00:00", "attendees": ["c@x.example"],
                                     "description": "secret agenda"}, {"title": "Create “Sync”"})
    assert "secret agenda" not in str(event) and event["recipients"] == ["c@x.example"]
    mail = summary("send_email", {"to": ["d@x.example"], "cc": [], "subject": "Hi", "body": "the body"},
                   {"title": "x" * 1000})
    assert "the body" not in str(mail) and len(mail["title"]) == MAX_TITLE and "targets" not in mail


def test_without_a_preview_the_kind_is_the_title() -> None:
    assert summary("trash_email", {"email_id": "m2"}, None) == {"title": "trash_email",
                                                                "targets": {"email_id": "m2"}}
