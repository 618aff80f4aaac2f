"""Field types every input schema shares (faces and the pipeline's request schema alike).

`Text` is a bounded string PostgreSQL can store: text columns cannot hold NUL and UTF-8 cannot encode a lone
surrogate ("\\ud800" is valid JSON), so either must be a 400 at the door rather than a 500 at the database.
`Moment` is an ISO 8601 date-time in one strict spelling whose pattern the OpenAPI document shows (a field's
`metadata["pattern"]`), so what the document promises and what the field accepts are the same language.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from marshmallow import ValidationError, fields, validate

# "No NUL", in a syntax Python and JSON Schema (ECMA 262) read the same way, so the OpenAPI document can say it.
NO_NUL = r"^[^\x00]*$"


def _encodable(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Not valid Unicode text.") from None


class Text(fields.String):
    """A string a person could have typed: at most `max_length` characters, no NUL, valid Unicode."""

    def __init__(self, *, max_length: int, min_length: int | None = None, **kwargs: Any) -> None:
        checks = [validate.Length(min=min_length, max=max_length),
                  validate.Regexp(NO_NUL, error="Must not contain NUL characters."), _encodable]
        more = kwargs.pop("validate", None) or []
        super().__init__(validate=checks + (list(more) if isinstance(more, (list, tuple)) else [more]), **kwargs)


_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
_DAY = r"(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
# Years 1970-2099: the pipeline does date arithmetic ("last year", "in 3 months") that far-off years overflow.
MOMENT = rf"^(19[7-9][0-9]|20[0-9][0-9])-{_DAY}T{_TIME}$"
# A day (YYYY-MM-DD) or a date-time whose offset may be left out (search windows: "after 2023-11-01").
_CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
DAY_OR_MOMENT = rf"^[12][0-9]{{3}}-{_DAY}(T{_CLOCK}{_OFFSET}?)?$"


class Moment(fields.AwareDateTime):
    """An ISO 8601 date-time with its UTC offset, like 2023-11-30T09:00:00Z, in the years 1970-2099."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": MOMENT, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not re.fullmatch(MOMENT, value):
            raise ValidationError("Not a date-time: use ISO 8601 with an offset, like 2023-11-30T09:00:00Z "
                                  "(years 1970-2099).")
        return super()._deserialize(value, attr, data, **kwargs)
