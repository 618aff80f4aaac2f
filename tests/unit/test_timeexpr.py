"""English time expressions against a frozen now: WorkBench's (Thursday 2023-11-30 00:00 UTC) and a
late afternoon in New York on a leap-year February day."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from server.intent.timeexpr import find_durations, find_times, on_day, remove_spans, resolve

UTC = timezone.utc
NOW = datetime(2023, 11, 30, tzinfo=UTC)  # a Thursday
NY = ZoneInfo("America/New_York")
NY_NOW = datetime(2024, 2, 28, 16, 45, tzinfo=NY)  # a Wednesday, 4:45 pm


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, tz=UTC) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


# (text, start, end, kind)
WORKBENCH_CASES = [
    ("today", at(2023, 11, 30), at(2023, 12, 1), "range"),
    ("tomorrow", at(2023, 12, 1), at(2023, 12, 2), "range"),
    ("yesterday", at(2023, 11, 29), at(2023, 11, 30), "range"),
    ("the day after tomorrow", at(2023, 12, 2), at(2023, 12, 3), "range"),
    ("tonight", at(2023, 11, 30, 17), at(2023, 12, 1), "range"),
    ("this morning", at(2023, 11, 30, 6), at(2023, 11, 30, 12), "range"),
    ("this afternoon", at(2023, 11, 30, 12), at(2023, 11, 30, 17), "range"),
    ("this evening", at(2023, 11, 30, 17), at(2023, 11, 30, 21), "range"),
    ("tomorrow morning", at(2023, 12, 1, 6), at(2023, 12, 1, 12), "range"),
    ("Friday afternoon", at(2023, 12, 1, 12), at(2023, 12, 1, 17), "range"),
    ("this week", at(2023, 11, 27), at(2023, 12, 4), "range"),
    ("next week", at(2023, 12, 4), at(2023, 12, 11), "range"),
    ("last week", at(2023, 11, 20), at(2023, 11, 27), "range"),
    ("this month", at(2023, 11, 1), at(2023, 12, 1), "range"),
    ("next month", at(2023, 12, 1), at(2024, 1, 1), "range"),
    ("last month", at(2023, 10, 1), at(2023, 11, 1), "range"),
    ("this weekend", at(2023, 12, 2), at(2023, 12, 4), "range"),
    ("next year", at(2024, 1, 1), at(2025, 1, 1), "range"),
    ("on Friday", at(2023, 12, 1), at(2023, 12, 2), "range"),
    ("Thursday", at(2023, 11, 30), at(2023, 12, 1), "range"),          # today counts
    ("this Friday", at(2023, 12, 1), at(2023, 12, 2), "range"),
    ("next Tuesday", at(2023, 12, 5), at(2023, 12, 6), "range"),
    ("next Friday", at(2023, 12, 8), at(2023, 12, 9), "range"),        # Friday of next week
    ("last Monday", at(2023, 11, 27), at(2023, 11, 28), "range"),
    ("last Thursday", at(2023, 11, 23), at(2023, 11, 24), "range"),    # never today
    ("December 13", at(2023, 12, 13), at(2023, 12, 14), "range"),
    ("Dec 13th", at(2023, 12, 13), at(2023, 12, 14), "range"),
    ("13 December", at(2023, 12, 13), at(2023, 12, 14), "range"),
    ("the 13th of December", at(2023, 12, 13), at(2023, 12, 14), "range"),
    ("12/13", at(2023, 12, 13), at(2023, 12, 14), "range"),
    ("12/5/2024", at(2024, 12, 5), at(2024, 12, 6), "range"),
    ("2023-12-13", at(2023, 12, 13), at(2023, 12, 14), "range"),
    ("October 19", at(2023, 10, 19), at(2023, 10, 20), "range"),       # nearest: the past one
    ("January 5", at(2024, 1, 5), at(2024, 1, 6), "range"),            # nearest: the coming one
    ("november twenty", at(2023, 11, 20), at(2023, 11, 21), "range"),
    ("the twenty first of march", at(2024, 3, 21), at(2024, 3, 22), "range"),
    ("on the 13th", at(2023, 12, 13), at(2023, 12, 14), "range"),
    ("in December", at(2023, 12, 1), at(2024, 1, 1), "range"),
    ("Dec 1-5", at(2023, 12, 1), at(2023, 12, 6), "range"),
    ("at 3", at(2023, 11, 30, 15), None, "moment"),                    # 1–7 bare: afternoon
    ("at 9", at(2023, 11, 30, 9), None, "moment"),                     # 8–11 bare: morning
    ("at 12", at(2023, 11, 30, 12), None, "moment"),
    ("3pm", at(2023, 11, 30, 15), None, "moment"),
    ("3 p.m.", at(2023, 11, 30, 15), None, "moment"),
    ("11am", at(2023, 11, 30, 11), None, "moment"),
    ("15:00", at(2023, 11, 30, 15), None, "moment"),
    ("07:30", at(2023, 11, 30, 7, 30), None, "moment"),                # a leading zero is 24-hour
    ("noon", at(2023, 11, 30, 12), None, "moment"),
    ("midnight", at(2023, 12, 1), None, "moment"),                     # the end of today
    ("five pm", at(2023, 11, 30, 17), None, "moment"),
    ("at six thirty", at(2023, 11, 30, 18, 30), None, "moment"),
    ("half past three", at(2023, 11, 30, 15, 30), None, "moment"),
    ("quarter to 4", at(2023, 11, 30, 15, 45), None, "moment"),
    ("at 8 tonight", at(2023, 11, 30, 20), None, "moment"),
    ("at 9 in the morning", at(2023, 11, 30, 9), None, "moment"),
    ("tomorrow at 3", at(2023, 12, 1, 15), None, "moment"),
    ("at 3 tomorrow", at(2023, 12, 1, 15), None, "moment"),
    ("on December 8 at 3:30", at(2023, 12, 8, 15, 30), None, "moment"),
    ("December 4 at 1:30", at(2023, 12, 4, 13, 30), None, "moment"),
    ("for Friday at 12", at(2023, 12, 1, 12), None, "moment"),
    ("for Tuesday at 10:30", at(2023, 12, 5, 10, 30), None, "moment"),
    ("tomorrow 9am", at(2023, 12, 1, 9), None, "moment"),
    ("the next 3 days", at(2023, 11, 30), at(2023, 12, 3), "range"),
    ("next 2 hours", at(2023, 11, 30), at(2023, 11, 30, 2), "range"),
    ("last 30 days", at(2023, 10, 31), at(2023, 11, 30), "range"),
    ("in the last 10 days", at(2023, 11, 20), at(2023, 11, 30), "range"),
    ("in the past 4 days", at(2023, 11, 26), at(2023, 11, 30), "range"),
    ("the past week", at(2023, 11, 23), at(2023, 11, 30), "range"),    # rolling, unlike "last week"
    ("the past couple of days", at(2023, 11, 28), at(2023, 11, 30), "range"),
    ("in 2 hours", at(2023, 11, 30, 2), None, "moment"),
    ("in 3 days", at(2023, 12, 3), at(2023, 12, 4), "range"),
    ("2 days ago", at(2023, 11, 28), at(2023, 11, 29), "range"),
    ("a week from today", at(2023, 12, 7), at(2023, 12, 8), "range"),
    ("before 2pm", at(2023, 11, 30), at(2023, 11, 30, 14), "range"),   # stays within its day
    ("before 2pm tomorrow", at(2023, 12, 1), at(2023, 12, 1, 14), "range"),
    ("after 4", at(2023, 11, 30, 16), at(2023, 12, 1), "range"),
    ("before Friday", None, at(2023, 12, 1), "range"),
    ("after December 13", at(2023, 12, 14), None, "range"),
    ("until Friday", None, at(2023, 12, 2), "range"),                  # Friday included
    ("by noon tomorrow", None, at(2023, 12, 1, 12), "range"),
    ("since Monday", at(2023, 11, 27), None, "range"),                 # since looks back
    ("since December 1", at(2022, 12, 1), None, "range"),
    ("from tomorrow on", at(2023, 12, 1), None, "range"),
    ("between 2 and 4pm", at(2023, 11, 30, 14), at(2023, 11, 30, 16), "range"),
    ("2-4pm tomorrow", at(2023, 12, 1, 14), at(2023, 12, 1, 16), "range"),
    ("tomorrow between 10 and 2", at(2023, 12, 1, 10), at(2023, 12, 1, 14), "range"),
    ("from 10 to 11:30", at(2023, 11, 30, 10), at(2023, 11, 30, 11, 30), "range"),
    ("between Monday and Friday", at(2023, 12, 4), at(2023, 12, 9), "range"),
    ("from Monday to Wednesday", at(2023, 12, 4), at(2023, 12, 7), "range"),
    ("rest of the week", at(2023, 11, 30), at(2023, 12, 4), "range"),
]


@pytest.mark.parametrize("text,start,end,kind", WORKBENCH_CASES, ids=[c[0] for c in WORKBENCH_CASES])
def test_resolves_against_workbench_now(text: str, start, end, kind: str) -> None:
    found = resolve(text, NOW)
    assert found is not None, text
    assert (found.start, found.end, found.kind) == (start, end, kind)


@pytest.mark.parametrize("text,start,end", [
    ("tomorrow at 3", at(2024, 2, 29, 15, tz=NY), None),               # leap day
    ("today", at(2024, 2, 28, tz=NY), at(2024, 2, 29, tz=NY)),
    ("next month", at(2024, 3, 1, tz=NY), at(2024, 4, 1, tz=NY)),
    ("in 2 hours", at(2024, 2, 28, 18, 45, tz=NY), None),
    ("later today", at(2024, 2, 28, 16, 45, tz=NY), at(2024, 2, 29, tz=NY)),
    ("earlier today", at(2024, 2, 28, tz=NY), at(2024, 2, 28, 16, 45, tz=NY)),
    ("last 30 days", at(2024, 1, 29, 16, 45, tz=NY), at(2024, 2, 28, 16, 45, tz=NY)),
    ("on Wednesday", at(2024, 2, 28, tz=NY), at(2024, 2, 29, tz=NY)),
    ("the end of the month", at(2024, 2, 29, 17, tz=NY), None),
    ("in March", at(2024, 3, 1, tz=NY), at(2024, 4, 1, tz=NY)),
])
def test_resolves_in_the_timezone_of_now(text: str, start, end) -> None:
    found = resolve(text, NY_NOW)
    assert found is not None and (found.start, found.end) == (start, end)
    assert found.start is not None and found.start.tzinfo is NY


@pytest.mark.parametrize("text,past,future", [
    ("on Friday", at(2023, 11, 24), at(2023, 12, 1)),
    ("December 1", at(2022, 12, 1), at(2023, 12, 1)),
    ("in October", at(2023, 10, 1), at(2024, 10, 1)),
    ("the weekend", at(2023, 11, 25), at(2023, 12, 2)),
])
def test_prefer_past_or_future_where_the_words_allow_both(text: str, past, future) -> None:
    assert resolve(text, NOW, prefer="past").start == past
    assert resolve(text, NOW, prefer="future").start == future


@pytest.mark.parametrize("text", ["I have 3 meetings", "the top 5 files", "my 1:1 with Sarah", "24/7 support",
                                  "a 30-minute call", "may I see the deck", "Reply to Carlos's last email",
                                  "version 2.5 of the spec", "send it by 2 hours"])
def test_finds_no_time_where_there_is_none(text: str) -> None:
    assert find_times(text, NOW) == []


def test_spans_cover_the_words_and_their_preposition_so_they_can_be_cut_out() -> None:
    text = "emails about the budget from Sarah last week and the next 3 days"
    found = find_times(text, NOW)
    assert [text[s:e] for s, e in (t.span for t in found)] == ["last week", "the next 3 days"]
    text = "Delete my first meeting on December 13 please"
    (t,) = find_times(text, NOW)
    assert text[t.span[0]:t.span[1]] == "on December 13" and t.text == "on December 13"
    assert remove_spans(text, [t.span]) == "Delete my first meeting please"


def test_several_expressions_in_one_request_in_order() -> None:
    text = "Find the email from October 19 and schedule a meeting at 12 with the sender for December 11"
    found = find_times(text, NOW)
    assert [t.text for t in found] == ["from October 19", "at 12", "for December 11"]
    assert [t.day_said for t in found] == [True, False, True]
    merged = on_day(found[1], found[2])
    assert merged.start == at(2023, 12, 11, 12) and merged.kind == "moment"
    assert on_day(found[0], found[2]) is found[0]  # only a bare clock time moves onto a day
    assert resolve("at 12 for December 11", NOW).start == at(2023, 12, 11, 12)  # side by side: one expression


def test_granularity_says_how_precise_the_words_were() -> None:
    assert resolve("next week", NOW).granularity == "week"
    assert resolve("this month", NOW).granularity == "month"
    assert resolve("tomorrow", NOW).granularity == "day"
    assert resolve("this morning", NOW).granularity == "part_of_day"
    assert resolve("at 3", NOW).granularity == "minute"


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        find_times("tomorrow", datetime(2023, 11, 30))


@pytest.mark.parametrize("text,minutes", [
    ("for 30 minutes", 30), ("an hour", 60), ("1.5 hours", 90), ("half an hour", 30), ("a half hour", 30),
    ("an hour and a half", 90), ("2 hours 15 minutes", 135), ("a 30-minute meeting", 30), ("45 mins", 45),
    ("a 1.5 hour event", 90), ("two hours", 120), ("90 minutes", 90), ("1 hour and 30 minutes", 90),
    ("a day", 1440),
])
def test_durations(text: str, minutes: int) -> None:
    (d,) = find_durations(text)
    assert d.minutes == minutes
    assert text[d.span[0]:d.span[1]] == d.text


def test_durations_skip_what_is_a_time() -> None:
    text = "If I haven't met with Yuki in the last 10 days, schedule a 30-minute meeting in 2 hours"
    spans = [t.span for t in find_times(text, NOW)]
    assert [d.minutes for d in find_durations(text, exclude=spans)] == [30]
    assert len(find_durations(text)) == 3  # without the exclusion "10 days" and "2 hours" count too


@pytest.mark.parametrize("text,start,end", [
    ("from 6 to 9 December", at(2023, 12, 6), at(2023, 12, 10)),
    ("6-9 Dec", at(2023, 12, 6), at(2023, 12, 10)),
    ("the first half of November", at(2023, 11, 1), at(2023, 11, 16)),
    ("second half of February", at(2024, 2, 16), at(2024, 3, 1)),    # to the month's real end
    ("mid-December", at(2023, 12, 11), at(2023, 12, 21)),
    ("early January 2024", at(2024, 1, 1), at(2024, 1, 11)),
    ("since Monday 27 November", at(2023, 11, 27), None),            # one date: the weekday only restates it
    ("on Mon, Nov 27", at(2023, 11, 27), at(2023, 11, 28)),
])
def test_day_spans_parts_of_months_and_dated_weekdays(text: str, start, end) -> None:
    found = resolve(text, NOW)
    assert found is not None, text
    assert (found.start, found.end) == (start, end)
