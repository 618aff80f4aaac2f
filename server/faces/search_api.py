"""`GET /api/v1/search?q=&service=&from=&after=&before=&limit=`: the current user's hybrid search.

Answers `{"query", "people": {"from": {"query", "ambiguous", "matches"}}?, "hits": [{"service", "id", "title", "snippet", "at", "who", "who_name", "link", "score",
"ranks": {"fts", "vector", "filtered"}}]}`, best first across the requested services. `from` takes an address or
a name ("sarah"); `after`/`before` take dates (YYYY-MM-DD, UTC midnight) or ISO date-times.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, time, timezone
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from server.embeddings import EmbeddingError
from server.embeddings.cache import cached_query_embedding
from server.errors import ApiError
from server.faces import validation
from server.faces.auth import current_user
from server.inputs import DAY_OR_MOMENT
from server.search import SearchFilters, search
from server.search import people
from server.services import services

log = logging.getLogger(__name__)
bp = Blueprint("search_api", __name__, url_prefix="/api/v1")
SERVICES = ("gmail", "calendar", "drive")


class _Instant(fields.Field):
    """A date (midnight UTC) or an ISO date-time (UTC when it has no offset), spelled as DAY_OR_MOMENT says."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"pattern": DAY_OR_MOMENT,
                                   "description": "YYYY-MM-DD (midnight UTC) or an ISO 8601 date-time"}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not re.fullmatch(DAY_OR_MOMENT, value):
            raise ValidationError("Not a date: use YYYY-MM-DD or an ISO 8601 date-time.")
        try:
            if len(value) == 10:
                return datetime.combine(datetime.fromisoformat(value).date(), time(), tzinfo=timezone.utc)
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("Not a date: use YYYY-MM-DD or an ISO 8601 date-time.") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class SearchQuery(Schema):
    """Query parameters of GET /api/v1/search (unknown parameters are refused)."""

    class Meta:
        unknown = RAISE

    q = validation.Text(required=True, min_length=1, max_length=500)
    service = fields.String(load_default="all", validate=validate.OneOf((*SERVICES, "all")))
    from_ = validation.Text(data_key="from", load_default=None, min_length=1, max_length=200)
    after = _Instant(load_default=None)
    before = _Instant(load_default=None)
    limit = fields.Integer(load_default=10, strict=False, validate=validate.Range(min=1, max=100))

    @validates_schema
    def _window(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("after") and data.get("before") and data["after"] >= data["before"]:
            raise ValidationError("after must be earlier than before", "after")


def _hit(h: Any) -> dict[str, Any]:
    return {"service": h.service, "id": h.id, "title": h.title, "snippet": h.snippet,
            "at": h.at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if h.at else None,
            "who": h.who, "who_name": h.who_name, "link": h.link, "score": round(h.score, 6),
            "ranks": {"fts": h.fts_rank, "vector": h.vec_rank, "filtered": h.fvec_rank}}


@bp.get("/search")
def search_route() -> Response:
    """The best items for `q` across the requested services, for the current user only."""
    params = validation.load(SearchQuery(), request.args.to_dict(flat=True), "search")
    if len(request.args.getlist("q")) > 1:
        raise ApiError(400, "bad_request", "Invalid search: q: give it once.")
    user = current_user()
    svc = services()
    try:
        vector = cached_query_embedding(svc.embedder(), params["q"], svc.redis)
    except EmbeddingError as exc:  # full text still answers
        log.warning("query embedding unavailable", extra={"error": str(exc)})
        vector = None
    wanted = SERVICES if params["service"] == "all" else (params["service"],)
    hits = []
    resolved: dict[str, Any] = {}
    with svc.pool.connection() as conn:
        filters = SearchFilters(after=params["after"], before=params["before"])
        if params["from_"]:
            # A search may take every match of an ambiguous name; the answer says who was included.
            who = people.resolve(conn, user.id, params["from_"], me=user.email)
            filters.senders = who.emails or [params["from_"].lower()]
            resolved["from"] = {"query": who.query, "ambiguous": who.ambiguous,
                                "matches": [{"email": p.email, "name": p.name} for p in who.matches]}
        for service in wanted:
            hits.extend(search(conn, service, user.id, params["q"], vector, filters, params["limit"]))
    hits.sort(key=lambda h: h.score, reverse=True)
    return jsonify(query=params["q"], people=resolved, hits=[_hit(h) for h in hits[:params["limit"]]])
