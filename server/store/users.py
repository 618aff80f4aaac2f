"""The users table: who has connected, their encrypted Google tokens, and whether they must sign in again."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row


@dataclass
class User:
    """One person who connected their Google account."""

    id: uuid.UUID
    email: str
    display_name: str | None
    tier: str
    timezone: str
    google_access_token_enc: bytes | None
    google_refresh_token_enc: bytes | None
    token_expires_at: datetime | None
    granted_scopes: list[str]
    needs_reauth: bool
    autosync_enabled: bool


_COLUMNS = ("id, email, display_name, tier, timezone, google_access_token_enc, google_refresh_token_enc, "
            "token_expires_at, granted_scopes, needs_reauth, autosync_enabled")


def get(conn: psycopg.Connection[Any], user_id: uuid.UUID | str) -> User | None:
    """The user with this id, or None."""
    with conn.cursor(row_factory=class_row(User)) as cur:
        return cur.execute(f"SELECT {_COLUMNS} FROM users WHERE id = %s", (user_id,)).fetchone()


def get_by_email(conn: psycopg.Connection[Any], email: str) -> User | None:
    """The user with this address (case-insensitive), or None."""
    with conn.cursor(row_factory=class_row(User)) as cur:
        return cur.execute(f"SELECT {_COLUMNS} FROM users WHERE email = lower(%s)", (email,)).fetchone()


def upsert(conn: psycopg.Connection[Any], email: str, *, display_name: str | None = None,
           access_token_enc: bytes | None = None, refresh_token_enc: bytes | None = None,
           token_expires_at: datetime | None = None, scopes: list[str] | None = None) -> User:
    """Create the user or update their tokens (a sign-in); clears needs_reauth. Tokens must be encrypted."""
    with conn.cursor(row_factory=class_row(User)) as cur:
        row = cur.execute(
            f"""INSERT INTO users (email, display_name, google_access_token_enc, google_refresh_token_enc,
                                   token_expires_at, granted_scopes)
                VALUES (lower(%(email)s), %(name)s, %(access)s, %(refresh)s, %(expires)s, %(scopes)s)
                ON CONFLICT (email) DO UPDATE SET
                    display_name = COALESCE(EXCLUDED.display_name, users.display_name),
                    google_access_token_enc = COALESCE(EXCLUDED.google_access_token_enc,
                                                       users.google_access_token_enc),
                    google_refresh_token_enc = COALESCE(EXCLUDED.google_refresh_token_enc,
                                                        users.google_refresh_token_enc),
                    token_expires_at = COALESCE(EXCLUDED.token_expires_at, users.token_expires_at),
                    granted_scopes = CASE WHEN cardinality(EXCLUDED.granted_scopes) > 0
                                          THEN EXCLUDED.granted_scopes ELSE users.granted_scopes END,
                    needs_reauth = false,
                    updated_at = now()
                RETURNING {_COLUMNS}""",
            {"email": email, "name": display_name, "access": access_token_enc, "refresh": refresh_token_enc,
             "expires": token_expires_at, "scopes": scopes or []},
        ).fetchone()
    assert row is not None
    return row


def store_access_token(conn: psycopg.Connection[Any], user_id: uuid.UUID, access_token_enc: bytes,
                       expires_at: datetime | None) -> None:
    """Keep a refreshed access token (encrypted) so other processes reuse it instead of refreshing again."""
    conn.execute("UPDATE users SET google_access_token_enc = %s, token_expires_at = %s, updated_at = now() "
                 "WHERE id = %s", (access_token_enc, expires_at, user_id))


def mark_needs_reauth(conn: psycopg.Connection[Any], user_id: uuid.UUID) -> None:
    """Google refused this user's grant: stop their syncs until they sign in again."""
    conn.execute("UPDATE users SET needs_reauth = true, updated_at = now() WHERE id = %s", (user_id,))


def disconnect(conn: psycopg.Connection[Any], user_id: uuid.UUID) -> None:
    """The person signed out and their Google grant was revoked: forget the tokens, stop syncs until they sign in
    again (a sign-in stores new tokens and clears needs_reauth)."""
    conn.execute("UPDATE users SET google_access_token_enc = NULL, google_refresh_token_enc = NULL, "
                 "token_expires_at = NULL, needs_reauth = true, updated_at = now() WHERE id = %s", (user_id,))


def set_tier(conn: psycopg.Connection[Any], user_id: uuid.UUID, tier: str) -> None:
    """Put the user on a plan tier (free, pro, enterprise): their request allowance per hour (server/ratelimit)."""
    conn.execute("UPDATE users SET tier = %s, updated_at = now() WHERE id = %s", (tier, user_id))
