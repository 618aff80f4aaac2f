"""The side panel as a web page: `GET /` serves `extension/panel.html` and `GET /static/<file>` the panel's own
files from `extension/`, so the demo can be used in a browser without installing the extension.

The page is the extension's, byte for byte, with a `<base href="/static/">` added so its relative script and
style links resolve; `platform.js` notices it is not in an extension and talks to this same origin (credential-less
in demo mode, or a cookie session).
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, send_from_directory

from server.config import REPO_ROOT

EXTENSION_DIR = REPO_ROOT / "extension"
# Only the page's own kinds of file; the manifest, options page and service worker stay extension-only.
SERVED = {"panel.html", "panel.css", "panel.js", "platform.js"}
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

bp = Blueprint("web", __name__)


def _secured(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def index() -> Response:
    """The panel page, its relative links pointed at /static/."""
    html = (EXTENSION_DIR / "panel.html").read_text(encoding="utf-8")
    html = html.replace("<head>", '<head>\n  <base href="/static/">', 1)
    return _secured(Response(html, mimetype="text/html"))


@bp.get("/static/<name>")
def static_file(name: str) -> Response:
    """One of the panel's files (404 for anything else in extension/)."""
    if name not in SERVED:
        abort(404)
    return _secured(send_from_directory(EXTENSION_DIR, name, max_age=0))
