"""Field types every input schema shares (faces and the pipeline's request schema alike).

`Text` is a bounded string PostgreSQL can store: text columns cannot hold NUL and UTF-8 cannot encode a lone
surrogate ("\\ud800" is valid JSON), so either must be a 400 at the door rather than a 500 at the database.
"""
from __future__ import annotations

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
        super().__init__(validate=checks + list(kwargs.pop("validate", None) or []), **kwargs)
