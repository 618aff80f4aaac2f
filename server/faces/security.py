"""What every answer and every request gets, whatever the route: security headers, a bound on the URL, and JSON
bodies that cannot crash the parser.

Headers on every response (a header a view already set is kept, e.g. web.py's page CSP):

* `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`,
  `Cross-Origin-Opener-Policy: same-origin`, `Cross-Origin-Resource-Policy: same-origin`.
* `Content-Security-Policy`: nothing may load or run for JSON and other data (`default-src 'none'`); the sign-in
  flow's small HTML pages may use their inline styles and nothing else.
* `Cache-Control: no-store` unless the view chose (the panel's static files): answers carry a person's mail and
  actions and must not be kept by a browser or proxy.
* `Strict-Transport-Security` when the request came over https (directly or per the proxy's X-Forwarded-Proto;
  browsers ignore the header over http, so a forged one gains nothing).

Requests whose path and query string exceed MAX_URL_BYTES are refused with a JSON 414 before routing (gunicorn's
own limit, `limit_request_line`, sits above it so the answer is ours). Bodies are bounded in server/app.py.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider

from server.errors import ApiError

# The longest search (500 characters, 200 more naming the sender) in a 3-byte script is ~6.4 KB percent-encoded;
# gunicorn's `limit_request_line` (server/gunicorn_conf.py) is set just above this so the 414 is ours.
MAX_URL_BYTES = 8000
HSTS = "max-age=31536000; includeSubDomains"
CSP_DATA = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CSP_PAGE = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class _SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a body nested too deeply to parse is "not JSON" (a 400), not a RecursionError."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _came_over_https() -> bool:
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.is_secure or forwarded == "https"


def secure_headers(response: Response) -> Response:
    """Add the security headers to one response (those a view set stay as they are)."""
    for name, value in _ALWAYS.items():
        response.headers.setdefault(name, value)
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = CSP_PAGE if response.mimetype == "text/html" else CSP_DATA
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    if _came_over_https():
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _limit_url() -> None:
    size = len(request.path.encode("utf-8", "surrogateescape")) + len(request.query_string)
    if size > MAX_URL_BYTES:
        raise ApiError(414, "uri_too_long", f"The address is too long (at most {MAX_URL_BYTES} bytes of path and "
                                            f"query). Send long input in a JSON body.")


def install(app: Flask) -> None:
    """Install the headers, the URL bound and the safe JSON parser on `app`."""
    app.json = _SafeJSONProvider(app)
    app.before_request(_limit_url)
    app.after_request(secure_headers)
