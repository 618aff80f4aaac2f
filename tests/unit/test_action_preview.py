"""Preview wording that needs no database: time spans and moves, outsiders, prefixes."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from server.actions.preview import _prefixed, move, outside, person, sent_at, span

UTC = timezone.utc


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2023, 11, day, hour, minute, tzinfo=UTC) if day <= 30 else \
        datetime(2023, 12, day - 30, hour, minute, tzinfo=UTC)


def test_a_move_on_the_same_day_names_the_day_once() -> None:
    assert move((at(30, 15), at(30, 15, 30)), (at(30, 16), at(30, 16, 30)), UTC) == \
        "Thu 30 Nov 15:00–15:30 → 16:00–16:30"


def test_a_move_to_another_day_names_both_days() -> None:
    assert move((at(30, 15), at(30, 15, 30)), (at(31, 9), at(31, 9, 30)), UTC) == \
        "Thu 30 Nov 15:00–15:30 → Fri 1 Dec 09:00–09:30"


def test_spans_are_shown_in_the_persons_zone_and_across_midnight() -> None:
    assert span(at(30, 15), at(30, 15, 30), ZoneInfo("America/New_York")) == "Thu 30 Nov 10:00–10:30"
    assert span(at(30, 23), at(31, 1), UTC) == "Thu 30 Nov 23:00 – Fri 1 Dec 01:00"
    assert span(at(30, 0), at(31, 0), UTC, all_day=True) == "Thu 30 Nov (all day)"
    assert sent_at(at(28, 9, 12), UTC) == "Tue 28 Nov 2023 09:12"


def test_outsiders_are_named_with_their_domain() -> None:
    assert outside(["a@atlas.com", "bob@partner.example"], "atlas.com") == \
        [{"email": "bob@partner.example", "domain": "partner.example"}]


def test_subject_prefixes_do_not_stack_and_people_read_naturally() -> None:
    assert _prefixed("Re:", "Budget") == "Re: Budget" and _prefixed("Re:", "RE: Budget") == "RE: Budget"
    assert _prefixed("Fwd:", "") == "Fwd:"
    assert person("a@b.example", "Ann") == "Ann <a@b.example>" and person("a@b.example", "") == "a@b.example"
