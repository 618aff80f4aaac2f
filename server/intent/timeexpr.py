"""English time expressions resolved against an injected "now": rules, no model.

`find_times(text, now)` finds every expression ("tomorrow at 3", "last week", "the next 3 days", "before 2pm",
"between 2 and 4pm on Friday", "December 13") and resolves it in `now`'s timezone to a moment or a range
[start, end) with either side possibly open; `find_durations(text)` finds lengths of time ("for 30 minutes",
"1.5 hours", "half an hour"). Both return character spans, so a caller can cut the expressions out of the text.

Conventions (the product's; a business assistant):
- a bare hour (no am/pm, no 24-hour form) from 1 to 7 is in the afternoon, 8 to 11 in the morning, 12 is noon;
- weeks run Monday to Sunday; "next Friday" is the Friday of next week, "Friday" the coming one (today counts);
- a month and day without a year is the nearest such date (within six months either way), or the latest one not
  after today when `prefer="past"` (searching mail: what was received cannot be in the future);
- "before 2pm" / "after 4" stay within their day; "before Friday" is open at the start, "since Monday" at the end;
- "last 30 days" / "the next 3 days" roll from now; "last week" is the calendar week before this one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable, Literal, Sequence

Prefer = Literal["future", "past"]

# ---------------------------------------------------------------- vocabulary

_UNIT_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEEN_WORDS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
               "nineteen"]
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90}
_NUMBERS: dict[str, int] = {w: i + 1 for i, w in enumerate(_UNIT_WORDS)}
_NUMBERS.update({w: i + 10 for i, w in enumerate(_TEEN_WORDS)})
_NUMBERS.update(_TENS_WORDS)
for _tens, _tv in _TENS_WORDS.items():
    for _i, _u in enumerate(_UNIT_WORDS):
        _NUMBERS[f"{_tens} {_u}"] = _NUMBERS[f"{_tens}-{_u}"] = _tv + _i + 1
_NUMBERS.update({"a": 1, "an": 1, "one": 1, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3, "few": 3,
                 "several": 3})

_ORD_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_ORDINALS: dict[str, int] = {w: i + 1 for i, w in enumerate(_ORD_UNITS)}
_ORDINALS.update({w: i + 10 for i, w in enumerate(
    ["tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
     "eighteenth", "nineteenth"])})
_ORDINALS.update({"twentieth": 20, "thirtieth": 30})
for _i, _u in enumerate(_ORD_UNITS):
    for _tens, _tv in (("twenty", 20), ("thirty", 30)):
        if _tv + _i + 1 <= 31:
            _ORDINALS[f"{_tens} {_u}"] = _ORDINALS[f"{_tens}-{_u}"] = _tv + _i + 1

_MONTHS: dict[str, int] = {}
for _i, _m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august", "september",
                         "october", "november", "december"]):
    _MONTHS[_m] = _i + 1
    _MONTHS[_m[:3]] = _i + 1
_MONTHS["sept"] = 9
_WEEKDAYS: dict[str, int] = {}
for _i, _d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]):
    _WEEKDAYS[_d] = _i
_WEEKDAYS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})


def _alt(words: Iterable[str]) -> str:
    """A regex alternation, longest first so "twenty one" wins over "twenty"."""
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len,
                                                                              reverse=True)) + ")"


_NUMW = _alt(w for w in _NUMBERS if not w.startswith(("a ", "couple", "few", "several")) and w not in ("a", "an"))
_NUM = rf"(?:\d+(?:\.\d+)?|{_NUMW}|a\s+couple\s+of|couple\s+of|a\s+few|few|several|an|a)"
_ORDW = _alt(_ORDINALS)
_DAYNUM = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDW}|{_NUMW})"
_MONTH = _alt(_MONTHS) + r"\.?"
_WEEKDAY = _alt(_WEEKDAYS)
_HOURW = _alt(_UNIT_WORDS + ["ten", "eleven", "twelve"])
_MINW = _alt([f"oh {u}" for u in _UNIT_WORDS] + ["o five", "ten", "fifteen", "twenty", "twenty five", "thirty",
                                                 "thirty five", "forty", "forty five", "forty-five", "fifty",
                                                 "fifty five"])
_AMPM = r"(?:a\.?m\.?|p\.?m\.?)(?![a-z])"
_UNIT = (r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|years?|yrs?)")
_B = r"(?<![\w@.-])"  # start of a word (not inside an address or a word)
_E = r"(?![\w@-])"
_PARTS: dict[str, tuple[int, int]] = {"morning": (6, 12), "afternoon": (12, 17), "evening": (17, 21),
                                      "night": (21, 24), "tonight": (17, 24)}


def _number(word: str) -> float:
    """'3' → 3, '1.5' → 1.5, 'twenty five' → 25, 'a' → 1, 'a couple of' → 2."""
    word = " ".join(word.split())
    try:
        return float(word)
    except ValueError:
        return float(_NUMBERS[word])


def _daynum(word: str) -> int:
    word = " ".join(word.split())
    digits = re.match(r"\d+", word)
    if digits:
        return int(digits.group())
    return _ORDINALS.get(word) or _NUMBERS[word]


def _minutes_word(word: str) -> int:
    word = " ".join(word.replace("-", " ").split())
    if word.startswith(("oh ", "o ")):
        return _NUMBERS[word.split()[1]]
    return _NUMBERS[word]


# ---------------------------------------------------------------- results

@dataclass(frozen=True)
class TimeMatch:
    """A resolved time expression: a moment (`end` None) or a range [start, end) open on either side."""

    text: str
    start: datetime | None
    end: datetime | None
    kind: str                 # moment | range
    granularity: str          # minute | hour | part_of_day | day | week | month | year
    span: tuple[int, int]     # text[span[0]:span[1]] is the expression, with its preposition ("on Friday")
    day_said: bool = True     # False for a bare clock time ("at 3"), which was put on today


@dataclass(frozen=True)
class DurationMatch:
    """A length of time."""

    text: str
    minutes: int
    span: tuple[int, int]


# ---------------------------------------------------------------- atoms: the pieces an expression is made of

@dataclass
class _Day:
    """Whole days [first, last] (inclusive), with the granularity the words had."""

    first: date
    last: date
    granularity: str = "day"


@dataclass
class _Clock:
    """A time of day as said: hour, minute, am/pm if said, whether it was written as 24-hour."""

    hour: int
    minute: int = 0
    meridiem: str | None = None
    h24: bool = False


@dataclass
class _Atom:
    start: int
    end: int
    day: _Day | None = None
    clock: _Clock | None = None
    clock_end: _Clock | None = None        # a "2 to 4pm" range
    part: str | None = None
    absolute: tuple[datetime | None, datetime | None, str, str] | None = None  # start, end, kind, granularity
    bound: str | None = None                # before | after | until | since (said inside the atom)


class _Ctx:
    def __init__(self, now: datetime, prefer: Prefer) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.now = now
        self.today = now.date()
        self.tz = now.tzinfo
        self.prefer = prefer

    def at(self, day: date, hour: int = 0, minute: int = 0) -> datetime:
        """The wall-clock time on `day` in now's timezone (hour 24 is the next midnight)."""
        extra = 0
        if hour >= 24:
            hour, extra = hour - 24, 1
        return datetime.combine(day + timedelta(days=extra), time(hour, minute), tzinfo=self.tz)

    def monday(self, weeks: int = 0) -> date:
        return self.today - timedelta(days=self.today.weekday()) + timedelta(weeks=weeks)


def _month_day(ctx: _Ctx, month: int, day: int, year: int | None) -> date | None:
    """The date of a month/day, choosing the year when none is said (see the module's conventions)."""
    try:
        if year is not None:
            return date(year if year > 99 else 2000 + year, month, day)
        this_year = date(ctx.today.year, month, day)
    except ValueError:
        return None
    if ctx.prefer == "past":
        return this_year if this_year <= ctx.today else _replace_year(this_year, ctx.today.year - 1)
    if (this_year - ctx.today).days > 183:
        return _replace_year(this_year, ctx.today.year - 1)
    if (ctx.today - this_year).days > 183:
        return _replace_year(this_year, ctx.today.year + 1)
    return this_year


def _replace_year(d: date, year: int) -> date | None:
    try:
        return d.replace(year=year)
    except ValueError:  # 29 February
        return None


def _month_range(ctx: _Ctx, month: int, year: int | None) -> _Day:
    if year is None:
        year = ctx.today.year
        if ctx.prefer == "past" and month > ctx.today.month:
            year -= 1
        elif ctx.prefer == "future" and month < ctx.today.month:
            year += 1
    first = date(year, month, 1)
    return _Day(first, _next_month(first) - timedelta(days=1), "month")


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _weekday(ctx: _Ctx, wd: int, modifier: str | None) -> date:
    if modifier == "next":
        return ctx.monday(1) + timedelta(days=wd)
    if modifier in ("last", "past", "previous"):
        back = (ctx.today.weekday() - wd) % 7 or 7
        return ctx.today - timedelta(days=back)
    if ctx.prefer == "past" and modifier != "coming":
        return ctx.today - timedelta(days=(ctx.today.weekday() - wd) % 7)
    return ctx.today + timedelta(days=(wd - ctx.today.weekday()) % 7)


_Handler = Callable[[re.Match[str], _Ctx], "_Atom | None"]
_PATTERNS: list[tuple[re.Pattern[str], _Handler]] = []


def _pattern(regex: str) -> Callable[[_Handler], _Handler]:
    def register(handler: _Handler) -> _Handler:
        _PATTERNS.append((re.compile(_B + regex + _E, re.IGNORECASE), handler))
        return handler
    return register


def _span(m: re.Match[str]) -> tuple[int, int]:
    return m.start(), m.end()


@_pattern(r"(?:the\s+day\s+after\s+tomorrow|the\s+day\s+before\s+yesterday|today|tomorrow|tmrw|tomorow|yesterday)"
          r"(?:'s)?")
def _relative_day(m: re.Match[str], ctx: _Ctx) -> _Atom:
    word = m.group().lower()
    offset = (2 if "after" in word else -2 if "before" in word else 1 if word.startswith(("tomorrow", "tmrw", "tomorow"))
              else -1 if word.startswith("yesterday") else 0)
    d = ctx.today + timedelta(days=offset)
    return _Atom(*_span(m), day=_Day(d, d))


@_pattern(r"(?:(?P<part>this|last|tomorrow|yesterday)\s+)?(?P<name>tonight|morning|afternoon|evening|night)")
def _part_of_day(m: re.Match[str], ctx: _Ctx) -> _Atom:
    part, name = (m.group("part") or "").lower(), m.group("name").lower()
    atom = _Atom(*_span(m), part="tonight" if name == "tonight" or (part == "last" and name == "night") else name)
    if part in ("tomorrow", "yesterday", "last"):
        d = ctx.today + timedelta(days=1 if part == "tomorrow" else -1)
        atom.day = _Day(d, d)
    elif part == "this" or name == "tonight":
        atom.day = _Day(ctx.today, ctx.today)
    return atom


@_pattern(rf"(?:(?P<mod>this|next|last|past|previous|coming)\s+)?(?P<wd>{_WEEKDAY})")
def _weekday_atom(m: re.Match[str], ctx: _Ctx) -> _Atom:
    mod = (m.group("mod") or "").lower() or None
    d = _weekday(ctx, _WEEKDAYS[m.group("wd").lower()], mod)
    return _Atom(*_span(m), day=_Day(d, d))


@_pattern(rf"(?P<month>{_MONTH})\s+(?:the\s+)?(?P<day>{_DAYNUM})(?:\s*,?\s*(?P<year>(?:19|20)\d\d))?")
def _month_then_day(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    year = int(m.group("year")) if m.group("year") else None
    day = _daynum(m.group("day"))
    d = _month_day(ctx, _MONTHS[m.group("month").lower().rstrip(".")], day, year) if 1 <= day <= 31 else None
    return _Atom(*_span(m), day=_Day(d, d)) if d else None


@_pattern(rf"(?:the\s+)?(?P<day>{_DAYNUM})\s+(?:of\s+)?(?P<month>{_MONTH})(?:\s*,?\s*(?P<year>(?:19|20)\d\d))?")
def _day_then_month(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    return _month_then_day(m, ctx)


@_pattern(r"(?!24/7)(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<year>\d{2}|\d{4}))?")
def _slash_date(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    a, b = int(m.group("a")), int(m.group("b"))
    month, day = (a, b) if a <= 12 else (b, a)  # US order unless it cannot be
    if not 1 <= month <= 12:
        return None
    d = _month_day(ctx, month, day, int(m.group("year")) if m.group("year") else None)
    return _Atom(*_span(m), day=_Day(d, d)) if d else None


@_pattern(r"(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)")
def _iso_date(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    d = _month_day(ctx, int(m.group("month")), int(m.group("day")), int(m.group("year")))
    return _Atom(*_span(m), day=_Day(d, d)) if d else None


@_pattern(rf"(?P<month>{_MONTH})\s+(?P<d1>{_DAYNUM})\s*(?:-|–|to|through|thru|until|till)\s*(?P<d2>\d{{1,2}}"
          rf"(?:st|nd|rd|th)?|{_ORDW})")
def _month_day_span(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    month = _MONTHS[m.group("month").lower().rstrip(".")]
    first, last = _month_day(ctx, month, _daynum(m.group("d1")), None), None
    if first:
        try:
            last = first.replace(day=_daynum(m.group("d2")))
        except ValueError:
            return None
    return _Atom(*_span(m), day=_Day(first, last)) if first and last and last >= first else None


@_pattern(rf"(?P<d1>{_DAYNUM})\s*(?:-|–|to|through|thru|until|till)\s*(?P<d2>{_DAYNUM})\s+(?:of\s+)?"
          rf"(?P<month>{_MONTH})(?:\s*,?\s*(?P<year>(?:19|20)\d\d))?")
def _day_span_month(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    """"6 to 9 December", "6-9 Dec": the year is chosen by the last day, as for a single date."""
    month = _MONTHS[m.group("month").lower().rstrip(".")]
    last = _month_day(ctx, month, _daynum(m.group("d2")), int(m.group("year")) if m.group("year") else None)
    try:
        first = last.replace(day=_daynum(m.group("d1"))) if last else None
    except ValueError:
        return None
    return _Atom(*_span(m), day=_Day(first, last)) if first and last and last >= first else None


@_pattern(rf"(?:the\s+)?(?P<which>first|second|last|1st|2nd)\s+half\s+of\s+(?P<month>{_MONTH})"
          rf"(?:\s+(?P<year>(?:19|20)\d\d))?"
          rf"|(?P<part>early|mid|late)[\s-]+(?P<month2>{_MONTH})(?:\s+(?P<year2>(?:19|20)\d\d))?")
def _part_of_month(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    """"the first half of November" (1-15 / 16-end), "early / mid / late November" (1-10 / 11-20 / 21-end)."""
    name, year = (m.group("month"), m.group("year")) if m.group("month") else (m.group("month2"), m.group("year2"))
    whole = _month_range(ctx, _MONTHS[name.lower().rstrip(".")], int(year) if year else None)
    f = whole.first
    if m.group("which"):
        first_half = m.group("which").lower() in ("first", "1st")
        first, last = (f, f.replace(day=15)) if first_half else (f.replace(day=16), whole.last)
    else:
        first, last = {"early": (f, f.replace(day=10)), "mid": (f.replace(day=11), f.replace(day=20)),
                       "late": (f.replace(day=21), whole.last)}[m.group("part").lower()]
    return _Atom(*_span(m), day=_Day(first, last))


@_pattern(rf"(?P<wd>{_WEEKDAY}),?\s+(?:(?:the\s+)?(?P<day>{_DAYNUM})\s+(?:of\s+)?(?P<month>{_MONTH})"
          rf"|(?P<month2>{_MONTH})\s+(?:the\s+)?(?P<day2>{_DAYNUM}))(?:\s*,?\s*(?P<year>(?:19|20)\d\d))?")
def _weekday_and_date(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    """"Monday 27 November", "Mon, Nov 27": one day — the date decides, the weekday only restates it."""
    month = _MONTHS[(m.group("month") or m.group("month2")).lower().rstrip(".")]
    d = _month_day(ctx, month, _daynum(m.group("day") or m.group("day2")),
                   int(m.group("year")) if m.group("year") else None)
    return _Atom(*_span(m), day=_Day(d, d)) if d else None


@_pattern(r"(?:the\s+)?(?P<day>\d{1,2}(?:st|nd|rd|th)|" + _ORDW + r")(?=\s*(?:$|[,.?!]|(?:at|in|from|for|to|"
          r"on|and|with|please)\b|of\s+this|of\s+next))")
def _day_of_month(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    # "on the 13th": this month, or next month once the day has passed (last month when looking back).
    if not m.group().lower().startswith("the") and not re.search(r"\d", m.group()):
        return None  # a bare "third" is too often something else
    day = _daynum(m.group("day"))
    base = ctx.today.replace(day=1)
    if ctx.prefer == "past" and day > ctx.today.day:
        base = (base - timedelta(days=1)).replace(day=1)
    elif ctx.prefer == "future" and day < ctx.today.day:
        base = _next_month(base)
    try:
        d = base.replace(day=day)
    except ValueError:
        return None
    return _Atom(*_span(m), day=_Day(d, d))


@_pattern(rf"(?:(?P<pre>in|during|since|until|till|before|after|from|by|of|for)\s+)(?P<month>{_MONTH})"
          rf"(?:\s+(?P<year>(?:19|20)\d\d))?")
def _month_alone(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    word = m.group("month").lower().rstrip(".")
    if word in ("may", "mar") and m.group("pre").lower() == "for" and not m.group("year"):
        return None  # "for may" / "for mar…" are rarely the month
    year = int(m.group("year")) if m.group("year") else None
    return _Atom(m.start("month"), m.end(), day=_month_range(ctx, _MONTHS[word], year))


@_pattern(r"(?P<mod>this|next|last|past|previous|the\s+coming|coming|(?:the\s+)?current)\s+"
          r"(?P<unit>week|month|year|weekend)")
def _named_period(m: re.Match[str], ctx: _Ctx) -> _Atom:
    mod, unit = m.group("mod").lower(), m.group("unit").lower()
    step = 1 if mod in ("next", "the coming", "coming") else -1 if mod in ("last", "past", "previous") else 0
    if unit in ("week", "weekend"):
        first = ctx.monday(step)
        if unit == "weekend":
            return _Atom(*_span(m), day=_Day(first + timedelta(days=5), first + timedelta(days=6), "day"))
        return _Atom(*_span(m), day=_Day(first, first + timedelta(days=6), "week"))
    if unit == "month":
        first = ctx.today.replace(day=1)
        if step > 0:
            first = _next_month(first)
        elif step < 0:
            first = (first - timedelta(days=1)).replace(day=1)
        return _Atom(*_span(m), day=_Day(first, _next_month(first) - timedelta(days=1), "month"))
    year = ctx.today.year + step
    return _Atom(*_span(m), day=_Day(date(year, 1, 1), date(year, 12, 31), "year"))


@_pattern(r"(?:the\s+)?weekend")
def _weekend(m: re.Match[str], ctx: _Ctx) -> _Atom:
    first = ctx.monday(-1 if ctx.prefer == "past" and ctx.today.weekday() < 5 else 0)
    return _Atom(*_span(m), day=_Day(first + timedelta(days=5), first + timedelta(days=6)))


@_pattern(r"in\s+(?P<year>(?:19|20)\d\d)")
def _year(m: re.Match[str], ctx: _Ctx) -> _Atom:
    year = int(m.group("year"))
    return _Atom(*_span(m), day=_Day(date(year, 1, 1), date(year, 12, 31), "year"))


# Rolling windows and offsets from now: "the last 30 days", "next 3 days", "in 2 hours", "3 days ago".
@_pattern(rf"(?:(?:in|within|over|during|for)\s+)?(?:the\s+)?(?P<dir>next|last|past|previous|coming|upcoming)\s+"
          rf"(?P<n>{_NUM})?\s*(?P<unit>{_UNIT})")
def _rolling(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    unit = _unit(m.group("unit"))
    # "last week" is the calendar week (_named_period); "the past week", "in the last week" roll from now.
    if m.group("n") is None and not re.match(r"(?:(?:in|within|over|during|for)\s+)?the\s", m.group().lower()):
        return None
    n = _number(m.group("n")) if m.group("n") else 1
    delta = _delta(n, unit)
    if delta is None:
        return None
    forward = m.group("dir").lower() in ("next", "coming", "upcoming")
    start, end = (ctx.now, ctx.now + delta) if forward else (ctx.now - delta, ctx.now)
    return _Atom(*_span(m), absolute=(start, end, "range", unit if unit != "minute" else "minute"))


@_pattern(rf"within\s+(?:the\s+)?(?P<n>{_NUM})\s*(?P<unit>{_UNIT})")
def _within(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    unit = _unit(m.group("unit"))
    delta = _delta(_number(m.group("n")), unit)
    return _Atom(*_span(m), absolute=(ctx.now, ctx.now + delta, "range", unit)) if delta else None


@_pattern(rf"(?:in\s+(?P<n1>{_NUM})\s*(?P<u1>{_UNIT})(?:\s+from\s+now)?|(?P<n2>{_NUM})\s*(?P<u2>{_UNIT})\s+"
          rf"(?P<dir>ago|from\s+now|from\s+today|later|earlier))")
def _offset(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    n, unit = (m.group("n1"), m.group("u1")) if m.group("n1") else (m.group("n2"), m.group("u2"))
    unit = _unit(unit)
    delta = _delta(_number(n), unit)
    if delta is None:
        return None
    back = (m.group("dir") or "").lower() in ("ago", "earlier")
    at = ctx.now - delta if back else ctx.now + delta
    if unit in ("minute", "hour"):
        return _Atom(*_span(m), absolute=(at, None, "moment", "minute"))
    return _Atom(*_span(m), day=_Day(at.date(), at.date()))


@_pattern(r"(?:the\s+)?(?:rest|remainder)\s+of\s+(?:the\s+|this\s+)?(?P<unit>day|week|month|year)")
def _rest_of(m: re.Match[str], ctx: _Ctx) -> _Atom:
    unit = m.group("unit").lower()
    if unit == "day":
        end = ctx.at(ctx.today + timedelta(days=1))
    elif unit == "week":
        end = ctx.at(ctx.monday(1))
    elif unit == "month":
        end = ctx.at(_next_month(ctx.today))
    else:
        end = ctx.at(date(ctx.today.year + 1, 1, 1))
    return _Atom(*_span(m), absolute=(ctx.now, end, "range", unit))


@_pattern(r"(?P<which>earlier|later)\s+today")
def _earlier_later_today(m: re.Match[str], ctx: _Ctx) -> _Atom:
    if m.group("which").lower() == "earlier":
        return _Atom(*_span(m), absolute=(ctx.at(ctx.today), ctx.now, "range", "day"))
    return _Atom(*_span(m), absolute=(ctx.now, ctx.at(ctx.today + timedelta(days=1)), "range", "day"))


@_pattern(r"(?:the\s+)?(?:end\s+of\s+(?:the\s+)?(?:day|business\s+day)|eod|cob|close\s+of\s+business)")
def _end_of_day(m: re.Match[str], ctx: _Ctx) -> _Atom:
    return _Atom(*_span(m), clock=_Clock(17, 0, "pm"))


@_pattern(r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?P<unit>week|month)")
def _end_of_period(m: re.Match[str], ctx: _Ctx) -> _Atom:
    if m.group("unit").lower() == "week":
        d = ctx.monday() + timedelta(days=4)
    else:
        d = _next_month(ctx.today) - timedelta(days=1)
    return _Atom(*_span(m), day=_Day(d, d), clock=_Clock(17, 0, "pm"))


@_pattern(r"(?:right\s+)?now")
def _now(m: re.Match[str], ctx: _Ctx) -> _Atom:
    return _Atom(*_span(m), absolute=(ctx.now, None, "moment", "minute"))


# Times of day. A bare number is a time only after "at", a bound word, or in a "2 to 4pm" range.
_CLOCK_EXPLICIT = (rf"(?:(?P<h>\d{{1,2}})(?::(?P<mm>\d\d))?\s*(?P<ap>{_AMPM})"
                   rf"|(?P<h24>\d{{1,2}}):(?P<m24>\d\d)(?:\s*(?:hrs|h))?"
                   rf"|(?P<hw>{_HOURW})(?:\s+(?P<mw>{_MINW}))?\s*(?:(?P<apw>{_AMPM})|o'?\s?clock)"
                   rf"|(?P<hoc>\d{{1,2}})\s*o'?\s?clock"
                   rf"|(?P<named>noon|midday|midnight))")
# A bare hour: not one followed by a unit ("3 days"), a date part, or am/pm (the explicit forms take those).
_NOT_AFTER_BARE = rf"(?!\s*(?:{_UNIT}|%|/|\.\d|-[a-z]|st\b|nd\b|rd\b|th\b|{_AMPM}|o'?\s?clock|:\d))"
_CLOCK_BARE = (rf"(?:(?P<hb>\d{{1,2}}){_NOT_AFTER_BARE}|(?P<hbw>{_HOURW})(?:\s+(?P<mbw>{_MINW}))?"
               rf"{_NOT_AFTER_BARE})")
_PAST_TO = rf"(?:(?P<q>half|quarter|(?:\d{{1,2}}|{_NUMW})\s*(?:minutes?)?)\s+(?P<pt>past|after|to|before)\s+(?P<hq>\d{{1,2}}|{_HOURW}))"


def _clock_from(m: re.Match[str], suffix: str = "") -> _Clock | None:
    """The clock time named by a match of _CLOCK_EXPLICIT / _CLOCK_BARE / _PAST_TO (group names + suffix)."""
    g = {k[:-len(suffix)] if suffix and k.endswith(suffix) else k: v for k, v in m.groupdict().items()
         if not suffix or k.endswith(suffix)}
    if g.get("named"):  # midnight ends the day it is said of ("by midnight")
        return _Clock(24 if g["named"].lower() == "midnight" else 12, 0, None, h24=True)
    if g.get("h"):
        return _Clock(int(g["h"]), int(g["mm"] or 0), g["ap"].lower().replace(".", "")[:2])
    if g.get("h24"):
        hour = int(g["h24"])
        return _Clock(hour, int(g["m24"]), None, h24=hour > 12 or g["h24"].startswith("0"))
    if g.get("hw"):
        ap = g.get("apw")
        return _Clock(int(_number(g["hw"])), _minutes_word(g["mw"]) if g.get("mw") else 0,
                      ap.lower().replace(".", "")[:2] if ap else None)
    if g.get("hoc"):
        return _Clock(int(g["hoc"]))
    if g.get("q"):
        q = g["q"].lower()
        minutes = 30 if q == "half" else 15 if q == "quarter" else int(_number(q.split()[0]))
        hour = int(_number(g["hq"]))
        if g["pt"].lower() in ("to", "before"):
            hour, minutes = (hour - 1) % 24, 60 - minutes
        return _Clock(hour, minutes)
    if g.get("hb"):
        return _Clock(int(g["hb"]))
    if g.get("hbw"):
        return _Clock(int(_number(g["hbw"])), _minutes_word(g["mbw"]) if g.get("mbw") else 0)
    return None


def _valid(clock: _Clock | None) -> bool:
    return clock is not None and 0 <= clock.hour <= 24 and 0 <= clock.minute < 60 and not (
        clock.meridiem and not 1 <= clock.hour <= 12)


@_pattern(rf"(?:(?:at|@|around|about)\s+)?(?:{_CLOCK_EXPLICIT}|{_PAST_TO})")
def _clock_explicit(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    clock = _clock_from(m)
    return _Atom(*_span(m), clock=clock) if _valid(clock) else None


@_pattern(rf"(?:at|@|around)\s+{_CLOCK_BARE}")
def _clock_at(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    clock = _clock_from(m)
    return _Atom(*_span(m), clock=clock) if _valid(clock) else None


@_pattern(rf"(?P<bound>before|after|until|till|til|by|since|no\s+later\s+than|earlier\s+than|later\s+than)\s+"
          rf"{_CLOCK_BARE}")
def _clock_bound(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    clock = _clock_from(m)
    if not _valid(clock) or not 1 <= clock.hour <= 12:
        return None
    return _Atom(*_span(m), clock=clock, bound=_bound_word(m.group("bound")))


def _suffixed(regex: str, suffix: str) -> str:
    """The same regex with every named group renamed name+suffix (to use it twice in one pattern)."""
    return re.sub(r"\(\?P<(\w+)>", lambda g: f"(?P<{g.group(1)}{suffix}>", regex)


_T1 = f"(?:{_suffixed(_CLOCK_EXPLICIT, '_1')}|{_suffixed(_CLOCK_BARE, '_1')})"
_T2 = f"(?:{_suffixed(_CLOCK_EXPLICIT, '_2')}|{_suffixed(_CLOCK_BARE, '_2')})"


@_pattern(rf"(?:(?P<kw>between|from)\s+)?{_T1}\s*(?:-|–|to|and|until|till)\s*{_T2}")
def _clock_range(m: re.Match[str], ctx: _Ctx) -> _Atom | None:
    a, b = _clock_from(m, "_1"), _clock_from(m, "_2")
    if not (_valid(a) and _valid(b)):
        return None
    said = [c for c in (a, b) if c.meridiem or c.h24]
    if not m.group("kw") and not said:
        return None  # "2 to 4" alone is too often something else
    if a.meridiem is None and not a.h24 and b.meridiem:
        a.meridiem = b.meridiem if _h24(a.hour, b.meridiem) <= _h24(b.hour, b.meridiem) else (
            "am" if b.meridiem == "pm" else "pm")
    return _Atom(*_span(m), clock=a, clock_end=b)


def _h24(hour: int, meridiem: str) -> int:
    return hour % 12 + (12 if meridiem == "pm" else 0)


def _unit(word: str) -> str:
    word = word.lower()
    for prefix, unit in (("min", "minute"), ("h", "hour"), ("d", "day"), ("w", "week"), ("mo", "month"),
                         ("y", "year")):
        if word.startswith(prefix):
            return unit
    raise ValueError(word)


def _delta(n: float, unit: str) -> timedelta | None:
    if n <= 0 or n > 10_000:
        return None
    days = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}[unit]
    return timedelta(days=n * days)


def _bound_word(word: str) -> str:
    word = " ".join(word.lower().split())
    return {"before": "before", "earlier than": "before", "after": "after", "later than": "after",
            "until": "until", "till": "until", "til": "until", "by": "until", "no later than": "until",
            "since": "since"}[word]


# ---------------------------------------------------------------- from atoms to expressions

_JOIN = re.compile(r"[\s,]*(?:(?:at|on|in\s+the|in|of|the|around|about|for)\s*)?[\s,]*$", re.IGNORECASE)
_BOUND_BEFORE = re.compile(r"(?P<w>before|after|until|till|til|by|since|no\s+later\s+than|earlier\s+than|"
                           r"later\s+than|prior\s+to)\s+$", re.IGNORECASE)
_RANGE_OPEN = re.compile(r"(?P<w>between|from)\s+$", re.IGNORECASE)
_RANGE_JOIN = re.compile(r"^\s*(?:-|–|to|and|until|till|through|thru)\s*$", re.IGNORECASE)
_ONWARDS = re.compile(r"^\s*(?:on|onwards|onward|forward)\b", re.IGNORECASE)
_PREPOSITION = re.compile(r"(?:\b(?:on|at|in\s+the|in|for|during|of|from|starting|beginning|over)\s+)$",
                          re.IGNORECASE)


def _atoms(text: str, ctx: _Ctx) -> list[_Atom]:
    """Every atom found, then the longest non-overlapping ones (earliest first on ties)."""
    found: list[_Atom] = []
    for regex, handler in _PATTERNS:
        for m in regex.finditer(text):
            atom = handler(m, ctx)
            if atom is not None:
                found.append(atom)
    found.sort(key=lambda a: (-(a.end - a.start), a.start))
    chosen: list[_Atom] = []
    for atom in found:
        if all(atom.end <= c.start or atom.start >= c.end for c in chosen):
            chosen.append(atom)
    return sorted(chosen, key=lambda a: a.start)


def _combinable(group: list[_Atom], atom: _Atom) -> bool:
    if atom.absolute or any(a.absolute for a in group) or atom.bound or any(a.bound for a in group[1:]):
        return False
    has = {k for a in group for k in ("day", "clock", "part") if getattr(a, k) is not None}
    mine = {k for k in ("day", "clock", "part") if getattr(atom, k) is not None}
    return not (has & mine)


def _groups(text: str, atoms: list[_Atom]) -> list[list[_Atom]]:
    """Atoms next to each other ("tomorrow" "at 3", "Friday" "afternoon") form one expression."""
    groups: list[list[_Atom]] = []
    for atom in atoms:
        if groups and _JOIN.match(text[groups[-1][-1].end:atom.start]) and _combinable(groups[-1], atom):
            groups[-1].append(atom)
        else:
            groups.append([atom])
    return groups


def _to_24(clock: _Clock, part: str | None) -> tuple[int, int]:
    """The hour on the 24-hour clock, with the product's business-hours reading of a bare hour."""
    if clock.meridiem:
        return _h24(clock.hour, clock.meridiem), clock.minute
    if clock.h24 or clock.hour == 0 or clock.hour > 12:
        return clock.hour, clock.minute
    if part in ("afternoon", "evening", "night", "tonight"):
        return (clock.hour % 12) + 12, clock.minute
    if part == "morning":
        return clock.hour % 12, clock.minute
    return (clock.hour + 12 if 1 <= clock.hour <= 7 else clock.hour), clock.minute


@dataclass
class _Resolved:
    start: datetime | None
    end: datetime | None
    kind: str
    granularity: str
    day_start: datetime | None = None   # the day a moment falls on (for "before 2pm" to stay within it)
    day_end: datetime | None = None


def _resolve_group(group: list[_Atom], ctx: _Ctx) -> _Resolved:
    absolute = next((a.absolute for a in group if a.absolute), None)
    if absolute:
        start, end, kind, gran = absolute
        return _Resolved(start, end, kind, gran)
    day = next((a.day for a in group if a.day), None)
    clock_atom = next((a for a in group if a.clock), None)
    part = next((a.part for a in group if a.part), None)
    first, last = (day.first, day.last) if day else (ctx.today, ctx.today)
    day_start, day_end = ctx.at(first), ctx.at(last + timedelta(days=1))
    if clock_atom and clock_atom.clock and (day is None or day.first == day.last):
        h, mi = _to_24(clock_atom.clock, part)
        start = ctx.at(first, h, mi)
        if clock_atom.clock_end:
            h2, m2 = _to_24(clock_atom.clock_end, part)
            end = ctx.at(first, h2, m2)
            if end < start:
                end += timedelta(days=1)
            return _Resolved(start, end, "range", "minute", day_start, day_end)
        return _Resolved(start, None, "moment", "minute", day_start, day_end)
    if part:
        lo, hi = _PARTS[part]
        return _Resolved(ctx.at(first, lo), ctx.at(first, hi), "range", "part_of_day", day_start, day_end)
    return _Resolved(day_start, day_end, "range", day.granularity if day else "day", day_start, day_end)


def _apply_bound(bound: str, r: _Resolved) -> _Resolved:
    """before/after/until/since applied to a resolved expression."""
    point = r.start if r.kind == "moment" else None
    if bound == "before":
        if point is not None:
            return _Resolved(r.day_start, point, "range", r.granularity)
        return _Resolved(None, r.start, "range", r.granularity)
    if bound == "after":
        if point is not None:
            return _Resolved(point, r.day_end, "range", r.granularity)
        return _Resolved(r.end, None, "range", r.granularity)
    if bound == "until":
        if point is not None:
            return _Resolved(None, point, "range", r.granularity)
        return _Resolved(None, r.end, "range", r.granularity)
    # since / from … on
    return _Resolved(r.start, None, "range", r.granularity)


def find_times(text: str, now: datetime, prefer: Prefer = "future") -> list[TimeMatch]:
    """Every time expression in `text`, resolved against `now` (timezone-aware), in order of appearance.

    `prefer` chooses between the past and the future where the words allow both ("Friday", "December 1",
    "in October"): "future" for scheduling and calendars (month/day: the nearest), "past" for mail already
    received.
    """
    ctx = _Ctx(now, prefer)
    # Lower-casing keeps offsets only if no character changes length (e.g. "İ"); those few are left as they are.
    low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    groups = _groups(low, _atoms(low, ctx))
    # "since Friday" can only look back: such groups are re-read with the past preferred.
    looking_back = {(a.start, a.end): a for a in _atoms(low, _Ctx(now, "past"))} if prefer != "past" else {}
    out: list[TimeMatch] = []
    i = 0
    while i < len(groups):
        group = groups[i]
        start, end = group[0].start, group[-1].end
        resolved = _resolve_group(group, ctx)
        day_said = any(a.day is not None or a.absolute is not None for a in group)
        before = low[:start]
        # "between Monday and Wednesday", "from December 1 to December 5"
        opener = _RANGE_OPEN.search(before)
        if i + 1 < len(groups) and _RANGE_JOIN.match(low[end:groups[i + 1][0].start]) and (
                opener or low[end:groups[i + 1][0].start].strip() in ("-", "–", "to", "through", "thru", "until")):
            other = _resolve_group(groups[i + 1], ctx)
            close = other.start if other.kind == "moment" else other.end
            if resolved.start and close and close <= resolved.start and resolved.start - close < timedelta(days=7):
                close += timedelta(days=7)  # "between Monday and Friday" said on a Thursday: next week's
            resolved = _Resolved(resolved.start, close, "range", resolved.granularity)
            end = groups[i + 1][-1].end
            day_said = day_said or any(a.day is not None or a.absolute is not None for a in groups[i + 1])
            if opener:
                start = opener.start()
            i += 1
        else:
            bound = group[0].bound
            said = _BOUND_BEFORE.search(before)
            if bound is None and said:
                bound = _bound_word(said.group("w")) if said.group("w").lower() != "prior to" else "before"
                start = said.start()
            elif bound is None and re.search(r"\bfrom\s+$", before) and _ONWARDS.match(low[end:]):
                bound = "since"
                end += _ONWARDS.match(low[end:]).end()  # type: ignore[union-attr]
            elif bound is None and re.search(r"\bstarting\s+(?:from\s+)?$", before):
                bound = "since"
            if bound == "since" and looking_back:
                resolved = _resolve_group([looking_back.get((a.start, a.end), a) for a in group], ctx)
            if bound:
                resolved = _apply_bound(bound, resolved)
        prep = _PREPOSITION.search(low[:start])
        if prep:
            start = prep.start()
        out.append(TimeMatch(text[start:end], resolved.start, resolved.end, resolved.kind, resolved.granularity,
                             (start, end), day_said))
        i += 1
    return out


def on_day(clock: TimeMatch, day: TimeMatch) -> TimeMatch:
    """A bare clock time put on a day said elsewhere: "at 12 … for December 11" → December 11 at 12:00.

    Returns `clock` unchanged unless it is a moment without a day and `day` is a single-day range."""
    if clock.day_said or clock.kind != "moment" or clock.start is None or not day.day_said or day.start is None \
            or day.end is None or day.granularity != "day" or day.end - day.start != timedelta(days=1):
        return clock
    start = datetime.combine(day.start.date(), clock.start.timetz())
    first, second = sorted((clock, day), key=lambda t: t.span[0])
    return TimeMatch(f"{first.text} … {second.text}", start, None, "moment", "minute",
                     (first.span[0], second.span[1]), True)


def resolve(text: str, now: datetime, prefer: Prefer = "future") -> TimeMatch | None:
    """The first time expression in `text`, or None."""
    found = find_times(text, now, prefer)
    return found[0] if found else None


# ---------------------------------------------------------------- durations

_DURATION = re.compile(
    _B + r"(?:"
    r"(?P<half1>half\s+an?\s+hour|half[\s-]+hour|an?\s+half[\s-]+hour)"
    rf"|(?P<n1>{_NUM})\s+and\s+a\s+half[\s-]*(?P<u1>hours?|hrs?|days?)"
    rf"|(?P<n2>{_NUM})[\s-]*(?P<u2>hours?|hrs?|h)\s*(?:and\s+)?(?P<m2>\d+|{_NUMW})[\s-]*(?:minutes?|mins?|m)"
    rf"|(?P<n3>{_NUM})[\s-]*(?P<u3>minutes?|mins?|m|hours?|hrs?|h|days?|weeks?)"
    r"(?P<andhalf>\s+and\s+a\s+half)?"
    r")" + r"(?![\w@])", re.IGNORECASE)


def find_durations(text: str, exclude: Sequence[tuple[int, int]] = ()) -> list[DurationMatch]:
    """Lengths of time in `text` ("30 minutes", "a 1.5 hour event", "half an hour", "an hour and a half"),
    skipping any that overlap `exclude` (pass the spans of `find_times`, so "the next 3 days" is not a duration).
    """
    out: list[DurationMatch] = []
    for m in _DURATION.finditer(text):
        if any(m.start() < e and s < m.end() for s, e in exclude):
            continue
        minutes = _duration_minutes(m)
        if minutes is None or minutes <= 0:
            continue
        out.append(DurationMatch(m.group(), int(round(minutes)), (m.start(), m.end())))
    return out


def _duration_minutes(m: re.Match[str]) -> float | None:
    g = {k: (v.lower() if v else v) for k, v in m.groupdict().items()}
    per = {"m": 1, "h": 60, "d": 1440, "w": 10080}
    if g["half1"]:
        return 30
    if g["n1"]:
        return (_number(g["n1"]) + 0.5) * per[g["u1"][0]]
    if g["n2"]:
        return _number(g["n2"]) * 60 + _number(g["m2"])
    if g["n3"]:
        unit = g["u3"]
        if g["n3"] in ("a", "an") and unit in ("m", "h"):
            return None  # "a m" is not a duration
        value = _number(g["n3"]) + (0.5 if g["andhalf"] else 0)
        return value * per[unit[0]]
    return None


def remove_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` without the given spans, whitespace tidied (to get the topic words left after times are cut)."""
    keep, last = [], 0
    for s, e in sorted(spans):
        if s >= last:
            keep.append(text[last:s])
            last = e
        else:
            last = max(last, e)
    keep.append(text[last:])
    return " ".join(" ".join(keep).split())
