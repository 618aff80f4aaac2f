"""Shared helpers for the demo world: ids, names, dates and MIME construction.

Everything here is deterministic: ids and MIME boundaries are derived from
hashes of stable inputs, never from the clock or an unseeded RNG.
"""
from __future__ import annotations

import base64
import email.policy
import email.utils
import hashlib
import io
import zipfile
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Iterable, Sequence

UTC = timezone.utc
USER_EMAIL = "sam@atlas.com"
USER_NAME = "Sam"
#: The demo world's "now" (WorkBench's now).
NOW = datetime(2023, 11, 30, 0, 0, 0, tzinfo=UTC)

# RFC 2822 wants CRLF line endings; Gmail's `raw` uses them too.
POLICY = email.policy.default.clone(linesep="\r\n")


# --------------------------------------------------------------------------- hashing / ids
def digest(*parts: object) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(str(p).encode("utf-8"))
        h.update(b"\x00")
    return h.digest()


def hexhash(*parts: object, n: int = 16) -> str:
    return digest(*parts).hex()[:n]


def gmail_id(when: datetime, *salt: object) -> str:
    """A Gmail-style 16-hex-digit id: 11 hex digits of epoch millis + 5 of hash.

    Real Gmail ids of 2023 start with ``18b``/``18c`` for the same reason.
    They can never collide with WorkBench's 8-decimal-digit ids.
    """
    ms = int(when.timestamp() * 1000)
    return f"{ms:011x}{hexhash('gmail-id', ms, *salt, n=5)}"


def message_id_header(*salt: object, domain: str = "mail.gmail.com") -> str:
    token = base64.b64encode(digest("message-id", *salt)).decode("ascii")
    token = token.rstrip("=").replace("/", "_")
    return f"<CA{token[:2]}{token[2:44]}@{domain}>"


# --------------------------------------------------------------------------- names / dates
def display_name(address: str) -> str:
    """santiago.martinez@atlas.com -> "Santiago Martinez"."""
    local = address.split("@", 1)[0]
    for sep in "._-+":
        local = local.replace(sep, " ")
    return " ".join(w[:1].upper() + w[1:] for w in local.split())


def fmt_addr(address: str, name: str | None = None) -> str:
    return email.utils.formataddr((name if name is not None else display_name(address), address))


def parse_naive_utc(s: str) -> datetime:
    """'2023-10-01 09:15:02' (UTC, as in the WorkBench CSVs) -> aware datetime."""
    return datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def rfc3339(dt: datetime, millis: bool = False) -> str:
    dt = dt.astimezone(UTC)
    if millis:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(dt: datetime) -> str:
    return str(int(dt.timestamp() * 1000))


# --------------------------------------------------------------------------- MIME
Attachment = tuple[str, str, bytes]  # (filename, "maintype/subtype", data)


def build_raw(
    *,
    frm: str,
    to: Sequence[str],
    subject: str,
    date: datetime,
    message_id: str,
    text: str,
    html: str | None = None,
    cc: Sequence[str] = (),
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    attachments: Iterable[Attachment] = (),
    delivered_to: str | None = None,
    reply_to: str | None = None,
    extra_headers: Sequence[tuple[str, str]] = (),
    salt: str = "",
) -> bytes:
    """Build an RFC 2822 message (CRLF line endings) with deterministic boundaries."""
    msg = EmailMessage(policy=POLICY)
    if delivered_to:
        msg["Delivered-To"] = delivered_to
    msg["MIME-Version"] = "1.0"
    msg["Date"] = email.utils.format_datetime(date.astimezone(UTC))
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    msg["Subject"] = subject
    msg["From"] = frm
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = reply_to
    for k, v in extra_headers:
        msg[k] = v
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/", 1)
        if maintype == "text":
            msg.add_attachment(data.decode("utf-8"), subtype=subtype, filename=filename)
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    for i, part in enumerate(msg.walk()):
        if part is not msg:
            del part["MIME-Version"]  # sub-parts created by add_* carry their own copy
        if part.is_multipart():
            part.set_boundary("000000000000" + hexhash("boundary", message_id, salt, i, n=20))
    return msg.as_bytes()


# --------------------------------------------------------------------------- attachments
def _pdf_escape(s: str) -> str:
    s = s.encode("latin-1", "replace").decode("latin-1")
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(lines: Sequence[str], title: str = "") -> bytes:
    """A small but valid single-page PDF whose text layer is `lines`."""
    stream_lines = ["BT", "/F1 10 Tf", "13 TL", "56 790 Td"]
    for line in lines[:56]:
        stream_lines.append(f"({_pdf_escape(line)}) Tj T*")
    stream_lines.append("ET")
    stream = "\n".join(stream_lines).encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title (" + _pdf_escape(title).encode("latin-1") + b") /Producer (Atlas demo) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n".encode())
    out.write(b"0000000000 65535 f \n")
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def make_xlsx(rows: Sequence[Sequence[object]], sheet_name: str = "Sheet1") -> bytes:
    """A minimal valid .xlsx (inline strings, numbers) with a fixed zip timestamp."""
    xml_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{_col(c)}{r}"
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_xml_escape(str(v))}</t></is></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{_xml_escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(xml_rows)}</sheetData></worksheet>'
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2023, 11, 1, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content.encode("utf-8"))
    return buf.getvalue()


def make_ics(
    *,
    uid: str,
    summary: str,
    start: datetime,
    end: datetime,
    organizer: tuple[str, str],
    attendees: Sequence[tuple[str, str]],
    location: str = "",
    description: str = "",
    stamp: datetime,
    method: str = "REQUEST",
) -> bytes:
    def ts(d: datetime) -> str:
        return d.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")

    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"DTSTART:{ts(start)}",
        f"DTEND:{ts(end)}",
        f"DTSTAMP:{ts(stamp)}",
        f"ORGANIZER;CN={organizer[0]}:mailto:{organizer[1]}",
        f"UID:{uid}",
    ]
    for name, addr in attendees:
        lines.append(
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN={name}:mailto:{addr}"
        )
    lines += [
        f"CREATED:{ts(stamp)}",
        f"DESCRIPTION:{esc(description)}",
        f"LAST-MODIFIED:{ts(stamp)}",
        f"LOCATION:{esc(location)}",
        "SEQUENCE:0",
        "STATUS:CONFIRMED",
        f"SUMMARY:{esc(summary)}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def text_to_html(text: str, *, title: str = "", footer: str = "") -> str:
    """Render simple plain text (paragraphs, '- ' bullets) as an email-style HTML body."""
    blocks = []
    for para in text.strip("\n").split("\n\n"):
        lines = para.split("\n")
        if all(line.startswith(("- ", "• ")) for line in lines):
            items = "".join(f"<li>{_xml_escape(line[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append("<p>" + "<br>".join(_xml_escape(line) for line in lines) + "</p>")
    head = f"<h2 style=\"font-family:Arial,sans-serif\">{_xml_escape(title)}</h2>" if title else ""
    foot = (
        f"<p style=\"color:#888;font-size:11px\">{_xml_escape(footer)}</p>" if footer else ""
    )
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>"
        "<body><div style=\"font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222\">"
        f"{head}{''.join(blocks)}{foot}</div></body></html>"
    )


def plus(dt: datetime, **kw: float) -> datetime:
    return dt + timedelta(**kw)
