"""Sign-in sessions (`sessions` table): web cookies and bearer tokens, stored as SHA-256 hashes only.

A token is `wo_<user id hex>_<43 random characters>`: the user id lets every lookup filter by `user_id` like every
other user-owned query; the random part (256 bits) is the secret. The caller sees the token once, when it is made.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

PREFIX = "wo_"


@dataclass
class Issued:
    """A new session's token (shown once) and when it expires."""

    token: str
    expires_at: datetime


@dataclass
class Found:
    """What a presented token is: `state` is `ok`, `expired` or `revoked` (unknown tokens are None)."""

    user_id: uuid.UUID
    kind: str
    source: str
    state: str
    expires_at: datetime


def token_hash(token: str) -> bytes:
    """SHA-256 of the whole token: what the table keeps."""
    return hashlib.sha256(token.encode()).digest()


def parse(token: str) -> uuid.UUID | None:
    """The user id a well-formed token names, or None for anything else."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    head, _, secret = token[len(PREFIX):].partition("_")
    if len(secret) < 32:
        return None
    try:
        return uuid.UUID(hex=head)
    except ValueError:
        return None


def create(conn: psycopg.Connection[Any], user_id: uuid.UUID, kind: str, source: str, ttl: timedelta) -> Issued:
    """A new session for the user; returns its token (never stored) and expiry."""
    token = f"{PREFIX}{user_id.hex}_{secrets.token_urlsafe(32)}"
    row = conn.execute("INSERT INTO sessions (user_id, token_hash, kind, source, expires_at) "
                       "VALUES (%s, %s, %s, %s, now() + %s) RETURNING expires_at",
                       (user_id, token_hash(token), kind, source, ttl)).fetchone()
    assert row is not None
    return Issued(token, row[0])


def find(conn: psycopg.Connection[Any], token: str, kind: str | None = None) -> Found | None:
    """The session of `token` (of `kind`, when given), or None when there is no such session."""
    user_id = parse(token)
    if user_id is None:
        return None
    row = conn.execute(
        """SELECT user_id, kind, source,
                  CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= now() THEN 'expired'
                       ELSE 'ok' END,
                  expires_at
             FROM sessions WHERE user_id = %s AND token_hash = %s""",
        (user_id, token_hash(token))).fetchone()
    if row is None or (kind is not None and row[1] != kind):
        return None
    return Found(*row)


def revoke(conn: psycopg.Connection[Any], token: str) -> Found | None:
    """End the session of `token` (idempotent); returns what it was *before* (`state` ok, expired or revoked),
    or None when there is no such session."""
    user_id = parse(token)
    if user_id is None:
        return None
    row = conn.execute(
        """WITH before AS (SELECT user_id, token_hash, revoked_at, expires_at FROM sessions
                            WHERE user_id = %(user)s AND token_hash = %(hash)s FOR UPDATE)
           UPDATE sessions s SET revoked_at = COALESCE(s.revoked_at, now())
             FROM before b
            WHERE s.user_id = b.user_id AND s.token_hash = b.token_hash
        RETURNING s.user_id, s.kind, s.source,
                  CASE WHEN b.revoked_at IS NOT NULL THEN 'revoked' WHEN b.expires_at <= now() THEN 'expired'
                       ELSE 'ok' END,
                  s.expires_at""",
        {"user": user_id, "hash": token_hash(token)}).fetchone()
    return Found(*row) if row else None


def revoke_all(conn: psycopg.Connection[Any], user_id: uuid.UUID) -> int:
    """End every live session of the user (sign out everywhere); returns how many were live."""
    return conn.execute("UPDATE sessions SET revoked_at = now() WHERE user_id = %s AND revoked_at IS NULL "
                        "AND expires_at > now()", (user_id,)).rowcount
