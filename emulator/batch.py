"""Google batch endpoint: ``POST /batch`` and ``/batch/<api>/<version>``.

The body is multipart/mixed whose parts are ``application/http`` requests; each is dispatched
through this same WSGI app (so auth, faults and handlers behave exactly as for a direct call)
and the answers come back as multipart/mixed with ``Content-ID: <response-ID>``, the shape
googleapiclient's ``BatchHttpRequest`` parses. An inner request without ``Authorization``
inherits the outer one, as Google documents.
"""

from __future__ import annotations

import secrets
from email import policy
from email.parser import BytesParser
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, request
from werkzeug.test import EnvironBuilder, run_wsgi_app

from . import errors
from .common import error_response, get_state

bp = Blueprint("batch", __name__)
MAX_PARTS = 100
_PARSER = BytesParser(policy=policy.compat32)


def _split_request(text: str) -> tuple[str, str, dict[str, str], bytes]:
    """Parse one ``application/http`` part into (method, target, headers, body)."""
    crlf, lf = text.find("\r\n\r\n"), text.find("\n\n")
    if crlf >= 0 and (lf < 0 or crlf <= lf):
        head, body = text[:crlf], text[crlf + 4:]
    elif lf >= 0:
        head, body = text[:lf], text[lf + 2:]
    else:
        head, body = text, ""
    lines = head.strip("\r\n").splitlines()
    if not lines:
        raise ValueError("empty request part")
    bits = lines[0].split(" ")
    if len(bits) < 2:
        raise ValueError(f"bad request line {lines[0]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip()] = value.strip()
    return bits[0].upper(), bits[1], headers, body.encode("utf-8", "surrogateescape")


def _dispatch(method: str, target: str, headers: dict[str, str], body: bytes, outer_auth: str | None
              ) -> tuple[str, list[tuple[str, str]], bytes]:
    parts = urlsplit(target)
    if not any(k.lower() == "authorization" for k in headers) and outer_auth:
        headers["Authorization"] = outer_auth
    # Let the test environ compute these from the real body.
    headers = {k: v for k, v in headers.items() if k.lower() not in ("content-length", "host")}
    builder = EnvironBuilder(path=parts.path, query_string=parts.query, method=method, headers=headers,
                             data=body if body else None, base_url=request.host_url)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    app_iter, status, resp_headers = run_wsgi_app(current_app.wsgi_app, environ, buffered=True)
    try:
        content = b"".join(app_iter)
    finally:
        if hasattr(app_iter, "close"):
            app_iter.close()
    return status, list(resp_headers.items()), content


@bp.post("/batch")
@bp.post("/batch/<api>/<version>")
def batch(api: str | None = None, version: str | None = None) -> Response:
    """Run every part of a multipart/mixed batch and answer multipart/mixed."""
    st = get_state()
    fault = st.faults.take("batch", None)
    if fault is not None and fault.status != 200:
        return error_response(errors.fault_error(fault.status, fault.retry_after))
    ctype = request.headers.get("Content-Type", "")
    if not ctype.lower().startswith("multipart/mixed") or "boundary" not in ctype:
        return error_response(errors.bad_request("Batch requests must be multipart/mixed with a boundary.",
                                                 "badRequest"))
    msg = _PARSER.parsebytes(b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + request.get_data())
    parts = msg.get_payload() if msg.is_multipart() else []
    if not parts:
        return error_response(errors.bad_request("Batch request contains no parts.", "badRequest"))
    if len(parts) > MAX_PARTS:
        return error_response(errors.bad_request(f"Too many requests in batch; the limit is {MAX_PARTS}.",
                                                 "badRequest"))
    outer_auth = request.headers.get("Authorization")
    boundary = "batch_" + secrets.token_hex(12)
    chunks: list[bytes] = []
    for i, part in enumerate(parts):
        cid = (part.get("Content-ID") or f"<item{i + 1}>").strip()
        inner = cid[1:-1] if cid.startswith("<") and cid.endswith(">") else cid
        payload = part.get_payload()
        if isinstance(payload, list):  # nested multipart is not a request
            payload = ""
        try:
            method, target, headers, body = _split_request(payload)
            status, resp_headers, content = _dispatch(method, target, headers, body, outer_auth)
        except ValueError as exc:
            err = errors.bad_request(f"Invalid batch part: {exc}", "badRequest")
            resp = error_response(err)
            status, resp_headers, content = resp.status, list(resp.headers.items()), resp.get_data()
        head = [f"--{boundary}", "Content-Type: application/http", f"Content-ID: <response-{inner}>", "",
                f"HTTP/1.1 {status}"]
        for name, value in resp_headers:
            if name.lower() in ("content-type", "www-authenticate", "retry-after", "etag"):
                head.append(f"{name}: {value}")
        head.append(f"Content-Length: {len(content)}")
        chunks.append(("\r\n".join(head) + "\r\n\r\n").encode() + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return Response(b"".join(chunks), content_type=f"multipart/mixed; boundary={boundary}")
