"""Validate API responses against the discovery documents bundled with googleapiclient.

``SchemaValidator.check_response(method_id, body, partial)`` walks a JSON body against that
method's response schema (``$ref`` resolved): no unknown fields, the right JSON types and formats
(int64 as decimal strings, RFC 3339 date-times, base64 bytes, enums), and required fields present.
Discovery documents do not mark response fields as required, so :data:`REQUIRED` lists what the
real APIs always return; it is not checked for partial (``fields=``) responses.
``check_error`` checks Google's error body shape.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from datetime import date, datetime
from typing import Any

import googleapiclient

DOCS_DIR = os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents")
API_VERSIONS = {"gmail": "v1", "calendar": "v3", "drive": "v3"}

# Fields every real response carries (per schema name), checked on full (non-partial) responses.
REQUIRED: dict[str, list[str]] = {
    # Gmail
    "Profile": ["emailAddress", "messagesTotal", "threadsTotal", "historyId"],
    "Message": ["id", "threadId"],
    "MessagePart": ["partId", "mimeType", "filename", "headers"],
    "MessagePartHeader": ["name", "value"],
    "MessagePartBody": ["size"],
    "Thread": ["id"],
    "Draft": ["id", "message"],
    "History": ["id"],
    "ListMessagesResponse": ["resultSizeEstimate"],
    "ListThreadsResponse": ["resultSizeEstimate"],
    "ListHistoryResponse": ["historyId"],
    "WatchResponse": ["historyId", "expiration"],
    "Label": ["id", "name", "type"],
    # Calendar
    "Events": ["kind", "etag", "items", "timeZone", "accessRole"],
    "Event": ["kind", "etag", "id", "status"],
    "EventDateTime": [],
    "FreeBusyResponse": ["kind", "timeMin", "timeMax", "calendars"],
    "FreeBusyCalendar": ["busy"],
    "TimePeriod": ["start", "end"],
    "Calendar": ["kind", "etag", "id", "summary", "timeZone"],
    "CalendarList": ["kind", "etag", "items"],
    # Drive
    "File": ["kind", "id", "name", "mimeType"],
    "FileList": ["kind", "files"],
    "Permission": ["kind", "id", "type", "role"],
    "PermissionList": ["kind", "permissions"],
    "StartPageToken": ["kind", "startPageToken"],
    "ChangeList": ["kind", "changes"],
    "Change": ["kind", "changeType", "removed", "fileId", "time"],
}
ERROR_STATUSES = {
    "INVALID_ARGUMENT", "UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND", "METHOD_NOT_ALLOWED", "ALREADY_EXISTS",
    "FAILED_PRECONDITION", "RESOURCE_EXHAUSTED", "INTERNAL", "UNIMPLEMENTED", "UNAVAILABLE", "DEADLINE_EXCEEDED",
    "ABORTED",
}
_INT = re.compile(r"^-?\d+$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class SchemaError(AssertionError):
    """A response does not match its discovery schema."""


def load_document(api: str) -> dict[str, Any]:
    """The bundled discovery document of ``api`` (gmail, calendar, drive)."""
    with open(os.path.join(DOCS_DIR, f"{api}.{API_VERSIONS[api]}.json"), encoding="utf-8") as fh:
        return json.load(fh)


def _methods(resource: dict[str, Any], out: dict[str, dict[str, Any]]) -> None:
    for desc in resource.get("methods", {}).values():
        out[desc["id"]] = desc
    for sub in resource.get("resources", {}).values():
        _methods(sub, out)


class SchemaValidator:
    """Validates bodies of gmail/calendar/drive responses; counts what it checked."""

    def __init__(self) -> None:
        self.docs = {api: load_document(api) for api in API_VERSIONS}
        self.methods: dict[str, dict[str, Any]] = {}
        for doc in self.docs.values():
            _methods(doc, self.methods)
        self.checked: dict[str, int] = {}
        self.errors_checked = 0

    def response_schema(self, method_id: str) -> str | None:
        """Name of the method's response schema (None for methods without a JSON response)."""
        if method_id not in self.methods:
            raise SchemaError(f"unknown method id {method_id}")
        return self.methods[method_id].get("response", {}).get("$ref")

    def check_response(self, method_id: str, body: Any, partial: bool = False) -> None:
        """Raise SchemaError when ``body`` does not fit the response schema of ``method_id``."""
        api = method_id.split(".", 1)[0]
        ref = self.response_schema(method_id)
        problems: list[str] = []
        if ref is None:
            if body not in (None, b"", "", {}):
                problems.append(f"expected an empty body, got {str(body)[:80]!r}")
        else:
            self._check(api, {"$ref": ref}, body, "$", problems, partial)
        if problems:
            raise SchemaError(f"{method_id}: " + "; ".join(problems[:10]))
        self.checked[method_id] = self.checked.get(method_id, 0) + 1

    def check_error(self, status: int, body: Any) -> None:
        """Raise SchemaError unless ``body`` is Google's error shape for HTTP ``status``."""
        problems: list[str] = []
        if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
            raise SchemaError(f"error body must be {{'error': {{...}}}}, got {str(body)[:120]!r}")
        err = body["error"]
        extra = set(err) - {"code", "message", "errors", "status", "details"}
        if extra:
            problems.append(f"unknown error keys {sorted(extra)}")
        if err.get("code") != status:
            problems.append(f"error.code {err.get('code')!r} != HTTP status {status}")
        if not isinstance(err.get("message"), str) or not err["message"]:
            problems.append("error.message must be a non-empty string")
        if err.get("status") not in ERROR_STATUSES:
            problems.append(f"error.status {err.get('status')!r} is not a canonical status")
        items = err.get("errors")
        if not isinstance(items, list) or not items:
            problems.append("error.errors must be a non-empty list")
        else:
            for item in items:
                if not isinstance(item, dict):
                    problems.append("error.errors items must be objects")
                    continue
                unknown = set(item) - {"message", "domain", "reason", "location", "locationType", "extendedHelp",
                                       "sendReport"}
                if unknown:
                    problems.append(f"unknown keys in errors[]: {sorted(unknown)}")
                for key in ("message", "domain", "reason"):
                    if not isinstance(item.get(key), str) or not item[key]:
                        problems.append(f"errors[].{key} must be a non-empty string")
        if problems:
            raise SchemaError("; ".join(problems))
        self.errors_checked += 1

    # -- walking ------------------------------------------------------------------------------
    def _resolve(self, api: str, schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        name = None
        while "$ref" in schema:
            name = schema["$ref"]
            schema = self.docs[api]["schemas"][name]
        return schema, name

    def _check(self, api: str, schema: dict[str, Any], value: Any, path: str, problems: list[str],
               partial: bool) -> None:
        schema, name = self._resolve(api, schema)
        typ = schema.get("type")
        if typ == "any" or typ is None and "properties" not in schema:
            return
        if typ == "object" or (typ is None and "properties" in schema):
            if not isinstance(value, dict):
                problems.append(f"{path}: expected object, got {type(value).__name__}")
                return
            props = schema.get("properties", {})
            extra_schema = schema.get("additionalProperties")
            for key, sub in value.items():
                if key in props:
                    self._check(api, props[key], sub, f"{path}.{key}", problems, partial)
                elif extra_schema is not None:
                    self._check(api, extra_schema, sub, f"{path}[{key!r}]", problems, partial)
                else:
                    problems.append(f"{path}: unknown field {key!r} (schema {name or '?'})")
            if not partial and name in REQUIRED:
                for key in REQUIRED[name]:
                    if key not in value:
                        problems.append(f"{path}: missing required field {key!r} (schema {name})")
            return
        if typ == "array":
            if not isinstance(value, list):
                problems.append(f"{path}: expected array, got {type(value).__name__}")
                return
            for i, item in enumerate(value):
                self._check(api, schema.get("items", {}), item, f"{path}[{i}]", problems, partial)
            return
        self._scalar(schema, typ, value, path, problems)

    @staticmethod
    def _scalar(schema: dict[str, Any], typ: str, value: Any, path: str, problems: list[str]) -> None:
        fmt = schema.get("format")
        if typ == "string":
            if not isinstance(value, str):
                problems.append(f"{path}: expected string, got {type(value).__name__} {value!r}")
                return
            if fmt in ("int64", "uint64") and not _INT.match(value):
                problems.append(f"{path}: {fmt} must be a decimal string, got {value!r}")
            elif fmt in ("date-time", "google-datetime"):
                if not _DATE_TIME.match(value):
                    problems.append(f"{path}: not an RFC 3339 date-time: {value!r}")
                else:
                    try:
                        datetime.fromisoformat(value.replace("Z", "+00:00"))
                    except ValueError:
                        problems.append(f"{path}: invalid date-time {value!r}")
            elif fmt == "date":
                try:
                    date.fromisoformat(value)
                except ValueError:
                    problems.append(f"{path}: not a date: {value!r}")
            elif fmt == "byte":
                try:
                    padded = value + "=" * (-len(value) % 4)
                    base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
                except (binascii.Error, ValueError):
                    problems.append(f"{path}: not base64: {value[:40]!r}")
            if "enum" in schema and value not in schema["enum"]:
                problems.append(f"{path}: {value!r} not in enum {schema['enum']}")
        elif typ == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"{path}: expected integer, got {type(value).__name__} {value!r}")
            elif fmt in ("uint32",) and value < 0:
                problems.append(f"{path}: uint32 must be >= 0")
            elif fmt in ("int32", "uint32") and not -(2**31) <= value < 2**32:
                problems.append(f"{path}: {value} out of 32-bit range")
        elif typ == "number":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(f"{path}: expected number, got {type(value).__name__}")
        elif typ == "boolean":
            if not isinstance(value, bool):
                problems.append(f"{path}: expected boolean, got {type(value).__name__} {value!r}")
