"""Google-style API errors.

Every error the emulator returns from an API route has the exact shape Google uses::

    {"error": {"code": 404, "message": "Requested entity was not found.",
               "errors": [{"message": "...", "domain": "global", "reason": "notFound"}],
               "status": "NOT_FOUND"}}

Handlers raise :class:`ApiError` (or use the helpers below); ``app.py`` turns it into a response.
"""

from __future__ import annotations

from typing import Any

# HTTP status -> canonical gRPC-style status string used by Google in error bodies.
STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    410: "FAILED_PRECONDITION",
    412: "FAILED_PRECONDITION",
    413: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

AUTH_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


class ApiError(Exception):
    """An error answered as a Google JSON error body.

    ``reason`` goes into ``errors[0].reason``; ``location``/``location_type`` are optional
    (Google sets them for bad parameters and auth headers). ``headers`` are extra response
    headers (e.g. ``Retry-After``, ``WWW-Authenticate``).
    """

    def __init__(
        self,
        code: int,
        message: str,
        reason: str,
        *,
        location: str | None = None,
        location_type: str | None = None,
        error_message: str | None = None,
        headers: dict[str, str] | None = None,
        status: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.location = location
        self.location_type = location_type
        self.error_message = error_message or message
        self.headers = headers or {}
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")

    def body(self) -> dict[str, Any]:
        """The JSON body Google would send for this error."""
        item: dict[str, Any] = {"message": self.error_message, "domain": "global", "reason": self.reason}
        if self.location_type:
            item["locationType"] = self.location_type
        if self.location:
            item["location"] = self.location
        return {"error": {"code": self.code, "message": self.message, "errors": [item], "status": self.status}}


def not_found(message: str = "Requested entity was not found.") -> ApiError:
    """404 notFound, Gmail/Drive flavour."""
    return ApiError(404, message, "notFound")


def bad_request(message: str, reason: str = "invalidArgument", **kw: Any) -> ApiError:
    """400 with a given reason (Gmail uses invalidArgument, Calendar/Drive often invalid/required)."""
    return ApiError(400, message, reason, **kw)


def invalid_parameter(name: str, message: str = "Invalid Value") -> ApiError:
    """400 for a bad query parameter, the way Drive and Calendar report it."""
    return ApiError(400, message, "invalid", location=name, location_type="parameter")


def required_parameter(name: str) -> ApiError:
    """400 for a missing required parameter."""
    return ApiError(400, "Required parameter: " + name, "required", location=name, location_type="parameter")


def parse_error(detail: str) -> ApiError:
    """400 for a request body that is not valid JSON."""
    return ApiError(400, "Invalid JSON payload received. " + detail, "parseError", error_message="Parse Error")


def unauthenticated() -> ApiError:
    """401 the way Google answers a missing/expired/revoked access token."""
    return ApiError(
        401,
        AUTH_MESSAGE,
        "authError",
        error_message="Invalid Credentials",
        location="Authorization",
        location_type="header",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


def forbidden(message: str, reason: str = "forbidden") -> ApiError:
    """403 (e.g. Gmail 'Delegation denied', Drive 'fileNotDownloadable')."""
    return ApiError(403, message, reason)


def conflict(message: str = "The requested identifier already exists.") -> ApiError:
    """409 duplicate (Calendar events.insert with an existing id)."""
    return ApiError(409, message, "duplicate")


def gone(message: str, reason: str) -> ApiError:
    """410 (Calendar fullSyncRequired / deleted)."""
    return ApiError(410, message, reason)


def fault_error(code: int, retry_after: float | None = None) -> ApiError:
    """The canned errors injected by the fault control endpoint (``Retry-After`` when given)."""
    if code == 429:
        err = ApiError(429, "Resource has been exhausted (e.g. check quota).", "rateLimitExceeded",
                       error_message="User-rate limit exceeded.")
    elif code == 401:
        err = unauthenticated()
    elif code == 503:
        err = ApiError(503, "The service is currently unavailable.", "backendError")
    elif code == 500:
        err = ApiError(500, "Internal error encountered.", "backendError")
    elif code == 403:
        err = ApiError(403, "User-rate limit exceeded.", "userRateLimitExceeded")
    else:
        err = ApiError(code, "Injected fault.", "backendError")
    if retry_after is not None:
        err.headers["Retry-After"] = str(max(0, int(round(retry_after))))
    return err
