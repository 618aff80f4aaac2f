"""Keeping credentials out of logs: `scrub(text)` masks anything shaped like one, `without(text, secret)` removes a
known one (and its parts) from a library's error message before it is logged.

The JSON log formatter runs every line through `scrub`, so a URL with `?token=` in an exception message, a
`Bearer …` header echoed by a library or a Google token in a traceback comes out as `[redacted]`. Call sites that
log a token library's complaint about a token they were handed use `without` too: "Wrong number of segments in
token: b'…'" quotes whatever was sent, in a shape no pattern can know.
"""
from __future__ import annotations

import re

MASK = "[redacted]"
# name=value pairs in URLs, form bodies and messages whose value is a credential.
_PARAMS = re.compile(r"(?i)\b(access_token|refresh_token|id_token|token|code|client_secret|state|password|api_key|key"
                     r"|assertion)=([^&\s\"'<>]+)")
_AUTH_HEADER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{12,}")  # an Authorization header's value
_SHAPES = [
    re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),  # a JWT (an OIDC/ID token)
    re.compile(r"\bya29\.[A-Za-z0-9._-]+"),  # a Google access token
    re.compile(r"(?<![\w/])1//[A-Za-z0-9._-]+"),  # a Google refresh token
    re.compile(r"\bwo_[0-9a-f]{32}_[A-Za-z0-9_-]+"),  # our own session and bearer tokens
    re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),  # OpenAI / Anthropic API keys
]


def scrub(text: str) -> str:
    """`text` with every credential-shaped part replaced by `[redacted]`."""
    if not text:
        return text
    text = _PARAMS.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    for shape in _SHAPES:
        text = shape.sub(MASK, text)
    return text


def without(text: str, secret: str | None, limit: int = 200) -> str:
    """`text` (cut to `limit` characters) with `secret` and each longer dot-separated part of it removed."""
    parts = [secret] if secret else []
    if secret:
        parts += [p for p in secret.split(".") if len(p) >= 8]
    for part in sorted(parts, key=len, reverse=True):
        text = text.replace(part, MASK)
    return scrub(text)[:limit]
