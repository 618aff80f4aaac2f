"""Connected Google accounts: storing a person's tokens encrypted, and opening their Google clients.

`google_for(...)` is the one way a job or a request talks to a person's Google: it decrypts their tokens, lets
google-auth refresh them when expired, keeps a refreshed token for the next caller, and when Google refuses the
grant (invalid_grant, 401) marks the person `needs_reauth` so that nothing keeps retrying on their behalf.
"""
from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timezone
from typing import Iterator

from psycopg_pool import ConnectionPool

from server.config import Config, ConfigError
from server.crypto import TokenCipher, parse_key
from server.google import GoogleError
from server.google.clients import GoogleServices, build_services, make_credentials
from server.store import users
from server.store.users import User

log = logging.getLogger(__name__)


class NeedsReauth(Exception):
    """The person must sign in again before anything can run for them."""


def cipher(config: Config) -> TokenCipher:
    """The token cipher of this deployment (TOKEN_ENCRYPTION_KEY is required to touch tokens)."""
    if not config.token_encryption_key:
        raise ConfigError("TOKEN_ENCRYPTION_KEY is not set; `make demo` creates one, production must provide it")
    return TokenCipher(parse_key(config.token_encryption_key))


def connect(pool: ConnectionPool, config: Config, email: str, *, access_token: str | None,
            refresh_token: str | None, expires_at: datetime | None, scopes: list[str] | None = None,
            display_name: str | None = None) -> User:
    """Record a sign-in: create or update the user with their tokens encrypted; returns the user."""
    box = cipher(config)
    with pool.connection() as conn:
        user = users.upsert(conn, email, display_name=display_name, scopes=scopes, token_expires_at=expires_at)
        # Encrypting needs the user id (bound as associated data), so tokens are written once it is known.
        conn.execute(
            "UPDATE users SET google_access_token_enc = COALESCE(%s, google_access_token_enc), "
            "google_refresh_token_enc = COALESCE(%s, google_refresh_token_enc) WHERE id = %s",
            (box.encrypt(access_token, str(user.id)) if access_token else None,
             box.encrypt(refresh_token, str(user.id)) if refresh_token else None, user.id))
        return users.get(conn, user.id)  # type: ignore[return-value]


@contextlib.contextmanager
def google_for(pool: ConnectionPool, config: Config, user: User,
               timeout: float | None = None) -> Iterator[GoogleServices]:
    """The user's Google clients for the duration of the block (one job or request; not shared). Each HTTP call
    may take `timeout` seconds (default GOOGLE_TIMEOUT_SECONDS: a person is waiting; syncs pass their own)."""
    if user.needs_reauth:
        raise NeedsReauth(user.email)
    box = cipher(config)
    uid = str(user.id)
    access = box.decrypt(user.google_access_token_enc, uid) if user.google_access_token_enc else None
    refresh = box.decrypt(user.google_refresh_token_enc, uid) if user.google_refresh_token_enc else None
    credentials = make_credentials(access, refresh, user.token_expires_at,
                                   client_id=config.google_client_id or "demo-client",
                                   client_secret=config.google_client_secret or "demo-secret",
                                   token_uri=config.google_token_uri)
    services = build_services(credentials, config.google_api_base_url,
                              timeout=config.google_timeout if timeout is None else timeout)
    try:
        yield services
    except GoogleError as exc:
        if exc.kind == "auth_required":
            with pool.connection() as conn:
                users.mark_needs_reauth(conn, user.id)
            log.warning("google refused the grant; syncs stop until the user signs in again",
                        extra={"user_id": uid, "reason": exc.reason})
            raise NeedsReauth(user.email) from exc
        raise
    finally:
        if credentials.token and credentials.token != access:
            expires = credentials.expiry.replace(tzinfo=timezone.utc) if credentials.expiry else None
            with pool.connection() as conn:
                users.store_access_token(conn, user.id, box.encrypt(credentials.token, uid), expires)
