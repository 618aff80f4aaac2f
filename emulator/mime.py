"""RFC 2822 <-> Gmail message resources.

Gmail stores the original bytes of a message and serves them three ways: ``raw`` (base64url of
the bytes), ``payload`` (a tree of MessagePart with decoded-transfer-encoding bodies in base64url)
and a handful of derived fields (snippet, sizeEstimate). This module does those conversions with
the standard library ``email`` package and nothing else. Shapes follow the real responses kept in
``emulator/data/gmail_fixtures/``.
"""

from __future__ import annotations

import base64
import email.errors
import email.header
import email.utils
import html
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import Message as EmailMessage
from email.parser import BytesParser
from typing import Any

_PARSER = BytesParser(policy=policy.compat32)
_HEADER_PARSER = BytesParser(policy=policy.compat32)
_UNFOLD = re.compile(r"\r?\n[ \t]+")
_WS = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]*>")
_INVISIBLE = re.compile(r"<(style|script|head)\b.*?</\1\s*>", re.S | re.I)
SNIPPET_LEN = 200


def b64url_encode(data: bytes) -> str:
    """base64url with padding, as Gmail emits in ``body.data`` and ``raw``."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url (padding optional); also accepts the standard alphabet like Gmail does.

    Raises ValueError on garbage so callers can answer 400.
    """
    s = text.strip().replace("+", "-").replace("/", "_")
    s += "=" * (-len(s) % 4)
    try:
        return base64.urlsafe_b64decode(s.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:  # binascii.Error is a ValueError
        raise ValueError("invalid base64url data") from exc


def parse(raw: bytes) -> EmailMessage:
    """Parse RFC 2822 bytes (compat32 keeps headers exactly as written)."""
    return _PARSER.parsebytes(raw)


def decode_header_value(value: str) -> str:
    """Unfold a header and decode RFC 2047 encoded-words (Gmail returns decoded values)."""
    if not isinstance(value, str):  # email.header.Header for odd inputs
        value = str(value)
    value = _UNFOLD.sub(" ", value)
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        # 8-bit header bytes smuggled as surrogates by the parser: assume UTF-8.
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" in value:
        try:
            value = str(email.header.make_header(email.header.decode_header(value)))
        except (UnicodeError, LookupError, email.errors.HeaderParseError):
            pass
    return value


def _headers(part: EmailMessage) -> list[dict[str, str]]:
    return [{"name": name, "value": decode_header_value(value)} for name, value in part._headers]  # noqa: SLF001


def _part_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            return inner[0].as_bytes()
    data = part.get_payload(decode=True)
    if data is None:
        payload = part.get_payload()
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data


def _is_attachment(part: EmailMessage) -> bool:
    return bool(part.get_filename()) or part.get_content_type() == "message/rfc822"


def attachment_id(message_id: str, part_id: str) -> str:
    """Opaque attachment id that encodes where the bytes live."""
    return "ANGj" + b64url_encode(f"{message_id}:{part_id}".encode()).rstrip("=")


def parse_attachment_id(att_id: str) -> tuple[str, str] | None:
    """Inverse of :func:`attachment_id`; None when malformed."""
    if not att_id.startswith("ANGj"):
        return None
    try:
        msg_id, part_id = b64url_decode(att_id[4:]).decode().split(":", 1)
    except (ValueError, UnicodeDecodeError):
        return None
    return msg_id, part_id


def _part_payload(part: EmailMessage, part_id: str, message_id: str) -> dict[str, Any]:
    filename = part.get_filename() or ""
    out: dict[str, Any] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": decode_header_value(filename) if filename else "",
        "headers": _headers(part),
    }
    if part.is_multipart() and part.get_content_type() != "message/rfc822":
        out["body"] = {"size": 0}
        children = part.get_payload()
        out["parts"] = [
            _part_payload(child, f"{part_id}.{i}" if part_id else str(i), message_id)
            for i, child in enumerate(children)
        ]
        return out
    data = _part_bytes(part)
    if _is_attachment(part):
        out["body"] = {"attachmentId": attachment_id(message_id, part_id), "size": len(data)}
    elif data:
        out["body"] = {"size": len(data), "data": b64url_encode(data)}
    else:
        out["body"] = {"size": 0}
    return out


def full_payload(raw: bytes, message_id: str) -> dict[str, Any]:
    """The ``payload`` of ``messages.get?format=full``: the MIME tree with partIds ("", "0", "0.1")."""
    return _part_payload(parse(raw), "", message_id)


def metadata_payload(raw: bytes, wanted: list[str] | None) -> dict[str, Any]:
    """The ``payload`` of ``format=metadata``: top-level headers only, filtered by metadataHeaders."""
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    msg = _HEADER_PARSER.parsebytes(head + b"\r\n\r\n", headersonly=True)
    headers = _headers(msg)
    if wanted:
        keep = {w.lower() for w in wanted}
        headers = [h for h in headers if h["name"].lower() in keep]
    return {"partId": "", "mimeType": msg.get_content_type(), "filename": "", "headers": headers}


def find_part(raw: bytes, part_id: str) -> bytes | None:
    """Decoded bytes of the part with ``part_id`` (for attachments.get)."""
    node = parse(raw)
    if part_id:
        for index in part_id.split("."):
            if not node.is_multipart():
                return None
            children = node.get_payload()
            try:
                node = children[int(index)]
            except (ValueError, IndexError):
                return None
    return _part_bytes(node)


def _charset_text(part: EmailMessage) -> str:
    data = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def extract_text(msg: EmailMessage) -> tuple[str, str, bool, list[str]]:
    """(plain-text body, snippet source, has-attachment, filenames).

    The body is the first text/plain part (else tag-stripped text/html); the snippet source prefers
    the HTML rendering, which is what Gmail's snippets show (``cool *stuff*`` vs ``cool stuff``).
    """
    plain: str | None = None
    html_text: str | None = None
    filenames: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if _is_attachment(part):
            filenames.append(decode_header_value(part.get_filename() or ""))
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and plain is None:
            plain = _charset_text(part)
        elif ctype == "text/html" and html_text is None:
            html_text = html.unescape(_TAGS.sub(" ", _INVISIBLE.sub(" ", _charset_text(part))))
    text = plain if plain is not None else (html_text or "")
    return text, html_text if html_text is not None else text, bool(filenames), filenames


def make_snippet(text: str) -> str:
    """Gmail-like snippet: whitespace collapsed, ~200 chars, HTML-escaped ('&#39;' for quotes)."""
    collapsed = _WS.sub(" ", text).strip()
    if len(collapsed) > SNIPPET_LEN:
        cut = collapsed.rfind(" ", 0, SNIPPET_LEN)
        collapsed = collapsed[: cut if cut > SNIPPET_LEN // 2 else SNIPPET_LEN]
    return (
        collapsed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&#39;")
    )


@dataclass(slots=True)
class Meta:
    """Derived, searchable view of a message (computed lazily and cached on the message)."""

    from_: str = ""
    to: str = ""
    cc: str = ""
    bcc: str = ""
    subject: str = ""
    date: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    deliveredto: str = ""
    list_id: str = ""
    text: str = ""
    snippet: str = ""
    has_attachment: bool = False
    filenames: list[str] = field(default_factory=list)
    search_doc: str = ""  # " word word ... " over subject, addresses, body and filenames


_WORDS = re.compile(r"\w+")


def normalize_words(text: str) -> str:
    """Lower-cased words joined by single spaces, padded: phrase search becomes substring search."""
    return " " + " ".join(_WORDS.findall(text.lower())) + " "


def compute_meta(raw: bytes) -> Meta:
    """Parse once and keep what search, snippets and the state dump need."""
    msg = parse(raw)

    def h(name: str) -> str:
        values = msg.get_all(name)
        return ", ".join(decode_header_value(v) for v in values) if values else ""

    text, snippet_src, has_att, filenames = extract_text(msg)
    from_, to, cc, bcc, subject = h("From"), h("To"), h("Cc"), h("Bcc"), h("Subject")
    doc = normalize_words(" ".join([subject, from_, to, cc, bcc, text, " ".join(filenames)]))
    return Meta(
        from_=from_, to=to, cc=cc, bcc=bcc, subject=subject, date=h("Date"),
        message_id=h("Message-ID").strip(), in_reply_to=h("In-Reply-To").strip(), references=h("References"),
        deliveredto=h("Delivered-To"), list_id=h("List-Id"),
        text=text, snippet=make_snippet(snippet_src), has_attachment=has_att, filenames=filenames, search_doc=doc,
    )


def addresses(value: str) -> list[str]:
    """Lower-cased bare addresses from an address header value."""
    return [addr.lower() for _, addr in email.utils.getaddresses([value]) if addr]


def header_date_ms(value: str) -> int | None:
    """Epoch ms of an RFC 2822 Date header, or None if it does not parse."""
    if not value:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)


def build_raw(
    *,
    sender: str,
    to: str | list[str],
    subject: str = "",
    body: str = "",
    date: datetime | None = None,
    cc: str | list[str] = "",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    html_body: str | None = None,
) -> bytes:
    """Build a simple RFC 2822 message (text/plain, or multipart/alternative with ``html_body``)."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    def joined(v: str | list[str]) -> str:
        return ", ".join(v) if isinstance(v, list) else v

    if html_body is not None:
        msg: EmailMessage = MIMEMultipart("alternative")
        msg.attach(MIMEText(body, "plain", "utf-8"))
        msg.attach(MIMEText(html_body, "html", "utf-8"))
    else:
        msg = MIMEText(body, "plain", "utf-8")
    msg["From"] = sender
    msg["To"] = joined(to)
    if cc:
        msg["Cc"] = joined(cc)
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(date or datetime.now(timezone.utc))
    msg["Message-ID"] = message_id or email.utils.make_msgid(domain="emulator.local")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    return msg.as_bytes(policy=policy.SMTP)


def ensure_headers(raw: bytes, *, sender: str, date: datetime) -> bytes:
    """Add From/Date/Message-ID when a sent message lacks them, as Gmail does on send."""
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    msg = _HEADER_PARSER.parsebytes(head + b"\r\n\r\n", headersonly=True)
    eol = b"\r\n" if b"\r\n" in head else b"\n"
    extra = b""
    if msg.get("From") is None:
        extra += b"From: " + sender.encode() + eol
    if msg.get("Date") is None:
        extra += b"Date: " + email.utils.format_datetime(date).encode() + eol
    if msg.get("Message-ID") is None:
        extra += b"Message-ID: " + email.utils.make_msgid(domain="emulator.local").encode() + eol
    return extra + raw


_BCC = re.compile(rb"^bcc:.*(?:\r?\n[ \t].*)*\r?\n", re.I | re.M)


def strip_bcc(raw: bytes) -> bytes:
    """The copy recipients get: the header block without Bcc (the sender's copy keeps it)."""
    sep = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    head, _, body = raw.partition(sep)
    return _BCC.sub(b"", head + b"\n").rstrip(b"\r\n") + sep + body if _ else raw


class PayloadCache:
    """Bounded LRU of parsed ``format=full`` payloads: parsing MIME dominates messages.get cost."""

    def __init__(self, size: int = 20000) -> None:
        self._size = size
        self._data: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], raw: bytes) -> dict[str, Any]:
        """The cached payload for ``key`` or a freshly parsed one (the raw bytes never change)."""
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                return hit
        value = full_payload(raw, key[1])
        with self._lock:
            self._data[key] = value
            if len(self._data) > self._size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        """Drop everything (after a reset or load)."""
        with self._lock:
            self._data.clear()
