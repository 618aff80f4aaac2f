"""Search-query parsers: Gmail ``q`` and Drive ``q``.

Both parse into a small AST (And/Or/Not/leaf) and evaluate it against stored objects. Syntax
errors raise :class:`QueryError`, which the APIs turn into 400s.

Gmail: ``from: to: cc: bcc: subject: after: before: older: newer: newer_than: older_than: label:
in: is: has: filename: category: larger: smaller: rfc822msgid: list: deliveredto:``, free words,
``"phrases"``, ``-negation``, ``OR`` / ``{a b}``, ``( )`` grouping and ``op:(a b)`` groups.
Free words match whole words (case-insensitive) in subject, addresses, body and attachment names.

Drive: ``name contains|=|!=``, ``fullText contains``, ``mimeType =|!=|contains``,
``modifiedTime|createdTime|viewedByMeTime|sharedWithMeTime <,<=,=,!=,>,>=``,
``trashed|starred|sharedWithMe =|!= true|false``, ``'x' in parents|owners|writers|readers``,
``visibility =``, combined with ``and``/``or``/``not``/parentheses.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from . import mime


class QueryError(ValueError):
    """The query does not parse."""


@dataclass
class And:
    items: list[Any]


@dataclass
class Or:
    items: list[Any]


@dataclass
class Not:
    item: Any


@dataclass
class Term:
    """A Gmail leaf: ``op`` is None for free text; ``phrase`` for quoted text."""

    op: str | None
    value: str
    phrase: bool = False


# ============================================================================================
# Gmail

GMAIL_OPS = {
    "from", "to", "cc", "bcc", "subject", "after", "before", "older", "newer", "newer_than",
    "older_than", "label", "in", "is", "has", "filename", "category", "larger", "smaller", "size",
    "rfc822msgid", "list", "deliveredto",
}
_GMAIL_PUNCT = '(){}"'


def _gmail_tokens(q: str) -> list[tuple[str, str]]:
    """Tokens: ('(',..) ('{',..) ('-','-') ('OR','OR') ('Q', quoted) ('W', word) ('OP', 'name')."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c in "(){}":
            out.append((c, c))
            i += 1
        elif c == '"':
            j = q.find('"', i + 1)
            if j < 0:
                raise QueryError("Unbalanced quotes in query")
            out.append(("Q", q[i + 1:j]))
            i = j + 1
        elif c == "-" and i + 1 < n and not q[i + 1].isspace():
            out.append(("-", "-"))
            i += 1
        else:
            j = i
            while j < n and not q[j].isspace() and q[j] not in _GMAIL_PUNCT:
                j += 1
            word = q[i:j]
            i = j
            if word in ("OR", "|"):
                out.append(("OR", word))
            elif word == "AND":
                continue
            elif ":" in word and word.split(":", 1)[0].lower() in GMAIL_OPS:
                op, val = word.split(":", 1)
                out.append(("OP", op.lower()))
                if val:
                    out.append(("W", val))
            else:
                out.append(("W", word))
    return out


class _GmailParser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Any:
        node = self.or_expr(None, closers=())
        if self.peek() is not None:
            raise QueryError(f"Unexpected '{self.peek()[1]}' in query")
        return node

    def or_expr(self, default_op: str | None, closers: tuple[str, ...]) -> Any:
        items = [self.and_expr(default_op, closers)]
        while self.peek() is not None and self.peek()[0] == "OR":
            self.take()
            items.append(self.and_expr(default_op, closers))
        return items[0] if len(items) == 1 else Or(items)

    def and_expr(self, default_op: str | None, closers: tuple[str, ...]) -> Any:
        items = []
        while True:
            tok = self.peek()
            if tok is None or tok[0] == "OR" or tok[0] in closers:
                break
            if tok[0] in ")}":
                raise QueryError(f"Unbalanced '{tok[0]}' in query")
            items.append(self.unary(default_op))
        if not items:
            raise QueryError("Empty operand in query")
        return items[0] if len(items) == 1 else And(items)

    def unary(self, default_op: str | None) -> Any:
        tok = self.peek()
        if tok[0] == "-":
            self.take()
            if self.peek() is None:
                raise QueryError("Dangling '-' in query")
            return Not(self.unary(default_op))
        return self.primary(default_op)

    def group(self, default_op: str | None, opener: str) -> Any:
        closer = ")" if opener == "(" else "}"
        if self.peek() is not None and self.peek()[0] == closer:
            raise QueryError("Empty group in query")
        node = self.or_expr(default_op, closers=(closer,))
        if self.peek() is None or self.peek()[0] != closer:
            raise QueryError(f"Unbalanced '{opener}' in query")
        self.take()
        if opener == "{":  # {a b} means a OR b
            node = Or(node.items) if isinstance(node, And) else node
        return node

    def primary(self, default_op: str | None) -> Any:
        kind, val = self.take()
        if kind in "({":
            return self.group(default_op, kind)
        if kind == "OP":
            nxt = self.peek()
            if nxt is None or nxt[0] in ("OR", ")", "}", "-"):
                raise QueryError(f"Missing value for '{val}:' in query")
            if nxt[0] in "({":
                self.take()
                return self.group(val, nxt[0])
            k2, v2 = self.take()
            if k2 == "OP":
                raise QueryError(f"Missing value for '{val}:' in query")
            return _check_term(Term(val, v2, phrase=(k2 == "Q")))
        if kind == "Q":
            return _check_term(Term(default_op, val, phrase=True))
        return _check_term(Term(default_op, val))


_DATE_FORMATS = ("%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y", "%Y/%m", "%Y")


def _gmail_date(value: str, tz: timezone | ZoneInfo) -> datetime:
    if value.isdigit() and len(value) >= 9:  # epoch seconds
        return datetime.fromtimestamp(int(value), timezone.utc)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise QueryError(f"Invalid date '{value}' in query")


@functools.lru_cache(maxsize=512)
def _date_ms(value: str, tz: Any) -> float:
    """Epoch ms of a query date (memoised: evaluated once per message otherwise)."""
    return _gmail_date(value, tz).timestamp() * 1000


_REL = re.compile(r"^(\d+)([dmy])$", re.I)
_SIZE = re.compile(r"^(\d+)([kmKM]?)$")
CATEGORIES = {"primary": "CATEGORY_PERSONAL", "personal": "CATEGORY_PERSONAL", "social": "CATEGORY_SOCIAL",
              "promotions": "CATEGORY_PROMOTIONS", "updates": "CATEGORY_UPDATES", "forums": "CATEGORY_FORUMS"}


def _check_term(t: Term) -> Term:
    """Reject values that Gmail would refuse, at parse time so errors are reported up front."""
    v = t.value
    if t.op in ("after", "before", "older", "newer"):
        _gmail_date(v, timezone.utc)
    elif t.op in ("newer_than", "older_than"):
        if not _REL.match(v):
            raise QueryError(f"Invalid relative date '{v}' in query (use e.g. 2d, 3m, 1y)")
    elif t.op in ("larger", "smaller", "size"):
        if not _SIZE.match(v):
            raise QueryError(f"Invalid size '{v}' in query")
    return t


def parse_gmail(q: str) -> Any | None:
    """Parse a Gmail search query (None for an empty query)."""
    tokens = _gmail_tokens(q or "")
    if not tokens:
        return None
    return _GmailParser(tokens).parse()


def mentions_spam_trash(node: Any) -> bool:
    """Whether the query asks for TRASH/SPAM explicitly (then they are not filtered out)."""
    if node is None:
        return False
    if isinstance(node, (And, Or)):
        return any(mentions_spam_trash(i) for i in node.items)
    if isinstance(node, Not):
        return False
    v = node.value.lower()
    return (node.op in ("in", "label") and v in ("trash", "spam", "anywhere", "all"))


@dataclass
class GmailContext:
    """What term evaluation needs besides the message."""

    mailbox: Any
    user_email: str
    now: datetime
    tz: Any = timezone.utc


def _words_match(doc: str, value: str) -> bool:
    needle = mime.normalize_words(value)
    return needle.strip() == "" or needle in doc


def _addr_match(header: str, value: str, ctx: GmailContext) -> bool:
    v = value.lower()
    if v == "me":
        v = ctx.user_email
    return v in header.lower()


def _months_ago(now: datetime, months: int) -> datetime:
    y, m = divmod(now.month - 1 - months, 12)
    year, month = now.year + y, m + 1
    day = min(now.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                        31, 31, 30, 31, 30, 31][month - 1])
    return now.replace(year=year, month=month, day=day)


def _relative(now: datetime, value: str) -> datetime:
    n, unit = _REL.match(value).groups()
    n = int(n)
    if unit.lower() == "d":
        return now - timedelta(days=n)
    return _months_ago(now, n if unit.lower() == "m" else 12 * n)


@functools.lru_cache(maxsize=512)
def _relative_ms(now: datetime, value: str) -> float:
    return _relative(now, value).timestamp() * 1000


def _size(value: str) -> int:
    n, unit = _SIZE.match(value).groups()
    return int(n) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


def gmail_match(node: Any, msg: Any, ctx: GmailContext) -> bool:
    """Evaluate a parsed Gmail query against a stored message."""
    if isinstance(node, And):
        return all(gmail_match(i, msg, ctx) for i in node.items)
    if isinstance(node, Or):
        return any(gmail_match(i, msg, ctx) for i in node.items)
    if isinstance(node, Not):
        return not gmail_match(node.item, msg, ctx)
    op, v = node.op, node.value
    if op is None:
        return _words_match(msg.meta().search_doc, v)
    if op == "from":
        return _addr_match(msg.meta().from_, v, ctx)
    if op == "to":
        m = msg.meta()
        return _addr_match(" ".join((m.to, m.cc, m.bcc)), v, ctx)
    if op == "cc":
        return _addr_match(msg.meta().cc, v, ctx)
    if op == "bcc":
        return _addr_match(msg.meta().bcc, v, ctx)
    if op == "subject":
        return _words_match(mime.normalize_words(msg.meta().subject), v)
    if op in ("after", "newer"):
        return msg.internal_date >= _date_ms(v, ctx.tz)
    if op in ("before", "older"):
        return msg.internal_date < _date_ms(v, ctx.tz)
    if op == "newer_than":
        return msg.internal_date >= _relative_ms(ctx.now, v)
    if op == "older_than":
        return msg.internal_date < _relative_ms(ctx.now, v)
    if op == "label":
        lid = ctx.mailbox.label_by_name(v)
        return lid is not None and lid in msg.labels
    if op == "in":
        lv = v.lower()
        if lv in ("anywhere", "all"):
            return True
        lid = {"drafts": "DRAFT", "draft": "DRAFT", "chats": "CHAT"}.get(lv) or ctx.mailbox.label_by_name(v)
        return lid is not None and lid in msg.labels
    if op == "is":
        lv = v.lower()
        if lv == "read":
            return "UNREAD" not in msg.labels
        lid = {"unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT", "chat": "CHAT"}.get(lv)
        return lid is not None and lid in msg.labels
    if op == "has":
        lv = v.lower()
        if lv == "attachment":
            return msg.meta().has_attachment
        user_labels = any(lab.startswith("Label_") or lab in ctx.mailbox.labels for lab in msg.labels)
        if lv == "userlabels":
            return user_labels
        if lv == "nouserlabels":
            return not user_labels
        return False
    if op == "filename":
        lv = v.lower()
        return any(lv in f.lower() for f in msg.meta().filenames)
    if op == "category":
        lid = CATEGORIES.get(v.lower())
        return lid is not None and lid in msg.labels
    if op in ("larger", "size"):
        return len(msg.raw) >= _size(v)
    if op == "smaller":
        return len(msg.raw) < _size(v)
    if op == "rfc822msgid":
        return v.strip("<>").lower() in msg.meta().message_id.lower()
    if op == "list":
        return v.lower() in msg.meta().list_id.lower()
    if op == "deliveredto":
        return v.lower() in msg.meta().deliveredto.lower()
    return False


# ============================================================================================
# Drive


@dataclass
class Cmp:
    """A Drive leaf: ``field op value`` (``in`` is stored as op 'in' with field = collection)."""

    field: str
    op: str
    value: Any


DRIVE_FIELD_OPS: dict[str, set[str]] = {
    "name": {"contains", "=", "!="},
    "fulltext": {"contains"},
    "mimetype": {"contains", "=", "!="},
    "modifiedtime": {"<", "<=", "=", "!=", ">", ">="},
    "createdtime": {"<", "<=", "=", "!=", ">", ">="},
    "viewedbymetime": {"<", "<=", "=", "!=", ">", ">="},
    "sharedwithmetime": {"<", "<=", "=", "!=", ">", ">="},
    "trashed": {"=", "!="},
    "starred": {"=", "!="},
    "sharedwithme": {"=", "!="},
    "visibility": {"=", "!="},
}
DRIVE_IN_FIELDS = {"parents", "owners", "writers", "readers"}
_DRIVE_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<op><=|>=|!=|=|<|>)|(?P<paren>[()])|(?P<word>[A-Za-z_][\w.]*))")


def _drive_tokens(q: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    q = q.rstrip()
    while pos < len(q):
        m = _DRIVE_TOKEN.match(q, pos)
        if not m or m.end() == pos:
            raise QueryError(f"Invalid query near '{q[pos:pos + 20]}'")
        pos = m.end()
        if m.group("str") is not None:
            raw = m.group("str")[1:-1]
            out.append(("STR", re.sub(r"\\(.)", r"\1", raw)))
        elif m.group("op"):
            out.append(("OP", m.group("op")))
        elif m.group("paren"):
            out.append((m.group("paren"), m.group("paren")))
        else:
            out.append(("WORD", m.group("word")))
    return out


class _DriveParser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.pos = 0

    def peek(self, k: int = 0) -> tuple[str, str] | None:
        return self.toks[self.pos + k] if self.pos + k < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.toks):
            raise QueryError("Unexpected end of query")
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def is_kw(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "WORD" and tok[1].lower() == word

    def parse(self) -> Any:
        node = self.or_expr()
        if self.peek() is not None:
            raise QueryError(f"Unexpected '{self.peek()[1]}' in query")
        return node

    def or_expr(self) -> Any:
        items = [self.and_expr()]
        while self.is_kw("or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(items)

    def and_expr(self) -> Any:
        items = [self.not_expr()]
        while self.is_kw("and"):
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(items)

    def not_expr(self) -> Any:
        if self.is_kw("not"):
            self.take()
            return Not(self.not_expr())
        tok = self.peek()
        if tok is not None and tok[0] == "(":
            self.take()
            node = self.or_expr()
            if self.take()[0] != ")":
                raise QueryError("Unbalanced parentheses in query")
            return node
        return self.comparison()

    def comparison(self) -> Cmp:
        kind, val = self.take()
        if kind == "STR":  # 'x' in parents
            if not self.is_kw("in"):
                raise QueryError("Expected 'in' after a string")
            self.take()
            k2, coll = self.take()
            if k2 != "WORD" or coll.lower() not in DRIVE_IN_FIELDS:
                raise QueryError(f"Invalid collection '{coll}' for 'in'")
            return Cmp(coll.lower(), "in", val)
        if kind != "WORD":
            raise QueryError(f"Unexpected '{val}' in query")
        fname = val.lower()
        if fname not in DRIVE_FIELD_OPS:
            raise QueryError(f"Invalid field '{val}' in query")
        if fname == "sharedwithme" and (self.peek() is None or self.peek()[0] != "OP"):
            return Cmp(fname, "=", True)  # bare boolean term
        if self.is_kw("contains"):
            self.take()
            op = "contains"
        else:
            k2, op = self.take()
            if k2 != "OP":
                raise QueryError(f"Expected an operator after '{val}'")
        if op not in DRIVE_FIELD_OPS[fname]:
            raise QueryError(f"Operator '{op}' is not supported for '{val}'")
        k3, value = self.take()
        if fname in ("trashed", "starred", "sharedwithme"):
            if k3 != "WORD" or value.lower() not in ("true", "false"):
                raise QueryError(f"'{val}' needs true or false")
            return Cmp(fname, op, value.lower() == "true")
        if k3 != "STR":
            raise QueryError(f"'{val}' needs a quoted string value")
        if fname.endswith("time"):
            try:
                value = _drive_time(value)
            except ValueError as exc:
                raise QueryError(f"Invalid date '{value}'") from exc
        return Cmp(fname, op, value)


def _drive_time(value: str) -> datetime:
    v = value.strip()
    if v.endswith(("Z", "z")):
        v = v[:-1] + "+00:00"
    dt = datetime.fromisoformat(v)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def parse_drive(q: str) -> Any | None:
    """Parse a Drive files.list query (None for an empty one)."""
    tokens = _drive_tokens(q or "")
    if not tokens:
        return None
    return _DriveParser(tokens).parse()


def _word_prefix(text: str, value: str) -> bool:
    return re.search(r"(?<![0-9a-z])" + re.escape(value.lower()), text.lower()) is not None


_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}
_TIME_FIELDS = {"modifiedtime": "modifiedTime", "createdtime": "createdTime",
                "viewedbymetime": "viewedByMeTime", "sharedwithmetime": "sharedWithMeTime"}


def drive_match(node: Any, df: Any, user_email: str, root_id: str = "root") -> bool:
    """Evaluate a parsed Drive query against a DriveFile (``root_id``: the id 'root' stands for)."""
    if isinstance(node, And):
        return all(drive_match(i, df, user_email, root_id) for i in node.items)
    if isinstance(node, Or):
        return any(drive_match(i, df, user_email, root_id) for i in node.items)
    if isinstance(node, Not):
        return not drive_match(node.item, df, user_email, root_id)
    f = df.file
    fld, op, v = node.field, node.op, node.value
    if fld == "name":
        name = f.get("name", "")
        return _word_prefix(name, v) if op == "contains" else _CMP[op](name, v)
    if fld == "fulltext":
        doc = " ".join((f.get("name", ""), f.get("description", ""), df.text))
        if len(v) > 1 and v.startswith('"') and v.endswith('"'):
            return mime.normalize_words(v[1:-1]) in mime.normalize_words(doc)
        return all(_word_prefix(doc, w) for w in re.findall(r"\w+", v)) if re.findall(r"\w+", v) else True
    if fld == "mimetype":
        mt = f.get("mimeType", "")
        return v in mt if op == "contains" else _CMP[op](mt, v)
    if fld in _TIME_FIELDS:
        raw = f.get(_TIME_FIELDS[fld])
        if not raw:
            return False
        return _CMP[op](_drive_time(raw), v)
    if fld in ("trashed", "starred"):
        return _CMP[op](bool(f.get(fld)), v)
    if fld == "sharedwithme":
        owned = any(o.get("emailAddress", "").lower() == user_email for o in f.get("owners", []))
        return _CMP[op](not owned, v)
    if fld == "visibility":
        vis = "anyoneWithLink" if any(p.get("type") == "anyone" for p in df.permissions) else "limited"
        return _CMP[op](vis, v)
    if op == "in":
        target = user_email if v.lower() == "me" else v.lower()
        if fld == "parents":
            parents = f.get("parents") or [root_id]
            return (root_id if v == "root" else v) in parents or v in parents
        if fld == "owners":
            return any(o.get("emailAddress", "").lower() == target for o in f.get("owners", []))
        roles = {"writers": {"owner", "organizer", "fileOrganizer", "writer"},
                 "readers": {"owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"}}[fld]
        return any(p.get("emailAddress", "").lower() == target and p.get("role") in roles for p in df.permissions)
    return False
