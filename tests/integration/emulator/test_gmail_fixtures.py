"""messages.get(format=full) must reproduce real Gmail responses (emulator/data/gmail_fixtures/).

Each fixture is turned back into RFC 2822 bytes (its headers, boundaries and decoded bodies;
attachments get filler bytes of the recorded size), delivered to the emulator, and fetched again
through googleapiclient: MIME tree, partIds, headers, filenames, body sizes/data and the snippet
must match what Gmail returned.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[3] / "emulator" / "data" / "gmail_fixtures"


def load_fixture(path: Path) -> dict:
    text = path.read_text().strip()
    text = text[text.index("=") + 1:].strip().rstrip(";")
    data = json.loads(text)
    return data.get("message", data)  # the draft fixture wraps its message


def to_rfc2822(part: dict) -> bytes:
    headers = "".join(f"{h['name']}: {h['value']}\r\n" for h in part["headers"]).encode()
    if part.get("parts"):
        ctype = next(h["value"] for h in part["headers"] if h["name"].lower() == "content-type")
        boundary = ctype.split("boundary=", 1)[1].strip('"')
        body = b"".join(b"--" + boundary.encode() + b"\r\n" + to_rfc2822(p) + b"\r\n" for p in part["parts"])
        return headers + b"\r\n" + body + b"--" + boundary.encode() + b"--\r\n"
    body = part["body"]
    data = base64.urlsafe_b64decode(body["data"]) if "data" in body else b"\x89" * body["size"]
    cte = next((h["value"].lower() for h in part["headers"] if h["name"].lower() == "content-transfer-encoding"), "")
    if cte == "base64":
        data = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return headers + b"\r\n" + data


def assert_part_matches(ours: dict, real: dict, path: str = "payload") -> None:
    for key in ("mimeType", "filename", "headers"):
        assert ours[key] == real[key], f"{path}.{key}"
    if "partId" in real:
        assert ours["partId"] == real["partId"], f"{path}.partId"
    assert ours["body"]["size"] == real["body"]["size"], f"{path}.body.size"
    assert ("data" in ours["body"]) == ("data" in real["body"]), f"{path}.body.data presence"
    if "data" in real["body"]:
        assert base64.urlsafe_b64decode(ours["body"]["data"]) == base64.urlsafe_b64decode(real["body"]["data"])
    assert ("attachmentId" in ours["body"]) == ("attachmentId" in real["body"]), f"{path}.body.attachmentId"
    assert len(ours.get("parts", [])) == len(real.get("parts", [])), f"{path}.parts"
    for i, (a, b) in enumerate(zip(ours.get("parts", []), real.get("parts", []))):
        assert_part_matches(a, b, f"{path}.parts[{i}]")


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.js")))
def test_payload_matches_real_gmail(emu, name):
    real = load_fixture(FIXTURES / name)
    raw = to_rfc2822(real["payload"])
    got = emu.control._call("POST", f"/users/{emu.email}/messages", data=raw,
                            headers={"Content-Type": "message/rfc822"})
    ours = emu.gmail.users().messages().get(userId="me", id=got["id"]).execute()
    assert_part_matches(ours["payload"], real["payload"])
    if name != "multipartAlternativePlainTextAttachmentMessage.js":
        # (that one's real snippet quotes the attached text file, whose bytes the fixture does not hold)
        assert ours["snippet"] == real["snippet"]
    assert ours["sizeEstimate"] == len(raw)
    raw_back = emu.gmail.users().messages().get(userId="me", id=got["id"], format="raw").execute()
    assert base64.urlsafe_b64decode(raw_back["raw"]) == raw
