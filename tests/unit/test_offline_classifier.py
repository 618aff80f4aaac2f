"""The offline classifier on representative requests (written for these tests: none is in the training or the
evaluation data), with the real local model, loaded once, and a fake people resolver."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

import pytest

from server.intent.dataset import load_training, normalise
from server.intent.offline import OfflineClassifier, people_resolver
from server.intent.schema import ParsedIntent, load_intent

UTC = timezone.utc
NOW = datetime(2023, 11, 30, tzinfo=UTC)  # Thursday


@dataclass
class FakePerson:
    email: str
    name: str


@dataclass
class FakeResolution:
    matches: list[FakePerson] = field(default_factory=list)
    ambiguous: bool = False


BOOK = {
    "kwesi": FakeResolution([FakePerson("kwesi.boateng@acme.com", "Kwesi Boateng")]),
    "marta": FakeResolution([FakePerson("marta.silva@acme.com", "Marta Silva")]),
    "tobias": FakeResolution([FakePerson("tobias@partner.io", "Tobias Berg")]),
    "sam": FakeResolution([FakePerson("sam.lee@acme.com", "Sam Lee"), FakePerson("sam.ortiz@acme.com", "Sam Ortiz")],
                          ambiguous=True),
}


class FakeResolver:
    """Answers from BOOK and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, name: str) -> FakeResolution:
        self.asked.append(name)
        return BOOK.get(name.lower(), FakeResolution())


@pytest.fixture(scope="session")
def classifier() -> Iterator[OfflineClassifier]:
    yield OfflineClassifier()


def parse(classifier: OfflineClassifier, text: str, resolver: Any = None) -> ParsedIntent:
    intent = classifier.parse(text, NOW, resolver)
    assert load_intent(intent.to_json()) == intent  # whatever it produces satisfies the contract
    return intent


OPERATION_CASES = [
    ("any emails from Marta about the invoice this week?", "gmail", "search"),
    ("what did Kwesi write in his latest email", "gmail", "read"),
    ("write a draft to Tobias about the renewal, I'll send it myself", "gmail", "draft"),
    ("email Marta that the venue is booked", "gmail", "send"),
    ("reply to Tobias's message about the renewal with 'Agreed'", "gmail", "reply"),
    ("forward the venue confirmation to Kwesi", "gmail", "forward"),
    ("delete all emails from the pizza place", "gmail", "trash"),
    ("mark every email from the auditors as read", "gmail", "label"),
    ("what is Marta's email address", "gmail", "lookup_contact"),
    ("book a 45 minute call with Kwesi next Wednesday at 11", "calendar", "create_event"),
    ("postpone my Friday review with Marta by an hour", "calendar", "update_event"),
    ("cancel the renewal meeting with Tobias", "calendar", "delete_event"),
    ("when am I free on Monday afternoon", "calendar", "free_slots"),
    ("what meetings are on my calendar for Friday", "calendar", "search"),
    ("find the renewal contract pdf", "drive", "search"),
    ("give Marta edit access to the venue spreadsheet", "drive", "share"),
    ("summarise the venue proposal document", "drive", "read"),
]


@pytest.mark.parametrize("text,service,operation", OPERATION_CASES, ids=[c[2] for c in OPERATION_CASES])
def test_service_and_operation(classifier: OfflineClassifier, text: str, service: str, operation: str) -> None:
    intent = parse(classifier, text)
    assert (intent.service, intent.operation) == (service, operation)
    assert intent.services == [service] and intent.operations[-1] == operation


@pytest.mark.parametrize("text", ["what's the weather going to be like in Porto", "play the new Adele album",
                                  "set an alarm for 6:15 tomorrow", "how tall is the Eiffel tower",
                                  "turn the bedroom lights blue"])
def test_out_of_scope(classifier: OfflineClassifier, text: str) -> None:
    intent = parse(classifier, text)
    assert (intent.service, intent.operation, intent.services) == ("none", "out_of_scope", [])
    assert not intent.needs_clarification


def test_too_vague_to_act_on_asks_what_to_do(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "my email please")
    assert (intent.service, intent.operation) == ("gmail", "needs_clarification")
    assert intent.needs_clarification and "email" in intent.clarification_question
    intent = parse(classifier, "can you help me with something")
    assert (intent.service, intent.operation) == ("none", "needs_clarification")
    assert intent.clarification_question


def test_a_write_without_its_recipient_keeps_the_operation_and_asks(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "send an email saying the parcel arrived")
    assert intent.operation == "send" and intent.needs_clarification
    assert intent.clarification_question == "Who should I send it to?"
    assert intent.entities.body == "the parcel arrived"


def test_low_confidence_keeps_the_guess_and_asks_to_confirm(classifier: OfflineClassifier) -> None:
    strict = OfflineClassifier(classifier.embedder, classifier.model, clarify_below=1.01)
    intent = strict.parse("what about the renewal", NOW)
    assert intent.service != "none" and intent.needs_clarification
    assert intent.clarification_question.startswith("Just to check")
    assert not parse(classifier, "find the renewal contract pdf").needs_clarification


def test_reply_with_quoted_title_and_body(classifier: OfflineClassifier) -> None:
    resolver = FakeResolver()
    intent = parse(classifier, "Reply to Kwesi's last email about 'Venue booking for March' with 'Thanks, looks good'",
                   resolver)
    assert (intent.service, intent.operation) == ("gmail", "reply")
    ent = intent.entities
    assert ent.titles == ["Venue booking for March"] and ent.body == "Thanks, looks good"
    assert ent.selector == "latest" and ent.times == []  # "March" inside the quotes is not a time
    (kwesi,) = ent.people
    assert (kwesi.text, kwesi.role, kwesi.emails) == ("Kwesi", "sender", ["kwesi.boateng@acme.com"])
    assert resolver.asked == ["Kwesi"]


def test_send_with_subject_body_and_an_address(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "send an email to tobias@partner.io saying 'Can we talk on Friday?' and title it "
                               "'Renewal'")
    ent = intent.entities
    assert intent.operation == "send" and not intent.needs_clarification
    assert (ent.subject, ent.body, ent.recipients) == ("Renewal", "Can we talk on Friday?", ["tobias@partner.io"])
    assert ent.people[0].kind == "email" and ent.times == []


def test_create_event_with_duration_time_title_and_attendee(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "set up a 1.5 hour meeting called Venue walkthrough with Marta tomorrow at 3",
                   FakeResolver())
    ent = intent.entities
    assert (intent.service, intent.operation) == ("calendar", "create_event")
    assert [(d.minutes, d.role) for d in ent.durations] == [(90, "length")]
    (when,) = ent.times
    assert (when.start, when.kind, when.role) == (datetime(2023, 12, 1, 15, tzinfo=UTC), "moment", "when")
    assert ent.subject == "Venue walkthrough"
    assert ent.recipients == ["marta.silva@acme.com"] and ent.people[0].role == "attendee"


def test_move_by_a_duration_is_a_shift_and_the_day_a_filter(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "push back my first meeting with Kwesi on December 6 by 45 minutes", FakeResolver())
    ent = intent.entities
    assert intent.operation == "update_event" and ent.selector == "first"
    assert [(d.minutes, d.role) for d in ent.durations] == [(45, "shift")]
    assert [(t.start, t.role) for t in ent.times] == [(datetime(2023, 12, 6, tzinfo=UTC), "filter")]
    assert ent.recipients == []  # the attendee identifies the meeting; nobody is invited


def test_mail_searches_read_dates_in_the_past_calendars_in_the_future(classifier: OfflineClassifier) -> None:
    mail = parse(classifier, "emails from Marta on Friday")
    meeting = parse(classifier, "schedule a meeting with Marta on Friday")
    assert mail.entities.times[0].start == datetime(2023, 11, 24, tzinfo=UTC)
    assert meeting.entities.times[0].start == datetime(2023, 12, 1, tzinfo=UTC)


def test_search_topic_words_leave_out_people_times_and_verbs(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "show me emails about the catering budget from Marta last week", FakeResolver())
    ent = intent.entities
    assert ent.query == "catering budget"
    assert [(p.text, p.role) for p in ent.people] == [("Marta", "sender")]
    assert (ent.times[0].start, ent.times[0].end) == (datetime(2023, 11, 20, tzinfo=UTC),
                                                      datetime(2023, 11, 27, tzinfo=UTC))


def test_an_ambiguous_name_in_a_write_asks_which_one(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "forward the venue confirmation to Sam", FakeResolver())
    (sam,) = intent.entities.people
    assert sam.ambiguous and sam.emails == []
    assert [c.email for c in sam.candidates] == ["sam.lee@acme.com", "sam.ortiz@acme.com"]
    assert intent.operation == "forward" and intent.needs_clarification
    assert "Sam Lee <sam.lee@acme.com>" in intent.clarification_question
    assert "Sam Ortiz <sam.ortiz@acme.com>" in intent.clarification_question


def test_an_ambiguous_name_in_a_search_does_not_ask(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "emails from Sam about the venue", FakeResolver())
    assert intent.operation == "search" and not intent.needs_clarification
    assert intent.entities.people[0].ambiguous and len(intent.entities.people[0].candidates) == 2


def test_an_unknown_recipient_asks_for_the_address(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "share the venue spreadsheet with Ingeborg", FakeResolver())
    assert intent.operation == "share" and intent.needs_clarification
    assert "Ingeborg" in intent.clarification_question
    # Without a resolver (no database) nothing can be known unknown: no question.
    assert not parse(classifier, "share the venue spreadsheet with Ingeborg").needs_clarification


def test_a_condition_and_a_compound_request(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "If Tobias hasn't emailed me in the past 5 days, set up a 30 minute call with him "
                               "on Monday at 10 called 'Renewal check'", FakeResolver())
    ent = intent.entities
    assert (intent.service, intent.operation) == ("multi", "create_event")
    assert intent.services == ["gmail", "calendar"] and intent.operations == ["search", "create_event"]
    assert ent.condition == "If Tobias hasn't emailed me in the past 5 days"
    assert [t.role for t in ent.times] == ["condition", "when"]
    assert ent.times[1].start == datetime(2023, 12, 4, 10, tzinfo=UTC)
    assert ent.subject == "Renewal check" and ent.recipients == ["tobias@partner.io"]


def test_find_then_share(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "find the renewal contract and share it with Kwesi", FakeResolver())
    assert (intent.service, intent.operation, intent.operations) == ("drive", "share", ["search", "share"])
    assert intent.entities.recipients == ["kwesi.boateng@acme.com"]


def test_workbench_style_requests(classifier: OfflineClassifier) -> None:
    forward = parse(classifier, "marta needs all the emails from kwesi last week about 'Venue deposit'. Can you "
                                "forward them?", FakeResolver())
    assert (forward.operation, forward.entities.selector, forward.entities.titles) == ("forward", "all",
                                                                                        ["Venue deposit"])
    assert forward.entities.recipients == ["marta.silva@acme.com"]
    delete = parse(classifier, "Cancel my next meeting with tobias", FakeResolver())
    assert (delete.operation, delete.entities.selector, delete.entities.people[0].emails) == (
        "delete_event", "next", ["tobias@partner.io"])
    pronoun = parse(classifier, "marta is off today. Can you cancel my next meeting with her?", FakeResolver())
    assert pronoun.operation == "delete_event"
    assert [p.emails for p in pronoun.entities.people] == [["marta.silva@acme.com"], ["marta.silva@acme.com"]]


def test_the_resolver_is_asked_once_per_name(classifier: OfflineClassifier) -> None:
    resolver = FakeResolver()
    parse(classifier, "If Marta hasn't replied, schedule a call with Marta tomorrow", resolver)
    assert resolver.asked == ["Marta"]


def test_a_failing_resolver_leaves_the_name_unresolved(classifier: OfflineClassifier) -> None:
    def broken(name: str) -> FakeResolution:
        raise RuntimeError("database down")

    intent = parse(classifier, "emails from Marta", broken)
    assert intent.operation == "search" and intent.entities.people[0].emails == []


def test_people_resolver_adapts_server_search_people() -> None:
    class Rows:
        def fetchall(self) -> list[tuple[str, str, int]]:
            return [("marta.silva@acme.com", "Marta Silva", 3)]

    class Conn:
        def __init__(self) -> None:
            self.params: dict[str, Any] = {}

        def execute(self, sql: str, params: dict[str, Any]) -> Rows:
            self.params = params
            return Rows()

    conn = Conn()
    found = people_resolver(conn, "user-1", me="Me@acme.com")("Marta")
    assert [p.email for p in found.matches] == ["marta.silva@acme.com"] and not found.ambiguous
    assert conn.params["user_id"] == "user-1" and conn.params["me"] == "me@acme.com"


def test_batch_gives_the_same_answers_as_one_by_one(classifier: OfflineClassifier) -> None:
    texts = [c[0] for c in OPERATION_CASES[:4]]
    assert classifier.parse_batch(texts, NOW) == [classifier.parse(t, NOW) for t in texts]


def test_these_requests_are_not_training_data() -> None:
    trained = {normalise(u.text) for u in load_training()}
    assert not [c[0] for c in OPERATION_CASES if normalise(c[0]) in trained]


def test_refuses_an_embedder_the_model_was_not_trained_on(classifier: OfflineClassifier) -> None:
    class OtherEmbedder:
        name = "text-embedding-3-small"
        dim = 384

        def embed(self, texts: Any) -> Any:
            raise AssertionError("not to be called")

    with pytest.raises(ValueError, match="minilm"):
        OfflineClassifier(OtherEmbedder(), classifier.model)


def test_an_out_of_scope_action_under_a_workspace_condition_is_out_of_scope(classifier: OfflineClassifier) -> None:
    intent = parse(classifier, "If Marta hasn't emailed me by noon, play some relaxing music in the kitchen")
    assert (intent.service, intent.operation, intent.services) == ("none", "out_of_scope", [])


def test_an_unquoted_title_goes_on_through_a_capitalised_and() -> None:
    from server.intent.extract import find_texts
    from server.intent.features import find_quotes, mask_quotes

    def subject(text: str) -> str | None:
        quotes = find_quotes(text)
        return find_texts(text, mask_quotes(text, quotes), quotes, False).subject

    assert subject("schedule an event called Data Security and Compliance Training on Friday") == \
        "Data Security and Compliance Training"
    assert subject("schedule a meeting called Sync and invite bob") == "Sync"
