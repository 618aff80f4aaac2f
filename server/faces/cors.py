"""Which browser origins may talk to the API: CORS for the Chrome extension only, and no cross-site writes.

* **CORS.** A request whose `Origin` is one of EXTENSION_ORIGINS (`chrome-extension://<id>`) gets
  `Access-Control-Allow-Origin: <that origin>` with credentials, and its preflight (`OPTIONS` with
  `Access-Control-Request-Method`) is answered 204 with the methods of the route and the headers the panel sends.
  Any other origin gets no CORS header at all, so a web page elsewhere cannot read an answer. (The extension
  also has host permissions for the server, which exempt it from CORS; the headers let it work without them.)
* **Cross-site writes and sockets.** Browsers send `Origin` on every POST and on the WebSocket handshake. One
  from a web page of another site (http, https, or `null`) is refused with 403 `forbidden_origin`, whatever
  credentials it carries: no other site can confirm an action with a person's cookie, or open `/ws` as them
  (cookies or not — the demo needs no credentials). This site's own page (same host) and the listed extension
  origins pass; while EXTENSION_ORIGINS is unset (development, where an unpacked extension's id varies), any
  `chrome-extension://` origin passes this check but still gets no CORS headers. Requests without `Origin`
  (Google's add-on calls, Pub/Sub pushes, curl) are not browsers' and pass.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request

from server.errors import ApiError

ALLOWED_HEADERS = "Authorization, Content-Type, Accept, X-Request-Id"
EXPOSED_HEADERS = "X-Request-Id, Retry-After"
PREFLIGHT_MAX_AGE = "600"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_WS_PATH = "/ws"


def _same_site(origin: str) -> bool:
    """The origin is this server's own host (scheme aside: a TLS proxy in front changes it, the host stays)."""
    return bool(origin) and urlsplit(origin).netloc.lower() == request.host.lower()


def _cors_headers(response: Response, origin: str) -> None:
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Credentials"] = "true"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def install(app: Flask, extension_origins: tuple[str, ...]) -> None:
    """CORS for `extension_origins` and the cross-site check, on every route of `app`."""
    allowed = frozenset(extension_origins)

    def passes(origin: str) -> bool:
        if origin in allowed or _same_site(origin):
            return True
        return not allowed and origin.startswith("chrome-extension://")

    @app.before_request
    def _check_origin() -> Response | None:
        origin = request.headers.get("Origin")
        if origin is None:
            return None
        preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        if preflight and request.url_rule is not None:
            if origin not in allowed:
                raise ApiError(403, "forbidden_origin", "This origin may not call the API.")
            response = Response(status=204)
            _cors_headers(response, origin)
            methods = sorted((request.url_rule.methods or set()) - {"HEAD"})
            response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
            return response
        if (request.method not in _SAFE_METHODS or request.path == _WS_PATH) and not passes(origin):
            raise ApiError(403, "forbidden_origin", "Requests from another site are not accepted.")
        return None

    @app.after_request
    def _add_cors(response: Response) -> Response:
        origin = request.headers.get("Origin")
        response.vary.add("Origin")
        if origin in allowed and "Access-Control-Allow-Origin" not in response.headers:
            _cors_headers(response, origin)
        return response
